"""JSON Lines read by Arrow's JSON parser: the same raw tables as the line-by-line reader.

``jsonl_tables(path, rows=...)`` yields, for each ``rows`` lines of the file (the same lines as
``readers.jsonl_chunks``), the raw table that ``table_from_dicts`` makes of their objects -
scalars as text (``true``/``false``, whole numbers as written), transit points joined by ``;`` -
parsed in C, many times faster than ``json.loads`` per line. A number field's numbers stay
numbers (the same values as their text would give). A text field no line has is an empty
column rather than none: the same records (a required one is a problem either way, and a problem
is always named by the line-by-line reader, below).

Where Arrow's parser could read a block differently from Python's ``json`` module it does not
guess: it raises ``NotVectorisedError`` and the caller reads the file line by line, which names each
broken line. That is: a parse error of any kind (Arrow's messages name no line), a line holding
more or less than one object, a byte order mark, a control character or a lone carriage
return (line ends differ), ``NaN``/``Infinity``, a fraction in a field that is not a number,
nested objects, lists outside ``transit`` or of anything but text.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
>>> _ = path.write_text('{"record_id": "r1", "group_size": 3, "obs_fearful": true}\\n\\n'
...                     '{"record_id": "r2", "transit": ["TH", "MY"]}\\n')
>>> [table] = jsonl_tables(path, rows=10)
>>> table.select(["record_id", "group_size", "obs_fearful", "transit"]).to_pylist()
... # doctest: +NORMALIZE_WHITESPACE
[{'record_id': 'r1', 'group_size': '3', 'obs_fearful': 'true', 'transit': None},
 {'record_id': 'r2', 'group_size': None, 'obs_fearful': None, 'transit': 'TH;MY'}]
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from palermo.records.schema import INPUT_FIELDS, Kind

# lines parsed at once: a bounded buffer, however many rows a batch holds
_BLOCK_LINES = 65_536
# Arrow's parser reads this much text per task (both cores); an object longer is read line by line
_PARSE_BLOCK_BYTES = 4 << 20
_BOM = b"\xef\xbb\xbf"


# text fields read as text: Arrow would otherwise turn "2026-03-01" into a timestamp (a number
# in one of them is a parse error: read line by line)
_PARSE = pajson.ParseOptions(
    explicit_schema=pa.schema(
        [
            (name, pa.string())
            for name, spec in INPUT_FIELDS.items()
            if spec.kind in (Kind.STRING, Kind.ENUM, Kind.COUNTRY, Kind.DATE)
        ]
    ),
    unexpected_field_behavior="infer",
)


class NotVectorisedError(Exception):
    """A block the vectorised reader cannot read exactly as the line-by-line reader would."""


def jsonl_tables(path: Path, *, rows: int) -> Iterator[pa.Table]:
    """The raw tables of ``path``, one per ``rows`` lines; see the module's description."""
    with path.open("rb") as fh:
        first = True
        while True:
            lines = list(itertools.islice(fh, rows))
            if not lines:
                return
            if first and lines[0].startswith(_BOM):
                raise NotVectorisedError("byte order mark")
            first = False
            parts = [
                _block_table(lines[start : start + _BLOCK_LINES])
                for start in range(0, len(lines), _BLOCK_LINES)
            ]
            del lines
            try:
                yield pa.concat_tables(parts, promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:  # text here, a number there
                raise NotVectorisedError(str(exc)) from None


def _block_table(lines: list[bytes]) -> pa.Table:
    objects = sum(1 for line in lines if line.strip())
    if not objects:  # the line-by-line reader says what an empty batch lacks
        raise NotVectorisedError("no object")
    block = b"".join(lines)
    if _unsafe(block):
        raise NotVectorisedError("control character or lone carriage return")
    try:
        table = pajson.read_json(
            io.BytesIO(block),
            read_options=pajson.ReadOptions(block_size=_PARSE_BLOCK_BYTES),
            parse_options=_PARSE,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotVectorisedError(str(exc)) from None
    if table.num_rows != objects:  # two objects on a line, or one across lines
        raise NotVectorisedError("not one object per line")
    return pa.table({name: _as_text(name, table.column(name)) for name in table.column_names})


def _unsafe(block: bytes) -> bool:
    """A control character other than the line ends (Python's ``json`` refuses them raw inside
    text, Arrow's parser may not), or a carriage return without its line feed (Python's text
    mode ends a line there, so the lines would be counted differently)."""
    controls = int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) < 0x20))
    line_feeds, returns = block.count(b"\n"), block.count(b"\r")
    return controls != line_feeds + returns or returns != block.count(b"\r\n")


def _as_text(name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A parsed column as ``table_from_dicts`` has it: text, or numbers for a number field."""
    kind = col.type
    if pa.types.is_string(kind):
        return col
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(col), pa.string())])
    if pa.types.is_boolean(kind):
        return pc.if_else(col, "true", "false")
    spec = INPUT_FIELDS.get(name)
    number_field = spec is not None and spec.kind == Kind.FLOAT
    if pa.types.is_integer(kind):  # as written, or the same value as a number for a number field
        return pc.cast(col, pa.float64() if number_field else pa.string())
    if pa.types.is_floating(kind):
        if not number_field or pc.all(pc.is_finite(col)).as_py() is False:
            raise NotVectorisedError(f"{name}: a number with a fraction")
        return col
    if name == "transit" and pa.types.is_list(kind):
        value = kind.value_type
        if not (pa.types.is_string(value) or pa.types.is_null(value)):
            raise NotVectorisedError("transit: not a list of text")
        points = pc.cast(col, pa.list_(pa.string()))
        if pc.list_flatten(points).null_count:
            raise NotVectorisedError("transit: null in the list")
        return pc.binary_join(points, ";")
    raise NotVectorisedError(f"{name}: {kind}")
