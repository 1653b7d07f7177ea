"""Readers: CSV, Parquet and JSON Lines into a table of canonical traveller records.

Validation is columnar (pyarrow compute), so a ten-million-row Parquet file is checked in
seconds. Every broken value is reported with file, row, field, value and the rule it breaks; the
table is returned only when there is none.

Conventions: an empty cell is missing; ``NA`` is Namibia, never missing; transit points are
separated by ``;`` in CSV and are a list in JSON Lines; a plain ``document_number`` column is
replaced on reading by its keyed hash (``document_number_hash``) and never kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from palermo.errors import InputError, Location, Problem
from palermo.records.hashing import document_hash_array
from palermo.records.limits import NO_LIMITS, Limits, check_before_reading, check_rows
from palermo.records.schema import ARROW_SCHEMA, COUNTRY_CODES, INPUT_FIELDS, FieldSpec, Kind

MAX_PROBLEMS = 50
# Plausible dates for a travel event, a document or a birth; also keeps every date within what
# Python's datetime can hold (year 0 parses in Arrow but cannot become a Python date).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
DATE_RANGE_RULE = "must be a date between 1900-01-01 and 2100-12-31"
DATE_RANGE_RULE_ZH = "日期必须在 1900-01-01 至 2100-12-31 之间"
_EARLIEST_DAY = (EARLIEST_DATE - dt.date(1970, 1, 1)).days
_LATEST_DAY = (LATEST_DATE - dt.date(1970, 1, 1)).days
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}
# UN/EDIFACT PAXLST (API) manifests: by extension, or sniffed from UNA/UNB at the start
FORMATS.update({".edi": "paxlst", ".paxlst": "paxlst"})


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and path.is_file() and _looks_like_edifact(path):
        fmt = "paxlst"
    if fmt is None:
        raise unknown_file_type(path, FORMATS)
    return fmt


def _looks_like_edifact(path: Path) -> bool:
    # the EDIFACT parser is imported only for a manifest: ``palermo screen`` on a Parquet file
    # starts without it
    from palermo.records.paxlst import looks_like_edifact

    return looks_like_edifact(path)


def unknown_file_type(path: Path, formats: Iterable[str]) -> InputError:
    """The refusal of a file whose ending is none of ``formats``."""
    return InputError(
        [
            Problem(
                where=str(path),
                rule=f"unknown file type '{path.suffix}': expected one of "
                + ", ".join(sorted(formats)),
                rule_zh=f"未知的文件类型 '{path.suffix}'：应为以下之一："
                + "、".join(sorted(formats)),
            )
        ]
    )


def read_parquet(path: Path) -> pa.Table:
    """A whole Parquet file; ``InputError`` naming the file when Arrow cannot read it."""
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule=f"not a readable Parquet file: {exc}",
                    rule_zh=f"不是可读取的 Parquet 文件：{exc}",
                )
            ]
        ) from None


def read_records(
    path: str | Path,
    *,
    fmt: str | None = None,
    reporting_country: str | None = None,
    limits: Limits = NO_LIMITS,
) -> pa.Table:
    """Read and validate a file of traveller records; raise ``InputError`` listing every problem.

    The returned table has exactly ``ARROW_SCHEMA`` (missing optional columns are null).
    ``reporting_country`` (else ``PALERMO_REPORTING_COUNTRY``) tells a PAXLST manifest's
    entries from its exits. ``limits`` bound the file (``records.limits``): size and Parquet
    metadata before reading, rows while reading.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(where=str(path), rule="file not found", rule_zh="找不到文件")])
    if not path.is_file():
        raise InputError([Problem(where=str(path), rule="not a file", rule_zh="不是文件")])
    fmt = fmt or detect_format(path)
    check_before_reading(path, fmt, limits)
    if fmt == "csv":
        raw = _read_csv_raw(path, limits)
    elif fmt == "parquet":
        raw = read_parquet(path)
    elif fmt == "jsonl":
        raw = _read_jsonl_raw(path, limits)
    elif fmt == "paxlst":
        table = read_paxlst(path, reporting_country=reporting_country)
        check_rows(table.num_rows, str(path), limits)
        return table
    else:
        raise InputError(
            [
                Problem(
                    where=str(path), rule=f"unknown format '{fmt}'", rule_zh=f"未知的格式 '{fmt}'"
                )
            ]
        )
    return validate_table(raw, source=str(path))


