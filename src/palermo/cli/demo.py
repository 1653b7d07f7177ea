"""``palermo demo``: a synthetic population screened with the example profiles, summarised.

Each step is a small function so that later steps (the web application) can be added beside
them: ``make_population`` -> ``screen_population`` -> ``screening_recall`` -> ``print_summary``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.errors import InputError, Problem
from palermo.lib.files import atomic_path
from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.records import read_records
from palermo.screening.batch import screen_table
from palermo.synth.recall import Evaluation, screening_recall
from palermo.synth.write import write_population

DEMO_TRAVELLERS = 200_000
DEMO_SEED = 2026
TYPE_NAMES = {"labour": "劳动剥削", "sexual": "性剥削", "forced_marriage": "强迫婚姻"}


@dataclass(frozen=True, slots=True)
class DemoFiles:
    records: Path
    truth: Path
    hits: Path

    @staticmethod
    def in_dir(directory: Path) -> DemoFiles:
        return DemoFiles(
            records=directory / "travellers.parquet",
            truth=directory / "travellers.truth.parquet",
            hits=directory / "hits.parquet",
        )


@dataclass(frozen=True, slots=True)
class Timings:
    generate: float
    screen: float


def make_population(files: DemoFiles, n: int, seed: int) -> float:
    """Write the synthetic population and its ground truth; return the seconds it took."""
    started = time.perf_counter()
    write_population(files.records, n, seed, truth=files.truth)
    return time.perf_counter() - started


def screen_population(files: DemoFiles, profiles: Path) -> tuple[pa.Table, float]:
    """Read and validate the records, screen them on DuckDB, write the hits."""
    profile_set = load_profile_set(profiles)
    records = read_records(files.records)
    started = time.perf_counter()
    hits = screen_table(records, profile_set, engine="duckdb")
    seconds = time.perf_counter() - started
    with atomic_path(files.hits) as tmp:
        pq.write_table(hits, tmp)
    return hits, seconds


def print_summary(result: Evaluation, timings: Timings, files: DemoFiles) -> None:
    table = Table(title="Hits per profile / 各风险画像命中数")
    table.add_column("profile / 风险画像", overflow="fold")
    table.add_column("hits / 命中", justify="right")
    table.add_column("of them cases / 其中案例", justify="right")
    for p in result.per_profile:
        table.add_row(f"{p.title_en}\n{p.title_zh}", f"{p.hits:,}", f"{p.case_hits:,}")
    console.print(table)
    by_type = "\n".join(
        f"  {kind} / {TYPE_NAMES.get(kind, kind)}: {found:,} of {cases:,} found / "
        f"共 {cases:,} 个，发现 {found:,} 个"
        for kind, cases, found in result.recall_by_type
    )
    rate = result.records / timings.screen if timings.screen else 0.0
    console.print(
        f"Records / 记录: {result.records:,} (embedded cases / 嵌入案例: {result.cases:,})\n"
        f"Travellers flagged / 被标记旅客: {result.flagged:,} "
        f"({result.flagged_share:.2%} of travellers / 占旅客 {result.flagged_share:.2%})\n"
        f"Recall of embedded cases / 嵌入案例召回率: {result.recall:.1%}\n"
        f"A random selection of the same size would find / 同等规模随机抽查的预期召回率: "
        f"{result.random_recall:.1%}  ->  {result.lift:.0f}x better than chance / 是随机的 "
        f"{result.lift:.0f} 倍\n"
        f"Cases among flagged travellers / 被标记旅客中的案例比例: {result.precision:.1%}\n"
        f"By type / 按类型:\n{by_type}\n"
        f"Time / 用时: generate 生成 {timings.generate:.1f} s, screen 筛查 {timings.screen:.2f} s "
        f"({rate:,.0f} records/s 条/秒)\n"
        f"Files / 文件: {files.records}, {files.truth}, {files.hits}\n"
        "A hit is an invitation to look closer, never a decision about a traveller.\n"
        "命中只是请受过培训的官员进一步了解情况，绝不是对旅客的决定。",
        highlight=False,
    )


@app.command("demo")
@reports_errors
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo writes its files. 演示文件目录。")
    ] = Path("var/demo"),
    n: Annotated[
        int, typer.Option("--n", min=1, help="Number of travellers. 旅客人数。")
    ] = DEMO_TRAVELLERS,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed. 随机种子。")] = DEMO_SEED,
    no_serve: Annotated[
        bool,
        typer.Option(
            "--no-serve", help="Set up the web application but do not start it. 只准备不启动。"
        ),
    ] = False,
    web: Annotated[
        bool,
        typer.Option(
            "--web/--no-web",
            help="Also prepare (and serve) the web application. 同时准备（并启动）网页应用。",
        ),
    ] = True,
) -> None:
    """Generate a synthetic population, screen it with the example profiles, print a summary.
    生成合成旅客数据，用示例风险画像筛查，并打印摘要。
    """
    if directory.exists() and not directory.is_dir():
        raise InputError(
            [Problem(where=str(directory), rule="not a directory", rule_zh="不是目录")]
        )
    files = DemoFiles.in_dir(directory)
    console.print(f"Generating {n:,} travellers / 正在生成 {n:,} 名旅客 ...", highlight=False)
    generated = make_population(files, n, seed)
    console.print("Screening with the example profiles / 正在用示例风险画像筛查 ...")
    hits, screened = screen_population(files, EXAMPLES_DIR)
    result = screening_recall(hits, pq.read_table(files.truth))
    print_summary(result, Timings(generate=generated, screen=screened), files)
    if not web:
        return
    prepare_web(files)
    if not no_serve:
        serve_web()


def prepare_web(files: DemoFiles) -> None:
    """Migrate, create demo agencies and users, activate the example profiles and put a batch
    screening into the hit queue; print the credentials."""
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web.demo import prepare

    console.print("Preparing the web application / 正在准备网页应用 ...")
    web = prepare(records=files.records)
    table = Table(title="Demo users / 演示用户 (password 密码: " + web.password + ")")
    for column in ("user 用户", "role 角色", "agency 机构"):
        table.add_column(column)
    for row in web.users:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"{web.profiles_active} active profiles / 个生效风险画像; batch screening 批量筛查: "
        f"{web.batch_records:,} records 条记录, {web.batch_hits:,} hits in the queue 条命中待处理\n"
        f"training academy 培训学院: a simulated cohort of {web.simulated_trainees} trainees "
        f"(trainer's dashboard) / {web.simulated_trainees} 名模拟学员（培训师仪表板）",
        highlight=False,
    )


def serve_web() -> None:
    from palermo.web.server import serve

    console.print("Serving on http://127.0.0.1:8000/ (Ctrl-C stops) / 网页应用已启动")
    serve(host="127.0.0.1", port=8000)
