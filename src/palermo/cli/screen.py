"""``palermo screen`` and ``palermo profiles``: batch screening and profile-set checks."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from palermo.cli.app import ReportingCountry, app, console, reports_errors
from palermo.errors import InputError, Problem
from palermo.profiles import check_profile_set, load_profile_set
from palermo.profiles.explain import describe_profile
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.profiles.validate import GuardPolicy
from palermo.records import read_records
from palermo.records.readers import detect_format
from palermo.screening.batch import ENGINES
from palermo.screening.pipeline import ScreenSummary, screen_file

if TYPE_CHECKING:
    from palermo.analytics.backtest import Backtest, Rate
    from palermo.screening.watchlists import WatchlistIndex

PROGRESS_FROM_ROWS = 500_000  # below this a run takes well under a second: no bar

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
            help="Records: CSV, Parquet, JSON Lines or PAXLST (.edi, .paxlst); with --engine "
            "spark a Parquet file or dataset directory (Hive partitions such as event_date=... or "
            "day=...). 旅客记录文件；使用 --engine spark 时为 Parquet 文件或数据集目录。"
        ),
    ],
    profiles: Annotated[
        Path, typer.Option("--profiles", help="Profile set directory. 风险画像集目录。")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Hits file to write (.parquet). 输出的命中文件。")
    ],
    engine: Annotated[
        str,
        typer.Option(
            help="duckdb (embedded, streamed) or spark (Parquet read and screened by Spark's "
            "executors; hits sorted by record id). 计算引擎：duckdb（嵌入式，流式）或 spark"
            "（由 Spark 执行器读取并筛查 Parquet；命中按记录编号排序）。"
        ),
    ] = "duckdb",
    watchlists: Annotated[
        Path | None,
        typer.Option(
            "--watchlists", help="Also match a watchlist directory. 同时比对监控名单目录。"
        ),
    ] = None,
    reporting_country: ReportingCountry = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="With --engine spark: the cluster to run on, as spark-submit --master takes "
            "it (spark://host:7077, yarn, k8s://...); the input and the --out folder must be "
            "on storage every node shares. Default: PALERMO_SPARK_MASTER, else local on "
            "every core. 使用 --engine spark 时运行的集群（与 spark-submit --master 相同）；"
            "输入和 --out 所在文件夹必须位于所有节点共享的存储上。默认：PALERMO_SPARK_MASTER，"
            "否则为本机全部核心。",
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
    if spark_master is not None and engine != "spark":
        raise InputError(
            [
                Problem(
                    where="--spark-master",
                    value=spark_master,
                    rule="applies to --engine spark only; add --engine spark, or leave "
                    "--spark-master out",
                    rule_zh="仅适用于 --engine spark；请加上 --engine spark，或不使用 "
                    "--spark-master",
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
    started = time.perf_counter()
    profile_set = load_profile_set(profiles)
    today = screening_day()
    for p in profile_set.not_in_force(today):
        console.print(
            f"[yellow]not used / 未使用:[/] {p.id} (review by / 复核日期 "
            f"{p.review_by.isoformat()}, valid from / 生效日期 {p.valid_from.isoformat()})",
            highlight=False,
        )
    index = None
    if watchlists is not None:
        from palermo.screening.watchlists import WatchlistIndex

        index = WatchlistIndex.from_directory(watchlists, today=today)
    job = _Screening(input_path, profile_set, out, today, index, reporting_country)
    summary = _screen_on_spark(job, spark_master) if engine == "spark" else _screen_streamed(job)
    if index is not None:
        console.print(
            f"watchlist hits / 名单命中: {summary.by_profile['watchlist']} "
            f"({len(index.infos)} list(s) / 个名单, {len(index)} entries / 条目)",
            highlight=False,
        )
    _summary(summary, profile_set, time.perf_counter() - started, out)


@dataclass(frozen=True, slots=True)
class _Screening:
    """One ``palermo screen`` run: what is screened against what, written where, on which day."""

    input_path: Path
    profile_set: ProfileSet
    out: Path
    today: dt.date
    index: WatchlistIndex | None
    reporting_country: str | None


def _screen_streamed(job: _Screening) -> ScreenSummary:
    """DuckDB: the file read, checked and screened in batches, hits written as they come."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("screening / 筛查", total=None, visible=False)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total, visible=done >= PROGRESS_FROM_ROWS)

        return screen_file(
            job.input_path,
            job.profile_set,
            job.out,
            on=job.today,
            watchlists=job.index,
            progress=progress,
            reporting_country=job.reporting_country,
        )