def read_paxlst(
    path: str | Path, *, reporting_country: str | None = None, today: dt.date | None = None
) -> pa.Table:
    """Read a PAXLST file into an ``ARROW_SCHEMA`` table; raise ``InputError`` listing every
    problem of every rejected message unless all messages were accepted."""
    from palermo.records.paxlst import parse_paxlst, read_text

    path = Path(path)
    manifest = parse_paxlst(
        read_text(path), reporting_country=reporting_country, source=str(path), today=today
    )
    if manifest.rejected:
        raise InputError(manifest.problems)
    rows = [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
        for r in manifest.records
    ]
    return validate_table(table_from_dicts(rows), source=manifest.interchange_reference)


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line; a clear problem when there are none."""
    try:
        with path.open("rb") as fh:
            header = fh.readline().decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise InputError(
            [
                Problem(
                    at=Location.line(str(path), 1),
                    rule="not UTF-8 text",
                    rule_zh="不是 UTF-8 编码的文本",
                )
            ]
        ) from None
    if not header:
        raise InputError(
            [
                Problem(
                    at=Location.line(str(path), 1),
                    rule="empty file: no header row",
                    rule_zh="空文件：没有标题行",
                )
            ]
        )
    return next(csv.reader([header]))  # as written: " sex" is an unknown column, not sex


def _read_csv_raw(path: Path, limits: Limits = NO_LIMITS) -> pa.Table:
    names = csv_header(path)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[""],  # "NA" is Namibia, never missing
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        if limits.max_rows is None:
            return pacsv.read_csv(path, convert_options=convert)
        return _csv_counted(path, convert, limits)
    except pa.ArrowInvalid as exc:
        raise InputError(
            [Problem(where=str(path), rule=f"malformed CSV: {exc}", rule_zh=f"CSV 格式有误：{exc}")]
        ) from None


def _csv_counted(path: Path, convert: pacsv.ConvertOptions, limits: Limits) -> pa.Table:
    """The CSV read in blocks, refused as soon as it has more rows than ``limits`` allow."""
    reader = pacsv.open_csv(path, convert_options=convert)
    batches: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        count += batch.num_rows
        check_rows(count, str(path), limits)
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def _read_jsonl_raw(path: Path, limits: Limits = NO_LIMITS) -> pa.Table:
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    total = 0
    for chunk, found, count in jsonl_chunks(path, rows=100_000):
        check_rows(len(rows) + len(chunk) + total + count, str(path), limits)
        rows.extend(chunk)
        problems.extend(found)
        total += count
    if total:
        raise InputError(problems[:MAX_PROBLEMS], total=total)
    return table_from_dicts(rows)


def jsonl_chunks(
    path: Path, *, rows: int
) -> Iterator[tuple[list[dict[str, Any]], list[Problem], int]]:
    """The objects of a JSON Lines file, ``rows`` lines at a time, with the problems of those
    lines (the first ``MAX_PROBLEMS``) and how many there were."""
    chunk: list[dict[str, Any]] = []
    problems: list[Problem] = []
    total = 0
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(_utf8_lines(fh, path), start=1):
            if line.strip():
                obj, problem = _json_object(line, Location.line(str(path), lineno))
                if problem is None:
                    chunk.append(obj)
                else:
                    total += 1
                    if len(problems) < MAX_PROBLEMS:
                        problems.append(problem)
            if lineno % rows == 0:
                yield chunk, problems, total
                chunk, problems, total = [], [], 0
    if chunk or total:
        yield chunk, problems, total


def _utf8_lines(fh: Any, path: Path) -> Iterator[str]:
    """The lines of a text file; bytes that are not UTF-8 are a problem naming the line."""
    lineno = 0
    while True:
        try:
            line = fh.readline()
        except UnicodeDecodeError:
            raise InputError(
                [
                    Problem(
                        at=Location.line(str(path), lineno + 1),
                        rule="not UTF-8 text",
                        rule_zh="不是 UTF-8 编码的文本",
                    )
                ]
            ) from None
        if not line:
            return
        lineno += 1
        yield line


def _json_object(line: str, where: Location) -> tuple[dict[str, Any], Problem | None]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, Problem(at=where, rule=f"invalid JSON: {exc}", rule_zh=f"JSON 无效：{exc}")
    except (ValueError, RecursionError) as exc:  # 5,000 digits; nesting past Python's stack
        reason = str(exc)[:80] or type(exc).__name__
        return {}, Problem(at=where, rule=f"invalid JSON: {reason}", rule_zh=f"JSON 无效：{reason}")
    if not isinstance(obj, dict):
        return {}, Problem(
            at=where,
            rule="each line must be a JSON object",
            rule_zh="每一行都必须是一个 JSON 对象",
        )
    return obj, None


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


def check_header(names: Sequence[str], *, source: str = "input") -> None:
    """The checks a file passes on its column names alone: none repeated, every one known, and
    not both ``document_number`` and ``document_number_hash``."""
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputError(
            [
                Problem(
                    where=source,
                    rule=f"duplicate column(s): {', '.join(dupes)}",
                    rule_zh=f"列名重复：{'、'.join(dupes)}",
                )
            ]
        )
    if "document_number" in names and "document_number_hash" in names:
        raise InputError(
            [
                Problem(
                    where=source,
                    rule="give either document_number or document_number_hash, not both",
                    rule_zh="document_number 与 document_number_hash 只能给出其一",
                )
            ]
        )
    unknown = [n for n in names if n not in INPUT_FIELDS and n != "document_number"]
    if unknown:
        raise InputError(
            [
                Problem(
                    where=source,
                    field=n,
                    rule="unknown column (known columns are listed in ARCHITECTURE.md and "
                    "'palermo records fields')",
                    rule_zh="未知的列（已知的列见 ARCHITECTURE.md 和 'palermo records fields'）",
                )
                for n in unknown
            ]
        )


def validate_table(raw: pa.Table, *, source: str = "input") -> pa.Table:
    """Check and convert a raw table (text or typed columns) into ``ARROW_SCHEMA``."""
    check_header(list(raw.column_names), source=source)
    checked = check_batch(raw, source=source)
    if checked.total:
        raise InputError(checked.problems, total=checked.total)
    columns = [_decoded(checked.columns[name]) for name in INPUT_FIELDS]
    return pa.Table.from_arrays(columns, schema=ARROW_SCHEMA)


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """One batch of records checked: the converted columns (categorical ones may stay
    dictionary-encoded), the first ``MAX_PROBLEMS`` problems by row, and how many there are."""

    columns: dict[str, pa.Array]
    problems: list[Problem]
    total: int
    num_rows: int

    def table(self, names: Sequence[str]) -> pa.Table:
        """The columns ``names`` as a table (dictionary-encoded text columns kept so)."""
        return pa.table({name: self.columns[name] for name in names})


def check_batch(
    raw: pa.Table,
    *,
    source: str = "input",
    first_row: int = 0,
    fields: Sequence[str] | None = None,
) -> CheckedBatch:
    """Check and convert the columns ``fields`` (default: every input field) of a batch whose
    first row is row ``first_row + 1`` of ``source``; its header passed ``check_header``.

    A field absent from ``raw`` is all null (a problem when it is required). A plain
    ``document_number`` column becomes its keyed hash when ``document_number_hash`` is asked for.
    """
    wanted = list(INPUT_FIELDS) if fields is None else list(fields)
    _check_column_types(raw, source)
    if "document_number" in raw.column_names:
        if "document_number_hash" in wanted:
            hashed = document_hash_array(pc.cast(raw.column("document_number"), pa.string()))
            raw = raw.append_column("document_number_hash", hashed)
        raw = raw.drop_columns(["document_number"])
    n_rows = raw.num_rows
    found: list[tuple[int, int, Problem]] = []  # (row, field position, problem)
    total = 0
    columns: dict[str, pa.Array] = {}
    for position, name in enumerate(wanted):
        spec = INPUT_FIELDS[name]
        if name not in raw.column_names:
            if spec.required:
                total += 1
                found.append(
                    (
                        -1,
                        position,
                        Problem(
                            where=source,
                            field=name,
                            rule="required column is missing",
                            rule_zh="缺少必填列",
                        ),
                    )
                )
            columns[name] = pa.nulls(n_rows, type=spec.arrow_type)
            continue
        col = raw.column(name).combine_chunks()
        converted, bad = _converted(col, spec, source)
        columns[name] = converted
        for mask, rule, rule_zh in bad:
            count = _true_count(mask)
            total += count
            for idx in _first_indices(mask, MAX_PROBLEMS if count else 0):
                at = Location.row(source, first_row + idx + 1)
                value = _shown_value(col, idx)
                problem = Problem(at=at, field=name, value=value, rule=rule, rule_zh=rule_zh)
                found.append((idx, position, problem))
    found.sort(key=lambda item: (item[0], item[1]))
    return CheckedBatch(columns, [p for _, _, p in found[:MAX_PROBLEMS]], total, n_rows)


def _true_count(mask: pa.Array | pa.ChunkedArray) -> int:
    """How many rows a mask marks (without casting it to numbers first)."""
    if isinstance(mask, pa.ChunkedArray):
        return sum(chunk.true_count for chunk in mask.chunks)
    return int(mask.true_count)


def _shown_value(col: pa.Array, idx: int) -> object:
    """The value of a row to show in a problem; bytes that are not UTF-8 (a damaged Parquet
    file) are shown as such rather than failing the report."""
    try:
        return col[idx].as_py()
    except UnicodeDecodeError:
        return "(not UTF-8 text)"


def _decoded(col: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(col.type):
        return pc.take(col.dictionary, col.indices)
    return col


Bad = list[tuple[pa.Array, str, str]]
"""(mask of offending rows, rule broken, the rule in Chinese) for one column; masks are never
null."""


def _converted(col: pa.Array, spec: FieldSpec, source: str) -> tuple[pa.Array, Bad]:
    """``_convert``; data Arrow cannot compute on (a damaged Parquet file decoding to
    dictionary indices out of range or text that is not UTF-8) is a problem naming the column."""
    try:
        return _convert(col, spec)
    except (pa.ArrowInvalid, pa.ArrowIndexError, pa.ArrowNotImplementedError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(
            [
                Problem(
                    where=source,
                    field=spec.name,
                    rule=f"the column cannot be read: {reason}",
                    rule_zh=f"无法读取该列：{reason}",
                )
            ]
        ) from None


def _readable_type(kind: pa.DataType) -> bool:
    """Text, numbers, true/false, dates and times, nulls, and (dictionary-encoded) text."""
    if pa.types.is_dictionary(kind):
        return _readable_type(kind.value_type)
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_null(kind)
    )


def _check_column_types(raw: pa.Table, source: str) -> None:
    """Refuse columns of a type no field takes (a struct, binary data, a list outside
    ``transit``), naming each; a Parquet file can hold any Arrow type."""
    problems = []
    for field in raw.schema:
        kind = field.type
        is_list = pa.types.is_list(kind) or pa.types.is_large_list(kind)
        if field.name in INPUT_FIELDS and INPUT_FIELDS[field.name].kind == Kind.COUNTRY_LIST:
            readable = _readable_type(kind.value_type) if is_list else _readable_type(kind)
        else:
            readable = _readable_type(kind)
        if not readable:
            problems.append(
                Problem(
                    where=source,
                    field=field.name,
                    rule=f"a column of type {kind} cannot be read: expected text, numbers, "
                    "true/false or dates",
                    rule_zh=f"无法读取类型为 {kind} 的列：应为文本、数字、真/假或日期",
                )
            )
    if problems:
        raise InputError(problems)


def _first_indices(mask: pa.Array, limit: int) -> list[int]:
    if limit <= 0:
        return []
    found = pc.indices_nonzero(mask)
    return [int(i) for i in found.slice(0, limit).to_pylist()]


def _mask(expr: pa.Array) -> pa.Array:
    return pc.fill_null(expr, False)


def _convert(col: pa.Array, spec: FieldSpec) -> tuple[pa.Array, Bad]:
    """Convert one column; return the typed array and the masks of bad values with their rule."""
    if pa.types.is_dictionary(col.type) and spec.kind != Kind.COUNTRY_LIST:
        return _convert_dictionary(col, spec)
    bad: Bad = []
    target = spec.arrow_type
    if spec.kind == Kind.COUNTRY_LIST:
        out = _convert_country_list(col, bad)
    elif col.type == target and spec.kind not in (Kind.STRING, Kind.ENUM, Kind.COUNTRY):
        out = col
    elif _castable(col.type, spec.kind):
        out = pc.cast(col, target)
    else:
        text = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        text = pc.utf8_trim_whitespace(text)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        out = _convert_text(text, spec, bad)
    _check_missing(out, spec, bad)
    _check_range(out, spec, bad)
    return out, bad


def _check_missing(out: pa.Array, spec: FieldSpec, bad: Bad) -> None:
    """A required field's empty rows, unless already reported as malformed. (A column without
    a null - the usual case - is not scanned again: ``null_count`` is known.)"""
    if not spec.required or out.null_count == 0:
        return
    missing = pc.is_null(out)
    for mask, _rule, _rule_zh in bad:  # a value already reported as malformed is not "missing"
        missing = pc.and_(missing, pc.invert(mask))
    bad.append((missing, "required field is missing", "缺少必填字段"))


def _check_range(out: pa.Array, spec: FieldSpec, bad: Bad) -> None:
    """Dates within the plausible years, numbers within the field's bounds. One pass finds
    the column's least and greatest values; the rows are compared only when one is outside."""
    low_bound = EARLIEST_DATE if spec.kind == Kind.DATE else spec.minimum
    high_bound = LATEST_DATE if spec.kind == Kind.DATE else spec.maximum
    if low_bound is None and high_bound is None:
        return
    # dates as days since 1970: year 0 is no Python date
    extremes = pc.min_max(out.view(pa.int32()) if spec.kind == Kind.DATE else out)
    least, greatest = extremes["min"].as_py(), extremes["max"].as_py()
    if least is None:  # every row empty
        return
    if spec.kind == Kind.DATE:
        if least < _EARLIEST_DAY or greatest > _LATEST_DAY:
            outside = pc.or_(pc.less(out, EARLIEST_DATE), pc.greater(out, LATEST_DATE))
            bad.append((_mask(outside), DATE_RANGE_RULE, DATE_RANGE_RULE_ZH))
        return
    if spec.minimum is not None and least < spec.minimum:
        low = pc.less(out, spec.minimum)
        bad.append((_mask(low), f"must be at least {spec.minimum:g}", f"不得小于 {spec.minimum:g}"))
    if spec.maximum is not None and greatest > spec.maximum:
        high = pc.greater(out, spec.maximum)
        bad.append((_mask(high), f"must be at most {spec.maximum:g}", f"不得大于 {spec.maximum:g}"))


