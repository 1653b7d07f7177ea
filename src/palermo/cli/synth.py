"""``palermo synth``: synthetic traveller populations with embedded, labelled cases."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from palermo.cli.app import app, console, reports_errors, stdout_is_terminal
from palermo.synth import default_config, load_config
from palermo.synth.write import write_population

synth_app = typer.Typer(
    help="Synthetic populations with ground truth. 带真实标注的合成数据。", no_args_is_help=True
)
app.add_typer(synth_app, name="synth")


@synth_app.command("travellers")
@reports_errors
def travellers(
    n: Annotated[int, typer.Option("--n", min=0, help="Number of travellers. 旅客人数。")],
    out: Annotated[
        Path, typer.Option("--out", help="Records file (.parquet, .csv, .jsonl). 记录文件。")
    ],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed. 随机种子。")] = 0,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth", help="Ground-truth file (default: <out stem>.truth.parquet). 真实标注文件。"
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Corridors and shares (YAML). 通道与比例配置（YAML）。"),
    ] = None,
) -> None:
    """Generate N travellers, a small share of them embedded trafficking cases.
    生成 N 名合成旅客，其中一小部分为嵌入的人口贩运案例。
    """
    cfg = load_config(config) if config is not None else default_config()
    started = time.perf_counter()
    if stdout_is_terminal() and n >= 1_000_000:
        columns = (
            TextColumn("generating 生成中"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("synth", total=n)
            written = write_population(
                out,
                n,
                seed,
                cfg,
                truth=truth,
                progress=lambda done: bar.update(task, completed=done),
            )
    else:
        written = write_population(out, n, seed, cfg, truth=truth)
    seconds = time.perf_counter() - started
    console.print(
        f"{written.records:,} travellers, {written.cases:,} embedded cases -> {written.out}\n"
        f"{written.records:,} 名旅客，{written.cases:,} 个嵌入案例 -> {written.out}\n"
        f"ground truth 真实标注: {written.truth}\n"
        f"time 用时: {seconds:.1f} s",
        highlight=False,
    )