def _screen_on_spark(job: _Screening, master: str | None) -> ScreenSummary:
    """Spark: a Parquet file or dataset directory read by Spark, checked and screened in its
    executors (``screening.spark_pipeline``), hits sorted by record id."""
    path = job.input_path
    if not (path.is_dir() or detect_format(path) == "parquet"):
        raise InputError(
            [
                Problem(
                    where=str(path),
                    field="--engine spark",
                    rule="Spark reads Parquet: a file or a directory of files (a dataset, "
                    "partitioned by day or not); screen this file with --engine duckdb, or "
                    "write it as Parquet first",
                    rule_zh="Spark 读取 Parquet：单个文件或文件目录（数据集，可按日分区）；"
                    "请用 --engine duckdb 筛查此文件，或先将其写为 Parquet",
                )
            ]
        )
    from palermo.screening.spark_pipeline import screen_dataset

    return screen_dataset(
        path,
        job.profile_set,
        job.out,
        on=job.today,
        watchlists=job.index,
        master=master or os.environ.get("PALERMO_SPARK_MASTER") or None,
    )


def _summary(summary: ScreenSummary, profile_set: ProfileSet, elapsed: float, out: Path) -> None:
    table = Table("profile / 风险画像", "hits / 命中", "title / 标题")
    table.columns[0].no_wrap = True
    for p in profile_set.profiles:
        table.add_row(
            f"{p.id} v{p.version}",
            str(summary.by_profile.get(p.id, 0)),
            f"{p.title.en}\n{p.title.zh}",
        )
    console.print(table)
    n_records = summary.records
    share = summary.flagged / n_records if n_records else 0.0
    console.print(
        f"records / 记录: {n_records}   hits / 命中: {summary.hits}   "
        f"travellers flagged / 被标记旅客: {summary.flagged} ({share:.2%})   "
        f"profile set / 画像集: {profile_set.version}   time / 用时: {elapsed:.2f}s",
        highlight=False,
    )
    console.print(f"wrote / 已写入: {out}", highlight=False)


@profiles_app.command("check")
@reports_errors
def check(
    directory: Annotated[Path, typer.Argument(help="Profile set directory. 风险画像集目录。")],
    age_may_narrow: Annotated[
        bool,
        typer.Option(
            "--age-may-narrow/--no-age",
            help="Whether age may narrow a profile that stands on circumstances (child "
            "protection needs it). 是否允许以年龄缩小以情境为依据的画像范围。",
        ),
    ] = True,
) -> None:
    """Validate a profile set; list every problem with file and line (exit status 2).
    校验风险画像集；列出每个问题及其文件和行号（退出状态 2）。
    """
    policy = GuardPolicy(age_may_narrow=age_may_narrow)
    profile_set, problems = check_profile_set(directory, policy=policy)
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


