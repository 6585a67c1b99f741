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

A custom CSV classifier (CreateClassifier's ``CsvClassifier``) is the same classifier with
its settings: one delimiter and quote symbol, ``ContainsHeader`` PRESENT/ABSENT/UNKNOWN,
explicit ``Header`` names, ``AllowSingleColumn``, ``DisableValueTrimming`` and ``Serde``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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

# value kind -> pattern a trimmed value matches in full; tried in this order
KIND_PATTERNS = (
    ("boolean", r"(?i)(true|false)"),
    ("bigint", r"[+-]?\d+"),
    ("double", r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?"),
)
_PYTHON_KINDS = tuple((kind, re.compile(pattern)) for kind, pattern in KIND_PATTERNS)


@dataclass(frozen=True)
class CsvOptions:
    delimiters: tuple[str, ...] = DELIMITERS
    quote: str = '"'
    header: str = "UNKNOWN"  # PRESENT | ABSENT | UNKNOWN (detect)
    names: tuple[str, ...] = ()
    min_columns: int = 2
    trim: bool = True
    serde: str = "None"  # OpenCSVSerDe | LazySimpleSerDe | None (detect)
    allowed: frozenset[str] | None = None  # CustomDatatypes (as Glue types); None: all

    def restrict(self, kind: GlueType) -> GlueType:
        """The inferred type, widened until it is one of the configured custom datatypes."""
        if self.allowed is None:
            return kind
        while kind not in self.allowed and kind in WIDER:
            kind = WIDER[kind]
        return kind if kind in self.allowed else "string"

    @classmethod
    def from_glue(cls, spec: dict[str, Any]) -> CsvOptions:
        """CreateClassifier's ``CsvClassifier`` shape."""
        return cls(
            delimiters=(spec["Delimiter"],) if spec.get("Delimiter") else DELIMITERS,
            quote=spec.get("QuoteSymbol") or '"',
            header=spec.get("ContainsHeader") or "UNKNOWN",
            names=tuple(spec.get("Header") or ()),
            min_columns=1 if spec.get("AllowSingleColumn") else 2,
            trim=not spec.get("DisableValueTrimming", False),
            serde=spec.get("Serde") or "None",
            allowed=_custom_datatypes(spec),
        )


BUILT_IN = CsvOptions()

# CustomDatatypes names -> the Glue type the CSV classifier infers for them
CUSTOM_DATATYPES = {
    "BOOLEAN": "boolean",
    "SHORT": "bigint",
    "INT": "bigint",
    "LONG": "bigint",
    "FLOAT": "double",
    "DOUBLE": "double",
    "DECIMAL": "double",
    "STRING": "string",
}
# a type not allowed by the custom datatypes widens to the next one
WIDER: dict[GlueType, GlueType] = {"boolean": "string", "bigint": "double", "double": "string"}


def _custom_datatypes(spec: dict[str, Any]) -> frozenset[str] | None:
    """CustomDatatypes (API) / ContainsCustomDatatype (CloudFormation), when configured."""
    names = spec.get("CustomDatatypes") or spec.get("ContainsCustomDatatype")
    if not spec.get("CustomDatatypeConfigured") or not names:
        return None
    return frozenset({"string"} | {CUSTOM_DATATYPES[n] for n in names if n in CUSTOM_DATATYPES})


def _fits_bigint(value: str) -> bool:
    low, high = BIGINT_RANGE
    return low <= int(value) <= high


def value_type(value: str) -> str:
    """The type one CSV value suggests (header detection works value by value)."""
    value = value.strip()
    if value == "":
        return NULL
    for kind, pattern in _PYTHON_KINDS:
        if pattern.fullmatch(value):
            return "double" if kind == "bigint" and not _fits_bigint(value) else kind
    return "string"


def _all_match(values: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, f"^(?:{pattern})$")).as_py())


def _integers(values: pa.Array) -> str:
    try:
        pc.cast(values, pa.int64())
    except (pa.ArrowInvalid, OverflowError):
        return "double"
    return "bigint"


# how a column whose values all match a kind's pattern is typed
_COLUMN_KINDS: dict[str, Callable[[pa.Array], str]] = {
    "boolean": lambda values: "boolean",
    "bigint": _integers,
    "double": lambda values: "double",
}


