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


_OBS_SHORT = {
    "obs_document_held_by_other": "BRD-01",
    "obs_companion_answers": "BRD-02",
    "obs_inconsistent_account": "BRD-03",
    "obs_vague_job_details": "BRD-04",
    "obs_booked_by_non_traveller": "BRD-06",
    "obs_little_luggage": "BRD-07",
    "obs_fearful": "BRD-08",
    "obs_visible_injuries": "BRD-09",
    "obs_child_with_non_guardian": "BRD-10",
    "obs_suspect_document": "BRD-11",
}


_EVIDENCE_COLUMNS = (
    "setting / 设定",
    "flagged / 标记",
    "recall / 召回率 (95%)",
    "precision / 精确率 (95%)",
    "lift / 提升",
    "median LR / 似然比中位数",
)


@synth_app.command("evidence")
@reports_errors
def evidence(
    n: Annotated[
        int, typer.Option("--n", min=1_000, help="Travellers per setting. 每种设定的旅客人数。")
    ] = 200_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed. 随机种子。")] = 2026,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles", help="Profile directory (default: the examples). 风险画像目录。"
        ),
    ] = None,
    as_json: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON. 另存为 JSON。")
    ] = None,
) -> None:
    """Recall and precision of a profile set in the easy and the realistic setting, and on
    corridors the profiles were not written for (the transfer check).
    在简单设定与现实设定下、以及在风险画像未针对的通道上，风险画像的召回率与精确率。
    """
    import json

    from rich.table import Table

    from palermo.analytics.evidence import median_ratio, synthetic_evidence
    from palermo.profiles import EXAMPLES_DIR, load_profile_set

    started = time.perf_counter()
    rows = synthetic_evidence(n, seed=seed, profiles=load_profile_set(profiles or EXAMPLES_DIR))
    table = Table(title="Synthetic evidence / 合成证据")
    for column in _EVIDENCE_COLUMNS:
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            f"{r.title_en}\n{r.title_zh}",
            f"{r.flagged_share:.2%}",
            f"{r.recall.share:.1%} ({r.recall.low:.1%}-{r.recall.high:.1%}) of {r.cases:,}",
            f"{r.precision.share:.1%} ({r.precision.low:.1%}-{r.precision.high:.1%})",
            f"{r.lift:.0f}x",
            f"{median_ratio(r.likelihood_ratios):.1f}",
        )
    console.print(table)
    for r in rows:
        if r.lookalikes_flagged:
            flagged = ", ".join(
                f"{kind} {rate.share:.1%}" for kind, rate in r.lookalikes_flagged.items()
            )
            console.print(f"{r.setting}: look-alikes flagged / 被标记的相似旅客: {flagged}")
        ratios = ", ".join(
            f"{_OBS_SHORT.get(k, k)} {v:.1f}" for k, v in r.likelihood_ratios.items()
        )
        console.print(f"{r.setting}: likelihood ratios / 似然比: {ratios}", highlight=False)
    console.print(
        "These figures measure how well the profiles recover the generator's assumptions; they "
        "are not a measure of real traffic.\n这些数字衡量的是风险画像对生成器假设的还原程度，"
        f"而不是对真实客流的衡量。\ntime 用时: {time.perf_counter() - started:.1f} s",
        highlight=False,
    )
    if as_json is not None:
        payload = {"n": n, "seed": seed, "settings": [r.as_dict() for r in rows]}
        as_json.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
