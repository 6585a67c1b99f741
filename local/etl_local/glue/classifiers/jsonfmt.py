"""Glue's built-in JSON classifier (JSON lines: one object per line; otherwise the sample as
one document, a top-level array becoming a single column named ``array``).

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


def _json_lines(text: str) -> tuple[list[Any], int] | None:
    """One JSON value per line: (values, their bytes), or None."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return [json.loads(line) for line in lines], sum(len(x.encode()) + 1 for x in lines)
    except json.JSONDecodeError:
        return None


def _json_document(text: str) -> tuple[list[Any], int] | None:
    """The whole sample as one JSON document (a pretty-printed object, a top-level array)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list):  # Glue: one record with a single column named "array"
        value = {"array": value}
    return [value], len(text.encode())


def classify_json(text: str) -> Classification | None:
    if not text.lstrip().startswith(("{", "[")):
        return None
    parsed = _json_lines(text) if text.lstrip().startswith("{") else None
    parsed = parsed or _json_document(text)
    if parsed is None:
        return None
    values, size = parsed
    record: GlueType = NULL
    for value in values:
        if not isinstance(value, dict):
            return None
        record = merge(record, infer(value))
    if not isinstance(record, StructType) or not record.fields:
        return None
    columns = list(record.fields)
    storage = StorageFormat(
        TEXT_INPUT, TEXT_OUTPUT, JSON_SERDE, {"paths": ",".join(name for name, _ in columns)}
    )
    return Classification("json", columns, storage, records=len(values), sample_bytes=size)
