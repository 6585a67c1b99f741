"""Glue's built-in JSON classifier (JSON lines: one object per line).

Types: int (32-bit), bigint, double, boolean, string, array<...>, struct<...>; records that
disagree are merged (numbers widen, other conflicts become string, struct fields union).
Glue records the top-level field names in the JsonSerDe's ``paths`` parameter.
"""

from __future__ import annotations

import json
from typing import Any

from etl_local.glue.classifiers.base import (
    TEXT_INPUT,
    TEXT_OUTPUT,
    Classification,
    StorageFormat,
)
from etl_local.glue.types import NULL, ArrayType, GlueType, StructType, merge

JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
INT_RANGE = (-(2**31), 2**31 - 1)


def _number(value: int | float) -> GlueType:
    if isinstance(value, float):
        return "double"
    low, high = INT_RANGE
    return "int" if low <= value <= high else "bigint"


def infer(value: Any) -> GlueType:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        element: GlueType = NULL
        for item in value:
            element = merge(element, infer(item))
        return ArrayType(element)
    return StructType(tuple((str(k).lower(), infer(v)) for k, v in value.items()))


def classify_json(text: str) -> Classification | None:
    if not text.lstrip().startswith("{"):
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    record: GlueType = NULL
    try:
        for line in lines:
            value = json.loads(line)
            if not isinstance(value, dict):
                return None
            record = merge(record, infer(value))
    except json.JSONDecodeError:
        return None
    if not isinstance(record, StructType):
        return None
    columns = list(record.fields)
    storage = StorageFormat(
        TEXT_INPUT, TEXT_OUTPUT, JSON_SERDE, {"paths": ",".join(name for name, _ in columns)}
    )
    return Classification(
        "json",
        columns,
        storage,
        records=len(lines),
        sample_bytes=sum(len(line.encode()) + 1 for line in lines),
    )
