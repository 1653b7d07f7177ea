"""``palermo records``: the canonical traveller schema and file checks."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.app import ReportingCountry, app, console, reports_errors
from palermo.records import FIELDS
from palermo.records.limits import Limits
from palermo.records.mrz import Mrz, parse_mrz
from palermo.records.stream import read_record_batches

records_app = typer.Typer(
    help="Traveller records: schema, checks, border formats. 旅客记录：结构、校验、边检格式。",
    no_args_is_help=True,
)
app.add_typer(records_app, name="records")


@records_app.command("fields")
def fields() -> None:
    """List every field of the canonical traveller record. 列出标准旅客记录的所有字段。"""
    table = Table("field", "type", "domain", "protected", "identifying", "English", "中文")
    for spec in FIELDS.values():
        domain = ", ".join(spec.domain) if spec.domain else ""
        table.add_row(
            spec.name + (" (derived)" if spec.derived else ""),
            spec.kind.value,
            domain,
            "yes" if spec.protected else "",
            "yes" if spec.identifying else "",
            spec.label_en,
            spec.label_zh,
        )
    console.print(table)


@records_app.command("check")
@reports_errors
def check(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV, Parquet, JSON Lines or PAXLST (.edi, .paxlst) file. 旅客记录文件。"
        ),
    ],
    reporting_country: ReportingCountry = None,
    max_rows: Annotated[
        int | None,
        typer.Option(min=1, help="Refuse a file with more rows. 文件行数上限。"),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Refuse a larger file (bytes). 文件大小上限（字节）。"),
    ] = None,
) -> None:
    """Validate a file of traveller records; list every broken value (exit status 2).
    校验旅客记录文件；列出每个错误值（退出状态 2）。
    """
    limits = Limits(max_rows=max_rows, max_bytes=max_bytes)
    batches = read_record_batches(path, reporting_country=reporting_country, limits=limits)
    count = sum(batch.num_rows for batch in batches)  # memory: one batch, whatever the file
    console.print(f"{path}: {count} valid record(s)")


_MRZ_LABELS: tuple[tuple[str, str, str], ...] = (
    ("format", "Format", "机读区格式"),
    ("document_code", "Document code", "证件类型代码"),
    ("document_type", "Document type", "证件类型"),
    ("issuing_state", "Issuing state (ICAO → ISO)", "签发国（ICAO → ISO）"),
    ("document_number_hash", "Document number (keyed hash)", "证件号码（密钥散列）"),
    ("surname", "Surname (primary identifier)", "姓（主标识）"),
    ("given_names", "Given names (secondary identifiers)", "名（次标识）"),
    ("nationality", "Nationality (ICAO → ISO)", "国籍（ICAO → ISO）"),
    ("sex", "Sex", "性别"),
    ("date_of_birth", "Date of birth", "出生日期"),
    ("expiry_date", "Expiry date", "有效期至"),
)


def _mrz_values(parsed: Mrz) -> dict[str, str]:
    def iso(date: dt.date | None) -> str:
        return date.isoformat() if date else ""

    return {
        "format": parsed.format.value,
        "document_code": parsed.document_code,
        "document_type": parsed.document_type,
        "issuing_state": f"{parsed.issuing_state_code} → {parsed.issuing_state or '—'}",
        "document_number_hash": parsed.document_number_hash,
        "surname": parsed.surname,
        "given_names": parsed.given_names,
        "nationality": f"{parsed.nationality_code} → {parsed.nationality or '—'}",
        "sex": parsed.sex or "",
        "date_of_birth": iso(parsed.date_of_birth),
        "expiry_date": iso(parsed.expiry_date),
    }


@records_app.command("mrz")
@reports_errors
def mrz(
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help="The zone: one argument per line, or all lines in one argument; '-' or "
            "nothing reads standard input. 机读区：每行一个参数，或全部放在一个参数中；"
            "'-' 或不给参数时从标准输入读取。"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table. 输出 JSON。")
    ] = False,
    show_number: Annotated[
        bool,
        typer.Option(
            "--show-number", help="Also print the plain document number. 同时显示证件号码明文。"
        ),
    ] = False,
) -> None:
    """Read a passport, identity card or visa machine-readable zone (ICAO 9303); verify every
    check digit. 读取护照、身份证或签证机读区并核对所有校验位。"""
    raw = "\n".join(text) if text and text != ["-"] else sys.stdin.read()
    parsed = parse_mrz(raw)
    values = _mrz_values(parsed)
    if as_json:
        out: dict[str, object] = {
            "format": parsed.format.value,
            "document_code": parsed.document_code,
            "issuing_state_code": parsed.issuing_state_code,
            "nationality_code": parsed.nationality_code,
            "record": {
                k: v.isoformat() if isinstance(v, dt.date) else v
                for k, v in parsed.record_fields().items()
            },
            "notes": [{"en": n.en, "zh": n.zh} for n in parsed.notes],
        }
        if show_number:
            out["document_number"] = parsed.document_number
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    table = Table("English", "中文")
    table.add_column("value / 值", overflow="fold")
    for key, en, zh in _MRZ_LABELS:
        table.add_row(en, zh, values[key])
        if key == "document_number_hash" and show_number:
            table.add_row("Document number", "证件号码", parsed.document_number)
    console.print(table)
    console.print("All check digits verified. 所有校验位均已核对。")
    for note in parsed.notes:
        console.print(f"note: {note.en}\n注意：{note.zh}", highlight=False)
