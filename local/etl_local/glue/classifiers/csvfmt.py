"""Glue's built-in CSV classifier.

Rules (AWS Glue developer guide, "Built-in CSV classifier"):
- delimiters tried: comma, pipe, tab, semicolon, Ctrl-A;
- at least two columns and two rows;
- a header is detected when every value of the first row parses as STRING, is shorter than
  150 characters (the last may be empty: trailing delimiter) and is a valid column name, and
  the data rows are "sufficiently different": at least one column parses as other than
  STRING. Otherwise the columns are named col0, col1, ...;
- column types are boolean, bigint, double or string; one value of another kind (``NA``
  among numbers) makes the column string; dates and timestamps stay string.
- quoted values make the crawler pick OpenCSVSerde instead of LazySimpleSerDe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from etl_local.glue.classifiers.base import (
    TEXT_INPUT,
    TEXT_OUTPUT,
    Classification,
    StorageFormat,
)
from etl_local.glue.types import NULL, GlueType, merge

DELIMITERS = (",", "|", "\t", ";", "\x01")
MAX_HEADER_LENGTH = 150
MAX_COLUMN_NAME = 255
BIGINT_RANGE = (-(2**63), 2**63 - 1)
LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde"

_INT = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_BOOL = re.compile(r"(?i)true|false")


def _integer(value: str) -> str | None:
    if not _INT.fullmatch(value):
        return None
    low, high = BIGINT_RANGE
    return "bigint" if low <= int(value) <= high else "double"


# value kind, tried in order: the first that matches types the value
VALUE_KINDS: tuple[Callable[[str], str | None], ...] = (
    lambda v: NULL if v == "" else None,
    lambda v: "boolean" if _BOOL.fullmatch(v) else None,
    _integer,
    lambda v: "double" if _DOUBLE.fullmatch(v) else None,
)


def value_type(value: str) -> str:
    value = value.strip()
    for kind in VALUE_KINDS:
        found = kind(value)
        if found:
            return found
    return "string"


def column_type(values: set[str]) -> GlueType:
    merged: GlueType = NULL
    for value in values:
        merged = merge(merged, value_type(value))
        if merged == "string":
            break
    return merged


def _rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', strict=False))


def _pick_delimiter(text: str) -> tuple[str, list[list[str]]] | None:
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue
        rows = [row for row in _rows(text, delimiter) if row]
        widths = {len(row) for row in rows}
        if len(rows) >= 2 and len(widths) == 1 and widths.pop() >= 2:
            return delimiter, rows
    return None


def _valid_name(value: str) -> bool:
    return 0 < len(value) <= MAX_COLUMN_NAME and "\n" not in value and "\r" not in value


def _is_header(first: list[str], data_types: list[GlueType]) -> bool:
    *leading, last = first
    names_ok = all(value_type(v) == "string" and _valid_name(v) for v in leading) and (
        last == "" or (value_type(last) == "string" and _valid_name(last))
    )
    short = all(len(v) < MAX_HEADER_LENGTH for v in leading)
    different = any(kind not in ("string", NULL) for kind in data_types)
    return names_ok and short and different


def normalise_name(name: str) -> str:
    """Glue stores column names lower-case and trimmed."""
    return name.strip().lower()


def _names(header: list[str]) -> list[str]:
    names: list[str] = []
    for index, raw in enumerate(header):
        name = normalise_name(raw) or f"col{index}"
        names.append(name if name not in names else f"{name}_{index}")
    return names


def _types(rows: list[list[str]]) -> list[GlueType]:
    return [column_type(set(column)) for column in zip(*rows, strict=True)]


def _quoted(text: str, delimiter: str) -> bool:
    if '"' not in text:
        return False
    return re.search(rf'(^|{re.escape(delimiter)})"', text, re.MULTILINE) is not None


def classify_csv(text: str) -> Classification | None:
    """The CSV classification of a decoded sample (complete lines only), or None."""
    picked = _pick_delimiter(text)
    if picked is None:
        return None
    delimiter, rows = picked
    first_types = _types(rows[1:])
    header = _is_header(rows[0], first_types)
    data = rows[1:] if header else rows
    types = first_types if header else _types(rows)
    names = _names(rows[0]) if header else [f"col{i}" for i in range(len(rows[0]))]
    quoted = _quoted(text, delimiter)
    storage = (
        StorageFormat(
            TEXT_INPUT, TEXT_OUTPUT, OPEN_CSV, {"separatorChar": delimiter, "quoteChar": '"'}
        )
        if quoted
        else StorageFormat(TEXT_INPUT, TEXT_OUTPUT, LAZY_SIMPLE, {"field.delim": delimiter})
    )
    parameters = {
        "delimiter": delimiter,
        "areColumnsQuoted": "false",
        "columnsOrdered": "true",
    }
    if header:
        parameters["skip.header.line.count"] = "1"
    lines = text.splitlines(keepends=True)
    data_bytes = sum(len(line.encode()) for line in lines[1 if header else 0 :])
    return Classification(
        "csv",
        list(zip(names, types, strict=True)),
        storage,
        parameters,
        records=len(data),
        sample_bytes=data_bytes,
    )
