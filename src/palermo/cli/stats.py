"""``palermo stats``: CTDC data in, its statistics, and releases that expose no one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.errors import InputError, Problem
from palermo.interchange.ctdc import (
    ATTRIBUTION,
    ATTRIBUTION_ZH,
    DEFAULT_LIMITS,
    layout_of,
    read_ctdc,
)
from palermo.lib.files import atomic_path
from palermo.records.limits import Limits, check_before_reading
from palermo.records.readers import read_parquet

stats_app = typer.Typer(
    help="Statistics: CTDC data, summaries, anonymised releases. 统计：CTDC 数据、汇总、匿名发布。",
    no_args_is_help=True,
)
app.add_typer(stats_app, name="stats")

MaxRows = Annotated[
    int, typer.Option(help="Refuse a file with more rows. 行数超过此值的文件将被拒绝。")
]
MaxBytes = Annotated[
    int, typer.Option(help="Refuse a larger file (bytes). 大于此字节数的文件将被拒绝。")
]


def load_ctdc(path: Path, limits: Limits = DEFAULT_LIMITS) -> pa.Table:
    """A CTDC file (CSV) or an analysis table written by ``import-ctdc`` (Parquet)."""
    if path.suffix.lower() != ".parquet":
        return read_ctdc(path, limits)
    check_before_reading(path, "parquet", limits)
    table = read_parquet(path)
    if not layout_of(table):
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule="not a CTDC analysis table written by palermo stats import-ctdc",
                    rule_zh="不是由 palermo stats import-ctdc 写出的 CTDC 分析表",
                )
            ]
        )
    return table


@stats_app.command("import-ctdc")
@reports_errors
def import_ctdc(
    path: Annotated[
        Path,
        typer.Argument(help="CTDC Global Dataset CSV (raw or 7-column extract). CTDC 数据文件。"),
    ],
    out: Annotated[
        Path, typer.Option(help="Analysis table to write (Parquet). 写出的分析表（Parquet）。")
    ] = Path("analysis.parquet"),
    max_rows: MaxRows = DEFAULT_LIMITS.max_rows or 0,
    max_bytes: MaxBytes = DEFAULT_LIMITS.max_bytes or 0,
) -> None:
    """Read a CTDC Global Dataset file into an analysis table; all or nothing (exit 2).
    将 CTDC 全球数据集文件读入分析表；全部成功或不写入（退出状态 2）。
    """
    table = read_ctdc(path, Limits(max_rows=max_rows, max_bytes=max_bytes))
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp)
    console.print(
        f"{path}: {table.num_rows} row(s), layout {layout_of(table)} -> {out}\n"
        f"已读入 {table.num_rows} 行（格式 {layout_of(table)}），写入 {out}\n{_CAPTION}",
        highlight=False,
    )


def _shown(value: object) -> str:
    """A count or share; ``None`` is a withheld small cell (or a share with no denominator)."""
    return "-" if value is None else str(value)


@stats_app.command("ctdc-summary")
@reports_errors
def ctdc_summary(
    path: Annotated[
        Path, typer.Argument(help="CTDC CSV file or analysis table (Parquet). CTDC 文件或分析表。")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON. 输出 JSON。")] = False,
    min_count: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Withhold counts below this (11 for publication), with complementary cells. "
            "隐藏小于此值的计数（发布时为 11），并隐藏互补单元格。",
        ),
    ] = None,
    max_rows: MaxRows = DEFAULT_LIMITS.max_rows or 0,
    max_bytes: MaxBytes = DEFAULT_LIMITS.max_bytes or 0,
) -> None:
    """Counts by year, country, citizenship, gender, age band, exploitation type and means of
    control. 按年份、国家、国籍、性别、年龄段、剥削类型和控制手段统计人数。
    """
    from palermo.interchange.ctdc_stats import summarise

    limits = Limits(max_rows=max_rows, max_bytes=max_bytes)
    summary = summarise(load_ctdc(path, limits), min_count=min_count)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    _print_tables(summary)


_TITLES = {
    "by_year": "Year of registration · 登记年份",
    "by_country_of_exploitation": "Country of exploitation · 剥削发生国",
    "by_citizenship": "Citizenship · 国籍",
    "by_gender": "Gender · 性别",
    "by_age_band": "Age band at registration · 登记时年龄段",
    "exploitation_types": "Type of exploitation · 剥削类型",
    "means_of_control": "Means of control · 控制手段",
}
_CAPTION = f"{ATTRIBUTION} · {ATTRIBUTION_ZH}"
_FLAG_KEYS = ("yes", "no", "missing", "percent_of_all_rows", "percent_of_recorded")


def _print_tables(summary: dict[str, Any]) -> None:
    """The summary as tables with bilingual titles, each captioned with the attribution."""
    from palermo.interchange.ctdc_stats import DIMENSIONS

    for key, _column in DIMENSIONS:
        table = Table("value · 值", "count · 人数", title=_TITLES[key], caption=_CAPTION,
                      min_width=60)  # fmt: skip
        for item in summary[key]:
            value = "(missing · 缺失)" if item["value"] is None else str(item["value"])
            table.add_row(value, _shown(item["count"]))
        console.print(table)
    for group in ("exploitation_types", "means_of_control"):
        table = Table(
            "flag · 标志", "yes · 是", "no · 否", "missing · 缺失", "% of all · 占全部",
            "% of recorded · 占已记录", title=_TITLES[group], caption=_CAPTION,
        )  # fmt: skip
        for name, counts in summary.get(group, {}).items():
            table.add_row(name, *(_shown(counts[k]) for k in _FLAG_KEYS))
        if table.row_count:
            console.print(table)


@stats_app.command("release-k")
@reports_errors
def release_k(
    path: Annotated[
        Path, typer.Argument(help="CTDC CSV file or analysis table (Parquet). CTDC 文件或分析表。")
    ],
    qi: Annotated[
        str,
        typer.Option(
            "--qi",
            help="Quasi-identifiers, comma-separated; only these are released. "
            "准标识符（逗号分隔）；仅发布这些列。",
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Folder for release.csv and release.json. 输出文件夹。")
    ],
    k: Annotated[int, typer.Option(help="Smallest group released. 发布的最小组规模。")] = 11,
    method: Annotated[
        str, typer.Option(help="cells (suppress cells, then rows) or records. 隐藏方式。")
    ] = "cells",
    force_reason: Annotated[
        str | None,
        typer.Option(help="Why k is below 11 (recorded in the release). k 低于 11 的理由。"),
    ] = None,
    max_rows: MaxRows = DEFAULT_LIMITS.max_rows or 0,
    max_bytes: MaxBytes = DEFAULT_LIMITS.max_bytes or 0,
) -> None:
    """Release quasi-identifiers so that every combination has at least k people.
    发布准标识符，使每种组合至少包含 k 人。
    """
    import hashlib

    import palermo
    from palermo.privacy.kanon import k_anonymise, release_csv, release_metadata

    table = load_ctdc(path, Limits(max_rows=max_rows, max_bytes=max_bytes))
    qis = [q.strip() for q in qi.split(",") if q.strip()]
    release = k_anonymise(table, qis, k, method=method, force_reason=force_reason)  # type: ignore[arg-type]
    data = release_csv(release)
    source = {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "layout": layout_of(table),
        "attribution": ATTRIBUTION,
        "software": f"palermo {palermo.__version__}",
    }
    metadata = {"attribution": ATTRIBUTION} | release_metadata(
        release, data, csv_name="release.csv", source=source
    )
    with atomic_path(out / "release.csv") as csv_tmp, atomic_path(out / "release.json") as meta:
        csv_tmp.write_bytes(data)
        meta.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    s = release.suppression
    console.print(
        f"k = {k}: {s.rows_released} of {s.rows_in} row(s) released, {s.rows_suppressed} "
        f"withheld, cells suppressed {s.cells_suppressed}; smallest combination "
        f"{release.smallest_group} over {release.marginals_checked} marginal(s) -> {out}\n"
        f"已发布 {s.rows_released}/{s.rows_in} 行，隐藏 {s.rows_suppressed} 行；"
        f"每列隐藏的单元格 {s.cells_suppressed}；最小组合 {release.smallest_group} 人\n{_CAPTION}",
        highlight=False,
    )
