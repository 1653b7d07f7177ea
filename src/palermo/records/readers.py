"""Readers: CSV, Parquet and JSON Lines into a table of canonical traveller records.

Validation is columnar (pyarrow compute), so a ten-million-row Parquet file is checked in
seconds. Every broken value is reported with file, row, field, value and the rule it breaks; the
table is returned only when there is none.

Conventions: an empty cell is missing; ``NA`` is Namibia, never missing; transit points are
separated by ``;`` in CSV and are a list in JSON Lines; a plain ``document_number`` column is
replaced on reading by its keyed hash (``document_number_hash``) and never kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from palermo.errors import InputError, Problem
from palermo.records.hashing import document_hash_array
from palermo.records.paxlst import looks_like_edifact, read_paxlst
from palermo.records.schema import ARROW_SCHEMA, COUNTRY_CODES, INPUT_FIELDS, FieldSpec, Kind

MAX_PROBLEMS = 50
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}
# UN/EDIFACT PAXLST (API) manifests: by extension, or sniffed from UNA/UNB at the start
FORMATS.update({".edi": "paxlst", ".paxlst": "paxlst"})


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and path.is_file() and looks_like_edifact(path):
        fmt = "paxlst"
    if fmt is None:
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule=f"unknown file type '{path.suffix}': expected one of "
                    + ", ".join(sorted(FORMATS)),
                )
            ]
        )
    return fmt


def read_records(
    path: str | Path, *, fmt: str | None = None, reporting_country: str | None = None
) -> pa.Table:
    """Read and validate a file of traveller records; raise ``InputError`` listing every problem.

    The returned table has exactly ``ARROW_SCHEMA`` (missing optional columns are null).
    ``reporting_country`` (else ``PALERMO_REPORTING_COUNTRY``) tells a PAXLST manifest's
    entries from its exits.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(where=str(path), rule="file not found")])
    if not path.is_file():
        raise InputError([Problem(where=str(path), rule="not a file")])
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        raw = _read_csv_raw(path)
    elif fmt == "parquet":
        try:
            raw = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(
                [Problem(where=str(path), rule=f"not a readable Parquet file: {exc}")]
            ) from None
    elif fmt == "jsonl":
        raw = _read_jsonl_raw(path)
    elif fmt == "paxlst":
        return read_paxlst(path, reporting_country=reporting_country)
    else:
        raise InputError([Problem(where=str(path), rule=f"unknown format '{fmt}'")])
    return validate_table(raw, source=str(path))


def _read_csv_raw(path: Path) -> pa.Table:
    try:
        with path.open("rb") as fh:
            header = fh.readline().decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise InputError([Problem(where=f"{path} line 1", rule="not UTF-8 text")]) from None
    if not header:
        raise InputError([Problem(where=f"{path} line 1", rule="empty file: no header row")])
    names = [n.strip() for n in header.split(",")]
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[""],  # "NA" is Namibia, never missing
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        return pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise InputError([Problem(where=str(path), rule=f"malformed CSV: {exc}")]) from None


def _read_jsonl_raw(path: Path) -> pa.Table:
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Problem(where=f"{path} line {lineno}", rule=f"invalid JSON: {exc}"))
                continue
            if not isinstance(obj, dict):
                problems.append(
                    Problem(where=f"{path} line {lineno}", rule="each line must be a JSON object")
                )
                continue
            rows.append(obj)
    if problems:
        raise InputError(problems[:MAX_PROBLEMS], total=len(problems))
    return table_from_dicts(rows)


