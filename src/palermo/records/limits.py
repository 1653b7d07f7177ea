"""How much one file of traveller records may hold, checked before its data is read.

The web application reads an uploaded manifest whole (``read_records``), so it bounds it:
bytes on disk, rows, and for Parquet the data once decompressed, taken from the file's own
metadata before a row is read (a 0.7 MB zstd Parquet file of 5 million rows took the server to
4.5 GB). CSV and JSON Lines are counted while they are read and refused as soon as they pass
the row limit. The command line streams files in batches (``records.stream``) and applies the
same ``Limits`` when it is given some (``--max-rows``, ``--max-bytes``).

>>> Limits(max_rows=10).allows_rows(10), Limits(max_rows=10).allows_rows(11)
(True, False)
>>> NO_LIMITS.allows_rows(10**12)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from palermo.errors import InputError, Problem


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """``None``: no limit of that kind."""

    max_bytes: int | None = None
    max_rows: int | None = None
    max_decompressed_bytes: int | None = None

    def allows_rows(self, count: int) -> bool:
        return self.max_rows is None or count <= self.max_rows


NO_LIMITS = Limits()


def _refused(source: str, rule: str, rule_zh: str, value: object = None) -> InputError:
    return InputError([Problem(where=source, rule=rule, rule_zh=rule_zh, value=value)])


def rows_refused(source: str, limits: Limits) -> InputError:
    """The error for a file with more rows than ``limits`` allow."""
    return _refused(
        source,
        f"the file has more than {limits.max_rows:,} rows, the most one file may hold",
        f"文件超过 {limits.max_rows:,} 行，即单个文件允许的上限",
    )


def check_rows(count: int, source: str, limits: Limits) -> None:
    if not limits.allows_rows(count):
        raise rows_refused(source, limits)


def check_before_reading(path: Path, fmt: str, limits: Limits) -> None:
    """Refuse ``path`` when its size, or (Parquet) its rows or decompressed data by its
    metadata, pass ``limits``; nothing of its data is read."""
    source = str(path)
    size = path.stat().st_size
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise _refused(
            source,
            f"the file is larger than {limits.max_bytes:,} bytes",
            f"文件大于 {limits.max_bytes:,} 字节",
            value=size,
        )
    if fmt == "parquet" and (limits.max_rows is not None or limits.max_decompressed_bytes):
        _check_parquet_metadata(path, limits)


def _check_parquet_metadata(path: Path, limits: Limits) -> None:
    source = str(path)
    try:
        meta = pq.read_metadata(path)
    except (pa.ArrowException, OSError, ValueError) as exc:  # a damaged footer, too
        raise _refused(
            source,
            f"not a readable Parquet file: {exc}",
            f"不是可读取的 Parquet 文件：{exc}",
        ) from None
    check_rows(meta.num_rows, source, limits)
    decompressed = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if limits.max_decompressed_bytes is not None and decompressed > limits.max_decompressed_bytes:
        raise _refused(
            source,
            f"the data is larger than {limits.max_decompressed_bytes:,} bytes once decompressed",
            f"数据解压后大于 {limits.max_decompressed_bytes:,} 字节",
            value=decompressed,
        )
