"""``palermo stats``: CTDC data in, its statistics, and releases that expose no one."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    sign_key: SignKey = None,
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
    signed = _sign(out, sign_key)
    s = release.suppression
    console.print(
        f"{signed}\n"
        * bool(signed)
        + f"k = {k}: {s.rows_released} of {s.rows_in} row(s) released, {s.rows_suppressed} "
        f"withheld, cells suppressed {s.cells_suppressed}; smallest combination "
        f"{release.smallest_group} over {release.marginals_checked} marginal(s) -> {out}\n"
        f"已发布 {s.rows_released}/{s.rows_in} 行，隐藏 {s.rows_suppressed} 行；"
        f"每列隐藏的单元格 {s.cells_suppressed}；最小组合 {release.smallest_group} 人\n{_CAPTION}",
        highlight=False,
    )


def _ctdc_categories(column: str) -> list[str]:
    """The categories of a CTDC column, declared from the codebook, never read from the data
    (a DP release must not reveal which values occur)."""
    import datetime as dt

    import pycountry

    from palermo.interchange import ctdc
    from palermo.privacy.dp import MISSING

    this_year = dt.datetime.now(dt.UTC).year
    known: dict[str, Sequence[str]] = {
        "gender": ctdc.GENDERS,
        "ageBroad": ctdc.AGE_BANDS,
        "majorityStatus": ctdc.MAJORITY,
        "majorityStatusAtExploit": ctdc.MAJORITY,
        "Datasource": ctdc.DATASOURCES,
        "yearOfRegistration": [str(y) for y in range(ctdc.FIRST_YEAR, this_year + 1)],
    }
    if column in ctdc.FLAGS:
        return ["True", "False", MISSING]
    if column in ctdc.COUNTRIES:
        return [*sorted(c.alpha_2 for c in pycountry.countries), MISSING]
    if column not in known:
        raise InputError(
            [
                Problem(
                    where="--by",
                    field="column",
                    value=column,
                    rule="no declared categories for this column (gender, ageBroad, majority "
                    "status, Datasource, yearOfRegistration, the flags, the two countries)",
                    rule_zh="该列没有预先声明的类别",
                )
            ]
        )
    return [*known[column], MISSING]


def _sha256_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


SignKey = Annotated[
    Path | None,
    typer.Option(help="Ed25519 private key (PEM) to sign the bundle. 用于签名的 Ed25519 私钥。"),
]


def _sign(out: Path, sign_key: Path | None) -> str:
    if sign_key is None:
        return ""
    from palermo.privacy.bundle import load_private_key, sign_bundle

    manifest = sign_bundle(out, load_private_key(sign_key))
    return f"signed by {manifest['signer']} (manifest.json, manifest.sig) / 已签名"


@stats_app.command("release-dp")
@reports_errors
def release_dp(
    path: Annotated[
        Path, typer.Argument(help="CTDC CSV file or analysis table (Parquet). CTDC 文件或分析表。")
    ],
    by: Annotated[
        str, typer.Option(help="Columns to count by, comma-separated. 分组列（逗号分隔）。")
    ],
    epsilon: Annotated[float, typer.Option(help="ε spent by this release. 本次发布消耗的 ε。")],
    out: Annotated[Path, typer.Option(help="Folder for the bundle. 输出文件夹。")],
    ledger: Annotated[
        Path, typer.Option(help="Folder of the privacy ledgers. 隐私账本文件夹。")
    ] = Path("privacy-ledger"),
    budget: Annotated[
        float, typer.Option(help="Total ε allowed for the dataset. 该数据集的 ε 总预算。")
    ] = 1.0,
    sign_key: SignKey = None,
    max_rows: MaxRows = DEFAULT_LIMITS.max_rows or 0,
    max_bytes: MaxBytes = DEFAULT_LIMITS.max_bytes or 0,
) -> None:
    """Differentially private counts (OpenDP, discrete Laplace) with 95% error bounds, charged
    to the dataset's privacy ledger; refused once its budget would be passed.
    差分隐私计数（OpenDP），附 95% 误差界，计入数据集的隐私账本；超出预算则拒绝。
    """
    from palermo.privacy.dp import dp_histogram, histogram_csv
    from palermo.privacy.ledger import Ledger

    columns = [c.strip() for c in by.split(",") if c.strip()]
    categories = {c: _ctdc_categories(c) for c in columns}
    table = load_ctdc(path, Limits(max_rows=max_rows, max_bytes=max_bytes))
    book = Ledger(ledger, _sha256_file(path))
    book.check(epsilon, budget)  # before any noise is drawn
    histogram = dp_histogram(table, columns, categories, epsilon=epsilon)
    entry = book.record(
        epsilon=epsilon, delta=0.0, budget=budget,
        release={"columns": columns, "file": path.name, "rows_in": table.num_rows},
    )  # fmt: skip
    metadata = {
        "attribution": ATTRIBUTION,
        "kind": "differentially private counts",
        "source": {"file": path.name, "sha256": book.dataset, "layout": layout_of(table)},
        **histogram.metadata(),
        "ledger_entry": entry.data,
    }
    with (
        atomic_path(out / "release.csv") as csv_tmp,
        atomic_path(out / "release.json") as meta,
        atomic_path(out / "ledger-entry.json") as led,
    ):
        csv_tmp.write_bytes(histogram_csv(histogram))
        meta.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        led.write_text(json.dumps(entry.data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    signed = _sign(out, sign_key)
    console.print(
        f"ε = {epsilon:g} (δ = 0): {len(histogram.cells) + 1} count(s), each within "
        f"±{histogram.error_bound:.1f} with probability 0.95; dataset budget "
        f"{entry.data['cumulative_epsilon']:g} of {budget:g} spent -> {out}\n"
        f"已发布 {len(histogram.cells) + 1} 个计数，95% 误差界 ±{histogram.error_bound:.1f}；"
        f"预算已用 {entry.data['cumulative_epsilon']:g}/{budget:g}\n{signed}\n{_CAPTION}",
        highlight=False,
    )


@stats_app.command("keygen")
@reports_errors
def keygen(
    private: Annotated[Path, typer.Option(help="Private key to write (PEM, 0600). 私钥。")],
    public: Annotated[Path, typer.Option(help="Public key to write (PEM). 公钥。")],
) -> None:
    """A new Ed25519 key pair for signing release bundles. 生成用于签名发布包的密钥对。"""
    from palermo.privacy.bundle import generate_keys

    for target in (private, public):
        if target.exists():
            raise InputError(
                [Problem(where=str(target), rule="exists already: not overwritten",
                         rule_zh="文件已存在：不会覆盖")]
            )  # fmt: skip
    print_id = generate_keys(private, public)
    console.print(f"{print_id}: {private} (keep secret · 请保密), {public}", highlight=False)


@stats_app.command("verify-release")
@reports_errors
def verify_release(
    folder: Annotated[Path, typer.Argument(help="Release bundle folder. 发布包文件夹。")],
    public_key: Annotated[Path, typer.Option(help="The signer's public key (PEM). 签名者的公钥。")],
) -> None:
    """Check a bundle's signature and every file's hash (exit 2 naming each problem).
    校验发布包的签名及每个文件的哈希值（有问题则以状态 2 退出并逐一说明）。
    """
    from palermo.privacy.bundle import load_public_key, verify_bundle

    manifest = verify_bundle(folder, load_public_key(public_key))
    console.print(
        f"{folder}: signature and {len(manifest['files'])} file(s) verified, signed by "
        f"{manifest['signer']} on {manifest['created']}\n"
        f"签名及 {len(manifest['files'])} 个文件校验通过",
        highlight=False,
    )


@stats_app.command("export-cases")
@reports_errors
def export_cases_command(
    as_user: Annotated[
        str,
        typer.Option(
            "--as",
            help="The user the export is made as (a supervisor or auditor). 以该用户身份导出。",
        ),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the release. 输出文件夹。")],
    start: Annotated[str, typer.Option(help="Cases opened from this day (YYYY-MM-DD). 起始日期。")],
    end: Annotated[str, typer.Option(help="Until this day (YYYY-MM-DD). 截止日期。")],
    agency: Annotated[
        str | None,
        typer.Option(help="Agency code (national body only; default: all or your own). 机构代码。"),
    ] = None,
    sign_key: SignKey = None,
) -> None:
    """Palermo's own cases (consent to statistics) in the CTDC layout and HTCDS fields,
    k-anonymised with k = 11; audited.
    以 CTDC 格式和 HTCDS 字段导出本系统的个案（仅限同意用于统计者），经 k=11 匿名化；记入审计日志。
    """
    import datetime as dt

    from palermo.cli.web import setup_django

    days = {}
    for name, text in (("--start", start), ("--end", end)):
        try:
            days[name] = dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(
                [Problem(where=name, value=text, rule="not a date (YYYY-MM-DD)",
                         rule_zh="不是日期（YYYY-MM-DD）")]
            ) from None  # fmt: skip
    setup_django()
    from palermo.web.commands import stats_export_cases

    made: Any = stats_export_cases(
        username=as_user, start=days["--start"], end=days["--end"], agency_code=agency
    )
    names = list(made.files)
    with (
        atomic_path(out / names[0]) as first,
        atomic_path(out / names[1]) as second,
        atomic_path(out / names[2]) as third,
    ):
        for path, name in zip((first, second, third), names, strict=True):
            path.write_bytes(made.files[name])
    signed = _sign(out, sign_key)
    s = made.export.release.suppression
    console.print(
        f"k = {made.export.release.k}: {s.rows_released} case(s) released, {s.rows_suppressed} "
        f"withheld, cells suppressed {s.cells_suppressed}; {made.without_consent} case(s) "
        f"without consent to statistics left out -> {out}\n"
        f"已发布 {s.rows_released} 个个案，隐藏 {s.rows_suppressed} 个；"
        f"{made.without_consent} 个个案未同意用于统计，未导出\n{signed}",
        highlight=False,
    )


def _csv_bytes(table: pa.Table) -> bytes:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    writer.writerows(zip(*(table[c].to_pylist() for c in table.column_names), strict=True))
    return buffer.getvalue().encode("utf-8")


def _print_utility(report: dict[str, Any]) -> None:
    table = Table(title="Utility against the source (total variation distance; 0 = identical) / "
                  "与源数据相比的效用（总变差距离，0 表示相同）")  # fmt: skip
    for name in ("marginal", "synthetic", "independent columns (baseline)"):
        table.add_column(name)

    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    for column, distance in report["one_way"].items():
        table.add_row(f"1-way {column}", shown(distance), shown(report["baseline_one_way"][column]))
    base = report["baseline_independent_columns"]
    table.add_row("2-way, mean", shown(report["two_way"]["mean"]), shown(base["two_way_mean"]))
    table.add_row("2-way, worst", shown(report["two_way"]["max"]), "")
    table.add_row("3-way, mean", shown(report["three_way_mean"]), shown(base["three_way_mean"]))
    console.print(table)


@stats_app.command("release-synth")
@reports_errors
def release_synth(
    path: Annotated[
        Path, typer.Argument(help="CTDC CSV file or analysis table (Parquet). CTDC 文件或分析表。")
    ],
    columns: Annotated[
        str, typer.Option(help="Columns to synthesise, comma-separated. 要合成的列（逗号分隔）。")
    ],
    epsilon: Annotated[float, typer.Option(help="ε spent by this release. 本次发布消耗的 ε。")],
    out: Annotated[Path, typer.Option(help="Folder for the bundle. 输出文件夹。")],
    delta: Annotated[float, typer.Option(help="δ of this release. 本次发布的 δ。")] = 1e-6,
    reporting_length: Annotated[
        int, typer.Option(help="Longest combination of columns kept. 保留的最长列组合。")
    ] = 3,
    ledger: Annotated[
        Path, typer.Option(help="Folder of the privacy ledgers. 隐私账本文件夹。")
    ] = Path("privacy-ledger"),
    budget: Annotated[
        float, typer.Option(help="Total ε allowed for the dataset. 该数据集的 ε 总预算。")
    ] = 1.0,
    utility_report: Annotated[
        Path | None,
        typer.Option(
            help="Also write the utility figures here (not for publication: computed "
            "on the source). 效用数据另存于此（基于源数据计算，不得公开）。"
        ),
    ] = None,
    sign_key: SignKey = None,
    max_rows: MaxRows = DEFAULT_LIMITS.max_rows or 0,
    max_bytes: MaxBytes = DEFAULT_LIMITS.max_bytes or 0,
) -> None:
    """Differentially private synthetic records (Synthetic Data Showcase, pac-synth) charged
    to the dataset's privacy ledger, with their utility measured against the source.
    差分隐私合成记录（Synthetic Data Showcase / pac-synth），计入隐私账本，并与源数据比较效用。
    """
    from palermo.privacy.ledger import Ledger
    from palermo.privacy.synth import check_columns, dp_synthesise, utility

    names = [c.strip() for c in columns.split(",") if c.strip()]
    table = load_ctdc(path, Limits(max_rows=max_rows, max_bytes=max_bytes))
    check_columns(table, names, epsilon, delta)  # bad input costs no ε
    book = Ledger(ledger, _sha256_file(path))
    # charged before the noise is drawn: a run that fails afterwards has still spent it
    entry = book.record(
        epsilon=epsilon, delta=delta, budget=budget,
        release={"kind": "synthetic microdata", "columns": names, "file": path.name,
                 "rows_in": table.num_rows, "reporting_length": reporting_length},
    )  # fmt: skip
    made = dp_synthesise(
        table, names, epsilon=epsilon, delta=delta, reporting_length=reporting_length
    )
    metadata = {
        "attribution": ATTRIBUTION,
        "source": {"file": path.name, "sha256": book.dataset, "layout": layout_of(table)},
        **made.metadata(),
        "utility": "measured against the source by the releasing analyst; not published, "
        "since it is computed on the confidential data",
        "ledger_entry": entry.data,
    }
    report = utility(table, made.table, names).as_dict()
    data = _csv_bytes(made.table)
    with (
        atomic_path(out / "synthetic.csv") as csv_tmp,
        atomic_path(out / "release.json") as meta,
        atomic_path(out / "ledger-entry.json") as led,
    ):
        csv_tmp.write_bytes(data)
        meta.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        led.write_text(json.dumps(entry.data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if utility_report is not None:
        with atomic_path(utility_report) as rep:
            rep.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    signed = _sign(out, sign_key)
    _print_utility(report)
    new_share = report["synthetic_rows_with_a_combination_not_in_the_source"]
    console.print(
        f"ε = {epsilon:g}, δ = {delta:g}: {made.table.num_rows} synthetic record(s) from "
        f"{table.num_rows} (DP count {made.dp_number_of_records}); synthetic rows whose whole "
        f"combination is not in the source: {new_share:.1%}; "
        f"dataset budget {entry.data['cumulative_epsilon']:g} of {budget:g} spent -> {out}\n"
        f"已生成 {made.table.num_rows} 条合成记录；预算已用 "
        f"{entry.data['cumulative_epsilon']:g}/{budget:g}\n{signed}\n{_CAPTION}",
        highlight=False,
    )