_KEEP_ENCODED = (Kind.STRING, Kind.ENUM, Kind.COUNTRY)


def _convert_dictionary(col: pa.DictionaryArray, spec: FieldSpec) -> tuple[pa.Array, Bad]:
    """A dictionary-encoded column (a categorical column read so from Parquet or CSV): each
    distinct value is converted and checked once, the rows only index the results.

    Text kinds stay encoded (DuckDB scans the dictionary as it is); other kinds are decoded.
    """
    values, bad_values = _convert(col.dictionary, replace(spec, required=False))
    indices = col.indices
    # a rule no distinct value breaks cannot be broken by a row: no mask over the rows
    bad: Bad = [
        (_mask(pc.take(mask, indices)), rule, zh)
        for mask, rule, zh in bad_values
        if mask.true_count
    ]
    if spec.kind in _KEEP_ENCODED and values.null_count == 0 and pa.types.is_string(values.type):
        out: pa.Array = pa.DictionaryArray.from_arrays(indices, values)
    else:
        out = pc.take(values, indices)
    _check_missing(out, spec, bad)
    return out, bad


def _castable(source: pa.DataType, kind: Kind) -> bool:
    """Typed columns that convert without loss: integers to numbers, timestamps to dates."""
    if kind in (Kind.INT, Kind.FLOAT):
        return bool(pa.types.is_integer(source))
    return kind == Kind.DATE and bool(pa.types.is_timestamp(source))


