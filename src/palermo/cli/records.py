"""``palermo records``: the canonical traveller schema and file checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.records import FIELDS, read_records

records_app = typer.Typer(
    help="Traveller records: schema, checks, border formats.", no_args_is_help=True
)
app.add_typer(records_app, name="records")


@records_app.command("fields")
def fields() -> None:
    """List every field of the canonical traveller record."""
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
def check(path: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON Lines file")]) -> None:
    """Validate a file of traveller records; list every broken value (exit status 2)."""
    table = read_records(path)
    console.print(f"{path}: {table.num_rows} valid record(s)")
