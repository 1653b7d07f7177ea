"""``palermo screen`` and ``palermo profiles``: batch screening and profile-set checks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.errors import InputError, Problem
from palermo.lib.files import atomic_path
from palermo.profiles import check_profile_set, load_profile_set
from palermo.profiles.explain import describe_profile
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.records import read_records
from palermo.screening.batch import ENGINES, Engine, screen_table

PROGRESS_FROM_ROWS = 500_000  # below this a run takes well under a second: no bar
BATCH_ROWS = 2_000_000  # each DuckDB query costs ~20 ms: big batches, still a moving bar

profiles_app = typer.Typer(
    help=(
        "Risk profiles: check a profile set, show profiles in words. "
        "风险画像：检查画像集，以文字显示画像。"
    ),
    no_args_is_help=True,
)
app.add_typer(profiles_app, name="profiles")


@app.command("screen")
@reports_errors
def screen(
    input_path: Annotated[
        Path,
        typer.Argument(
            help="Records: CSV, Parquet, JSON Lines or PAXLST (.edi, .paxlst). 旅客记录文件。"
        ),
    ],
    profiles: Annotated[
        Path, typer.Option("--profiles", help="Profile set directory. 风险画像集目录。")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Hits file to write (.parquet). 输出的命中文件。")
    ],
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark. 计算引擎。")] = "duckdb",
    watchlists: Annotated[
        Path | None,
        typer.Option(
            "--watchlists", help="Also match a watchlist directory. 同时比对监控名单目录。"
        ),
    ] = None,
    reporting_country: Annotated[
        str | None,
        typer.Option(
            help="PAXLST: the country receiving the manifest (ISO alpha-2); default "
            "PALERMO_REPORTING_COUNTRY. PAXLST 舱单的接收国（两位字母代码）。"
        ),
    ] = None,
) -> None:
    """Screen travellers against risk profiles; write one row per hit (Parquet).
    按风险画像筛查旅客；每个命中写一行（Parquet）。

    A hit is an invitation to look closer, never a decision about a traveller.
    命中只是提示进一步查看，绝不是对旅客的决定。
    """
    if engine not in ENGINES:
        raise InputError(
            [
                Problem(
                    where="--engine",
                    value=engine,
                    rule="must be one of " + ", ".join(ENGINES),
                    rule_zh="必须是以下之一：" + "、".join(ENGINES),
                )
            ]
        )
    if out.suffix.lower() not in (".parquet", ".pq"):
        raise InputError(
            [
                Problem(
                    where="--out",
                    value=str(out),
                    rule="hits are written as .parquet",
                    rule_zh="命中结果写为 .parquet 文件",
                )
            ]
        )
    chosen: Engine = "spark" if engine == "spark" else "duckdb"
    started = time.perf_counter()
    profile_set = load_profile_set(profiles)
    today = screening_day()
    table = read_records(input_path, reporting_country=reporting_country)
    resting = profile_set.not_in_force(today)
    for p in resting:
        console.print(
            f"[yellow]not used / 未使用:[/] {p.id} (review by / 复核日期 "
            f"{p.review_by.isoformat()}, valid from / 生效日期 {p.valid_from.isoformat()})",
            highlight=False,
        )
    index = None
    if watchlists is not None:
        from palermo.screening.watchlists import WatchlistIndex

        index = WatchlistIndex.from_directory(watchlists, today=today)
    if table.num_rows >= PROGRESS_FROM_ROWS:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("screening / 筛查", total=table.num_rows)
            hits = screen_table(
                table,
                profile_set,
                engine=chosen,
                on=today,
                batch_rows=BATCH_ROWS,
                progress=lambda done: bar.update(task, completed=done),
                watchlists=index,
            )
    else:
        hits = screen_table(table, profile_set, engine=chosen, on=today, watchlists=index)
    if index is not None:
        listed = pc.sum(pc.equal(hits.column("source"), "watchlist")).as_py() or 0
        console.print(
            f"watchlist hits / 名单命中: {listed} ({len(index.lists)} list(s) / 个名单, "
            f"{len(index)} entries / 条目)",
            highlight=False,
        )
    with atomic_path(out) as tmp:
        pq.write_table(hits, tmp)
    elapsed = time.perf_counter() - started
    _summary(table.num_rows, hits, profile_set, elapsed, out)


def _summary(
    n_records: int, hits: pa.Table, profile_set: ProfileSet, elapsed: float, out: Path
) -> None:
    flagged = pc.count_distinct(hits.column("record_id")).as_py() if hits.num_rows else 0
    counts: dict[str, int] = {}
    if hits.num_rows:
        for row in hits.group_by("rule_id").aggregate([("rule_id", "count")]).to_pylist():
            counts[row["rule_id"]] = row["rule_id_count"]
    table = Table("profile / 风险画像", "hits / 命中", "title / 标题")
    table.columns[0].no_wrap = True
    for p in profile_set.profiles:
        table.add_row(
            f"{p.id} v{p.version}", str(counts.get(p.id, 0)), f"{p.title.en}\n{p.title.zh}"
        )
    console.print(table)
    share = flagged / n_records if n_records else 0.0
    console.print(
        f"records / 记录: {n_records}   hits / 命中: {hits.num_rows}   "
        f"travellers flagged / 被标记旅客: {flagged} ({share:.2%})   "
        f"profile set / 画像集: {profile_set.version}   time / 用时: {elapsed:.2f}s",
        highlight=False,
    )
    console.print(f"wrote / 已写入: {out}", highlight=False)


@profiles_app.command("check")
@reports_errors
def check(
    directory: Annotated[Path, typer.Argument(help="Profile set directory. 风险画像集目录。")],
) -> None:
    """Validate a profile set; list every problem with file and line (exit status 2).
    校验风险画像集；列出每个问题及其文件和行号（退出状态 2）。
    """
    profile_set, problems = check_profile_set(directory)
    if problems:
        raise InputError(problems)
    assert profile_set is not None
    console.print(
        f"{directory}: {len(profile_set)} profile(s), {len(profile_set.lists)} list(s), "
        f"version {profile_set.version}: no problems / 无问题",
        highlight=False,
    )


@profiles_app.command("show")
@reports_errors
def show(
    directory: Annotated[Path, typer.Argument(help="Profile set directory. 风险画像集目录。")],
    lang: Annotated[str, typer.Option(help="en or zh. 显示语言。")] = "en",
) -> None:
    """Show every profile of a set in words. 以文字显示画像集中的每个风险画像。"""
    profile_set = load_profile_set(directory)
    for p in profile_set.profiles:
        console.print(describe_profile(p, profile_set.lists, lang), highlight=False, markup=False)
        console.print()