def table_from_dicts(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Raw (unvalidated) table from Python mappings: scalars become text, lists stay lists."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns: dict[str, pa.Array] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "transit":
            columns[name] = pa.array(
                [_transit_to_text(v) for v in values],
                type=pa.string(),
            )
        else:
            columns[name] = pa.array([_to_text(v) for v in values], type=pa.string())
    return pa.table(columns) if columns else pa.table({"record_id": pa.array([], pa.string())})


def _to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _transit_to_text(value: Any) -> str | None:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return _to_text(value)


def validate_table(raw: pa.Table, *, source: str = "input") -> pa.Table:
    """Check and convert a raw table (text or typed columns) into ``ARROW_SCHEMA``."""
    problems: list[Problem] = []
    total = 0
    names = list(raw.column_names)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputError([Problem(where=source, rule=f"duplicate column(s): {', '.join(dupes)}")])
    if "document_number" in names:
        if "document_number_hash" in names:
            raise InputError(
                [
                    Problem(
                        where=source,
                        rule="give either document_number or document_number_hash, not both",
                    )
                ]
            )
        plain = raw.column("document_number")
        hashed = document_hash_array(pc.cast(plain, pa.string()))
        raw = raw.drop_columns(["document_number"]).append_column("document_number_hash", hashed)
        names = list(raw.column_names)
    unknown = [n for n in names if n not in INPUT_FIELDS]
    if unknown:
        raise InputError(
            [
                Problem(
                    where=source,
                    field=n,
                    rule="unknown column (known columns are listed in ARCHITECTURE.md and "
                    "'palermo records fields')",
                )
                for n in unknown
            ]
        )
    n_rows = raw.num_rows
    columns: list[pa.Array | pa.ChunkedArray] = []
    for spec in INPUT_FIELDS.values():
        if spec.name in raw.column_names:
            col = raw.column(spec.name).combine_chunks()
            converted, bad = _convert(col, spec)
        else:
            converted = pa.nulls(n_rows, type=spec.arrow_type)
            bad = []
        for idx, rule in bad:
            total += 1
            if len(problems) < MAX_PROBLEMS:
                value = (
                    raw.column(spec.name)[idx].as_py() if spec.name in raw.column_names else None
                )
                problems.append(
                    Problem(
                        where=f"{source} row {idx + 1}", field=spec.name, value=value, rule=rule
                    )
                )
        columns.append(converted)
    if total:
        problems.sort(key=lambda p: int(p.where.rsplit(" ", 1)[1]))
        raise InputError(problems, total=total)
    return pa.Table.from_arrays(columns, schema=ARROW_SCHEMA)


def _indices(mask: pa.Array) -> list[int]:
    return [int(i) for i in pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()]


def _convert(col: pa.Array, spec: FieldSpec) -> tuple[pa.Array, list[tuple[int, str]]]:
    """Convert one column; return the typed array and (row index, rule) for each bad value."""
    bad: list[tuple[int, str]] = []
    target = spec.arrow_type
    if spec.kind == Kind.COUNTRY_LIST:
        out = _convert_country_list(col, bad)
    elif col.type == target and spec.kind not in (Kind.STRING, Kind.ENUM, Kind.COUNTRY):
        out = col
    else:
        text = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        text = pc.utf8_trim_whitespace(text)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        out = _convert_text(text, spec, bad)
    if spec.required:
        for i in _indices(pc.is_null(out)):
            if not any(b[0] == i for b in bad):
                bad.append((i, "required field is missing"))
    if spec.minimum is not None or spec.maximum is not None:
        if spec.minimum is not None:
            for i in _indices(pc.less(out, spec.minimum)):
                bad.append((i, f"must be at least {spec.minimum:g}"))
        if spec.maximum is not None:
            for i in _indices(pc.greater(out, spec.maximum)):
                bad.append((i, f"must be at most {spec.maximum:g}"))
    return out, bad


def _convert_text(text: pa.Array, spec: FieldSpec, bad: list[tuple[int, str]]) -> pa.Array:
    present = pc.is_valid(text)
    if spec.kind == Kind.STRING:
        return text
    if spec.kind == Kind.ENUM:
        ok = pc.is_in(text, value_set=pa.array(spec.domain, pa.string()))
        for i in _indices(pc.and_(present, pc.invert(ok))):
            bad.append((i, "must be one of " + ", ".join(spec.domain)))
        return text
    if spec.kind == Kind.COUNTRY:
        upper = pc.utf8_upper(text)
        ok = pc.is_in(upper, value_set=pa.array(sorted(COUNTRY_CODES), pa.string()))
        for i in _indices(pc.and_(present, pc.invert(ok))):
            bad.append((i, "must be an ISO 3166-1 alpha-2 country code"))
        return upper
    if spec.kind == Kind.DATE:
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        out = pc.cast(parsed, pa.date32())
        for i in _indices(pc.and_(present, pc.is_null(out))):
            bad.append((i, "must be a date written YYYY-MM-DD"))
        return out
    if spec.kind == Kind.BOOL:
        lower = pc.utf8_lower(text)
        is_true = pc.is_in(lower, value_set=pa.array(TRUE_WORDS))
        is_false = pc.is_in(lower, value_set=pa.array(FALSE_WORDS))
        for i in _indices(pc.and_(present, pc.invert(pc.or_(is_true, is_false)))):
            bad.append((i, "must be true or false"))
        return pc.if_else(
            pc.is_null(text), pa.scalar(None, pa.bool_()), pc.if_else(is_true, True, False)
        ).cast(pa.bool_())
    if spec.kind in (Kind.INT, Kind.FLOAT):
        target = spec.arrow_type
        values: list[Any] = []
        for i, s in enumerate(text.to_pylist()):
            if s is None:
                values.append(None)
                continue
            try:
                number = float(s) if spec.kind == Kind.FLOAT else int(s)
            except ValueError:
                kind = "a whole number" if spec.kind == Kind.INT else "a number"
                bad.append((i, f"must be {kind}"))
                values.append(None)
                continue
            values.append(number)
        return pa.array(values, type=target)
    raise AssertionError(spec.kind)  # pragma: no cover - every kind is handled above


def _convert_country_list(col: pa.Array, bad: list[tuple[int, str]]) -> pa.Array:
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        lists = col.to_pylist()
    else:
        text = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        lists = [
            None if s is None or not s.strip() else [p.strip() for p in s.split(";") if p.strip()]
            for s in text.to_pylist()
        ]
    out: list[list[str] | None] = []
    for i, items in enumerate(lists):
        if items is None:
            out.append(None)
            continue
        codes = [str(c).upper() for c in items]
        wrong = [c for c in codes if c not in COUNTRY_CODES]
        if wrong:
            bad.append((i, "transit points must be ISO 3166-1 alpha-2 codes separated by ';'"))
        out.append(codes)
    return pa.array(out, type=pa.list_(pa.string()))