def _convert_text(text: pa.Array, spec: FieldSpec, bad: Bad) -> pa.Array:
    present = pc.is_valid(text)
    if spec.kind == Kind.STRING:
        return text
    if spec.kind == Kind.ENUM:
        ok = pc.is_in(text, value_set=pa.array(spec.domain, pa.string()))
        bad.append(
            (
                pc.and_(present, pc.invert(ok)),
                "must be one of " + ", ".join(spec.domain),
                "必须是以下之一：" + "、".join(spec.domain),
            )
        )
        return text
    if spec.kind == Kind.COUNTRY:
        upper = pc.utf8_upper(text)
        ok = pc.is_in(upper, value_set=_COUNTRY_SET)
        bad.append(
            (
                pc.and_(present, pc.invert(ok)),
                "must be an ISO 3166-1 alpha-2 country code",
                "必须是 ISO 3166-1 两字母国家代码",
            )
        )
        return upper
    if spec.kind == Kind.DATE:
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2026-02-30 over to March: only a date that reads back the same is one
        same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
        parsed = pc.if_else(_mask(same), parsed, pa.scalar(None, parsed.type))
        out = pc.cast(parsed, pa.date32())
        bad.append(
            (
                pc.and_(present, pc.is_null(out)),
                "must be a date written YYYY-MM-DD",
                "必须是 YYYY-MM-DD 格式的日期",
            )
        )
        return out
    if spec.kind == Kind.BOOL:
        lower = pc.utf8_lower(text)
        is_true = pc.is_in(lower, value_set=pa.array(TRUE_WORDS))
        is_false = pc.is_in(lower, value_set=pa.array(FALSE_WORDS))
        bad.append(
            (
                pc.and_(present, pc.invert(pc.or_(is_true, is_false))),
                "must be true or false",
                "必须是 true 或 false",
            )
        )
        return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true).cast(pa.bool_())
    if spec.kind in (Kind.INT, Kind.FLOAT):
        pattern = _INT_PATTERN if spec.kind == Kind.INT else _FLOAT_PATTERN
        ok = pc.match_substring_regex(text, pattern)
        wrong = pc.and_(present, pc.invert(_mask(ok)))
        word = "a whole number" if spec.kind == Kind.INT else "a number"
        word_zh = "整数" if spec.kind == Kind.INT else "数字"
        bad.append((wrong, f"must be {word}", f"必须是{word_zh}"))
        clean = pc.if_else(wrong, pa.scalar(None, pa.string()), text)
        try:
            return pc.cast(clean, spec.arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # well-formed but out of range for 64 bits: report the rows, keep them missing
            values = [_parse_number(s, spec.kind) for s in clean.to_pylist()]
            texts = clean.to_pylist()
            overflow = pa.array(
                [t is not None and v is None for t, v in zip(texts, values, strict=True)]
            )
            bad.append((overflow, f"must be {word} within range", f"必须是范围之内的{word_zh}"))
            return pa.array(values, type=spec.arrow_type)
    raise AssertionError(spec.kind)  # pragma: no cover - every kind is handled above


_COUNTRY_SET = pa.array(sorted(COUNTRY_CODES), pa.string())
_INT_PATTERN = r"^[+-]?[0-9]+$"
_FLOAT_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_LIST_RULE = "transit points must be ISO 3166-1 alpha-2 codes separated by ';'"
_LIST_RULE_ZH = "经停地必须是以 ';' 分隔的 ISO 3166-1 两字母国家代码"


def _parse_number(text: str | None, kind: Kind) -> float | int | None:
    if text is None:
        return None
    value = float(text) if kind == Kind.FLOAT else int(text)
    if kind == Kind.INT and not -(2**63) <= int(value) < 2**63:
        return None
    return value


def _convert_country_list(col: pa.Array, bad: Bad) -> pa.Array:
    if not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)):
        text = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        compact = pc.replace_substring_regex(text, r"\s+", "")
        compact = pc.replace_substring_regex(compact, r"^;+|;+$", "")
        compact = pc.replace_substring_regex(compact, r";;+", ";")
        compact = pc.if_else(pc.equal(compact, ""), pa.scalar(None, pa.string()), compact)
        col = pc.split_pattern(compact, ";")
    values = pc.utf8_upper(pc.cast(col.flatten(), pa.string()))
    wrong_value = pc.invert(_mask(pc.is_in(values, value_set=_COUNTRY_SET)))
    parents = pc.list_parent_indices(col)
    wrong_rows = pc.unique(pc.filter(parents, wrong_value))
    row_numbers = pa.array(np.arange(len(col), dtype=np.int64))
    mask = pc.is_in(row_numbers, value_set=pc.cast(wrong_rows, pa.int64()))
    bad.append((mask, _LIST_RULE, _LIST_RULE_ZH))
    offsets = pc.subtract(col.offsets, col.offsets[0])
    return pa.ListArray.from_arrays(offsets, values, type=pa.list_(pa.string()), mask=col.is_null())