@profiles_app.command("backtest")
@reports_errors
def backtest_command(
    directory: Annotated[
        Path, typer.Argument(help="Draft profile set directory. 风险画像草案目录。")
    ],
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Population: Parquet, CSV or JSON Lines of traveller records (e.g. from "
            "palermo synth). 用于回测的旅客记录文件。",
        ),
    ] = None,
    stored_days: Annotated[
        int | None,
        typer.Option(
            "--stored-days",
            help="Instead of --against: the screenings the web application stored in the last "
            "N days, in the scope of --as (needs PALERMO_* settings). "
            "改用网页应用最近 N 天保存的筛查。",
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as", help="With --stored-days: whose scope (user name). 以哪位用户的范围。"
        ),
    ] = None,
    active: Annotated[
        Path | None,
        typer.Option("--active", help="Active profile set to measure overlap with. 现行画像集。"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON. 以 JSON 输出。")] = False,
    groups: Annotated[
        int, typer.Option(help="Groups shown per attribute (text output). 每个属性显示的群体数。")
    ] = 8,
) -> None:
    """Backtest a draft profile set on a population before activating it: share flagged,
    projected hits per day, overlap with the active set, selection rates by nationality, sex
    and age band (Wilson 95% intervals).
    在启用前用旅客群体回测风险画像草案：标记比例、预计每日命中、与现行画像集的重叠，以及按国籍、
    性别和年龄段的选中率（Wilson 95% 区间）。
    """
    from palermo.analytics import backtest

    if (against is None) == (stored_days is None):
        raise InputError([_one_population()])
    draft = load_profile_set(directory)
    current = load_profile_set(active) if active is not None else None
    if stored_days is not None:
        _backtest_stored(draft, current, stored_days, as_user, as_json=as_json)
        return
    assert against is not None
    table = read_records(against)
    if table.num_rows == 0:
        raise InputError(
            [
                Problem(
                    where=str(against),
                    rule="the population has no records to backtest on",
                    rule_zh="该旅客群体文件没有可用于回测的记录",
                )
            ]
        )
    result = backtest(draft, table, current)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    _print_backtest(result, groups)


def _one_population() -> Problem:
    return Problem(
        where="palermo profiles backtest",
        field="--against / --stored-days",
        rule="give exactly one population: a records file (--against) or the stored "
        "screenings of the last N days (--stored-days with --as)",
        rule_zh="请只给出一种旅客群体：记录文件（--against）"
        "或最近 N 天保存的筛查（--stored-days 与 --as）",
    )


def _backtest_stored(
    draft: ProfileSet, active: ProfileSet | None, days: int, as_user: str | None, *, as_json: bool
) -> None:
    """The draft on the web application's stored screenings (``palermo.analytics.stored``)."""
    if not as_user:
        raise InputError(
            [
                Problem(
                    where="palermo profiles backtest",
                    field="--as",
                    rule="--stored-days needs --as USER: the stored screenings are read in a "
                    "user's scope",
                    rule_zh="--stored-days 需要 --as 用户：已存筛查按用户的范围读取",
                )
            ]
        )
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web import commands

    doc = commands.stored_backtest(username=as_user, days=days, draft=draft, active=active)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print_stored(doc)


def _share(value: dict[str, float] | None) -> str:
    if value is None:
        return "too few stored travellers / 已存旅客太少"
    return f"{value['share']:.2%} [{value['low']:.2%}-{value['high']:.2%}]"


def _print_stored(doc: dict[str, Any]) -> None:
    weight = doc["weight_realised"]
    console.print(
        f"{doc['since']} - {doc['until']}: {doc['screened']} screened / 名受筛查; stored / 已存: "
        f"{doc['stored_with_hit']} with a hit (all) / 有命中者（全部）, {doc['control_sample']} in "
        f"the control sample / 对照样本; each stands for / 每名代表 "
        f"{'-' if weight is None else f'{weight:.1f}'} travellers without a hit / 名无命中旅客",
        highlight=False,
    )
    if not doc["enough"]:
        console.print(
            f"Too few stored travellers: the control sample holds {doc['control_sample']}, an "
            f"estimate needs {doc['min_control']}. / 已存旅客太少：对照样本 "
            f"{doc['control_sample']} 名，估计至少需要 {doc['min_control']} 名。",
            highlight=False,
        )
    summary = Table(
        "profile / 画像",
        "flagged / 标记 (95%)",
        "hits per day / 每日命中",
        "stored flagged: with a hit + control / 已存被标记：有命中 + 对照",
        "also flagged by active / 现行画像也标记",
    )
    for p in doc["profiles"]:
        per_day = "-" if p["hits_per_day"] is None else f"{p['hits_per_day']:.2f}"
        overlap = p["also_flagged_by_active"]
        summary.add_row(
            p["profile_id"],
            _share(p["flagged"]),
            per_day,
            f"{p['flagged_with_hit']} + {p['flagged_control']}",
            "-" if overlap is None else str(overlap),
        )
    console.print(summary)


def _percent(rate: Rate) -> str:
    return f"{rate.share:.2%} [{rate.low:.2%}-{rate.high:.2%}]"


def _print_backtest(result: Backtest, groups: int) -> None:
    console.print(
        f"{result.travellers} travellers / 名旅客, {result.first_day} - {result.last_day} "
        f"({result.days} day(s) / 天); any profile / 任一画像: {_percent(result.any_profile)}",
        highlight=False,
    )
    summary = Table(
        "profile / 画像",
        "flagged / 标记 (95%)",
        "hits per day / 每日命中",
        "also flagged by active / 现行画像也标记",
    )
    for p in result.profiles:
        overlap = "-" if p.also_flagged_by_active is None else str(p.also_flagged_by_active)
        if p.overlap_share is not None:
            overlap += f" ({p.overlap_share:.0%})"
        summary.add_row(p.profile_id, _percent(p.flagged), f"{p.hits_per_day:.2f}", overlap)
    console.print(summary)
    for p in result.profiles:
        table = Table(
            "attribute / 属性",
            "group / 群体",
            "travellers / 旅客",
            "flagged / 标记",
            "selection rate / 选中率 (95%)",
            title=f"{p.profile_id}: selection rates by group / 按群体的选中率",
        )
        for name, rates in p.by_group.items():
            for rate in rates[:groups]:
                table.add_row(
                    name, rate.group, str(rate.travellers), str(rate.flagged), _percent(rate)
                )
        console.print(table)