def column_type(values: pa.Array, trim: bool = True) -> GlueType:
    """A column's type over all its values (vectorised; empty values carry no type)."""
    trimmed = pc.utf8_trim_whitespace(values) if trim else values
    distinct = pc.unique(pc.filter(trimmed, pc.not_equal(trimmed, "")))
    if len(distinct) == 0:
        return NULL
    for kind, pattern in KIND_PATTERNS:
        if _all_match(distinct, pattern):
            return _COLUMN_KINDS[kind](pc.utf8_ltrim(distinct, characters="+"))
    return "string"


def _first_row(text: str, delimiter: str, quote: str) -> list[str]:
    return next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote), [])


def _parse(data: bytes, delimiter: str, quote: str, width: int) -> pa.Table | None:
    names = [f"c{i}" for i in range(width)]
    try:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=quote, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # rows of different widths: not this delimiter
        return None


def _pick_delimiter(text: str, options: CsvOptions) -> tuple[str, list[str], pa.Table] | None:
    data = text.encode()
    for delimiter in options.delimiters:
        if delimiter not in text and options.min_columns > 1:
            continue
        first = _first_row(text, delimiter, options.quote)
        wide = len(first) >= options.min_columns
        table = _parse(data, delimiter, options.quote, len(first)) if wide else None
        if table is not None and table.num_rows >= 2:
            return delimiter, first, table
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


def _types(table: pa.Table, skip: int, trim: bool) -> list[GlueType]:
    return [column_type(column.slice(skip).combine_chunks(), trim) for column in table.columns]


def _quoted(text: str, delimiter: str, quote: str) -> bool:
    if quote not in text:
        return False
    pattern = rf"(^|{re.escape(delimiter)}){re.escape(quote)}"
    return re.search(pattern, text, re.MULTILINE) is not None


# (header setting, detected) -> whether the first row is a header
HEADER_MODES: dict[str, Callable[[bool], bool]] = {
    "PRESENT": lambda detected: True,
    "ABSENT": lambda detected: False,
    "UNKNOWN": lambda detected: detected,
}
# Serde setting -> SerDe used (None: the crawler detects it from quoting)
SERDES: dict[str, Callable[[bool], str]] = {
    "OpenCSVSerDe": lambda quoted: OPEN_CSV,
    "LazySimpleSerDe": lambda quoted: LAZY_SIMPLE,
    "None": lambda quoted: OPEN_CSV if quoted else LAZY_SIMPLE,
}


def _storage(serde: str, delimiter: str, quote: str) -> StorageFormat:
    params = (
        {"separatorChar": delimiter, "quoteChar": quote}
        if serde == OPEN_CSV
        else {"field.delim": delimiter}
    )
    return StorageFormat(TEXT_INPUT, TEXT_OUTPUT, serde, params)


def classify_csv(text: str, options: CsvOptions = BUILT_IN) -> Classification | None:
    """The CSV classification of a decoded sample (complete lines only), or None."""
    picked = _pick_delimiter(text, options)
    if picked is None:
        return None
    delimiter, first, table = picked
    data_types = _types(table, 1, options.trim)
    header = HEADER_MODES[options.header](_is_header(first, data_types))
    types = [
        options.restrict(kind)
        for kind in (
            data_types
            if header
            else [merge(t, value_type(v)) for t, v in zip(data_types, first, strict=True)]
        )
    ]
    if options.names:
        names = _names(list(options.names))
    else:
        names = _names(first) if header else [f"col{i}" for i in range(len(first))]
    if len(names) != len(types):
        return None
    serde = SERDES.get(options.serde, SERDES["None"])(_quoted(text, delimiter, options.quote))
    parameters = {
        "delimiter": delimiter,
        "areColumnsQuoted": "false",
        "columnsOrdered": "true",
    }
    if header:
        parameters["skip.header.line.count"] = "1"
    size = len(text.encode())
    header_bytes = len(text.split("\n", 1)[0].encode()) + 1 if header else 0
    return Classification(
        "csv",
        list(zip(names, types, strict=True)),
        _storage(serde, delimiter, options.quote),
        parameters,
        records=table.num_rows - (1 if header else 0),
        sample_bytes=size - header_bytes,
    )
