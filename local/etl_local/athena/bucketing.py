"""Hive bucketing (CTAS ``bucketed_by``/``bucket_count``): Hive's hash, Hive's file names.

A row's bucket is ``(hash & Integer.MAX_VALUE) % bucket_count`` where ``hash`` folds the
bucket columns' Hive hash codes with ``31 * h + c`` (Hive's ObjectInspectorUtils, bucketing
version 1), so files land in the buckets Athena/Hive/Spark-with-Hive-bucketing expect.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from typing import Any

INT_MAX = 0x7FFFFFFF
EPOCH = dt.date(1970, 1, 1)


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _long_hash(value: int) -> int:
    unsigned = value & 0xFFFFFFFFFFFFFFFF
    return _int32(unsigned ^ (unsigned >> 32))


def _string_hash(value: str) -> int:
    """Hadoop Text.hashCode: 31 * h + signed byte, from 1, over the UTF-8 bytes."""
    result = 1
    for byte in value.encode():
        result = _int32(31 * result + (byte - 256 if byte > 127 else byte))
    return result


def _double_hash(value: float) -> int:
    (bits,) = struct.unpack(">q", struct.pack(">d", value))
    return _long_hash(bits)


# Python value type -> Hive hash code (bool before int: bool is an int in Python)
HASHES: list[tuple[type, Callable[[Any], int]]] = [
    (bool, lambda v: 1 if v else 0),
    (int, lambda v: _int32(v) if -(1 << 31) <= v < (1 << 31) else _long_hash(v)),
    (float, _double_hash),
    (str, _string_hash),
    (dt.datetime, lambda v: _long_hash(int(v.timestamp()))),
    (dt.date, lambda v: (v - EPOCH).days),
]


def hive_hash(value: Any) -> int:
    if value is None:
        return 0
    for kind, hasher in HASHES:
        if isinstance(value, kind):
            return hasher(value)
    return _string_hash(str(value))


def bucket_of(values: tuple[Any, ...], bucket_count: int) -> int:
    combined = 0
    for value in values:
        combined = _int32(31 * combined + hive_hash(value))
    return (combined & INT_MAX) % bucket_count


def bucket_file_name(bucket: int, query_id: str, extension: str) -> str:
    """Hive/Trino bucket file naming: the bucket number first, zero-padded."""
    return f"{bucket:06d}_0_{query_id}.{extension}"
