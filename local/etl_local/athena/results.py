"""Query results as Athena presents them: CSV text values, column metadata, JSON values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from etl_local.athena.types import athena_column_type


@dataclass(frozen=True)
class ResultColumn:
    name: str
    duckdb_type: str

    def column_info(self) -> dict[str, Any]:
        athena_type, precision, scale = athena_column_type(self.duckdb_type)
        return {
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": athena_type,
            "Precision": precision,
            "Scale": scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": athena_type == "varchar",
        }


@dataclass
class QueryResult:
    """What one statement produced."""

    statement_type: str  # DML | DDL | UTILITY
    substatement_type: str  # SELECT, CREATE_TABLE_AS_SELECT, INSERT, CREATE_TABLE, ...
    columns: list[ResultColumn] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    header: bool = True  # SELECT results carry a header row; SHOW/DESCRIBE output does not
    data_scanned_bytes: int = 0
    update_count: int | None = None
    written_files: list[str] = field(default_factory=list)
    _text: list[list[str | None]] | None = field(default=None, repr=False, compare=False)

    def text_rows(self) -> list[list[str | None]]:
        """Rows as Athena's text values, formatted once (result file and GetQueryResults)."""
        if self._text is None:
            self._text = [[format_value(v) for v in row] for row in self.rows]
        return self._text

    def json_rows(self) -> list[list[Any]]:
        return [[format_json_value(v) for v in row] for row in self.rows]


def _java_double(value: float) -> str:
    """Java's Double.toString, which Trino uses to print a double."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{len(digits) - 1 + exponent}"


def _timestamp(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if value.tzinfo is not None:
        offset = value.utcoffset()
        text += (
            " UTC"
            if not offset
            else " " + value.strftime("%z")[:3] + ":" + value.strftime("%z")[3:]
        )
    return text


def _interval(value: dt.timedelta) -> str:
    seconds = value.seconds
    return (
        f"{value.days} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        f".{value.microseconds // 1000:03d}"
    )


def _nested(value: Any) -> str:
    return "NULL" if value is None else format_value(value) or ""


_TEXT_FORMATTERS: list[tuple[type | tuple[type, ...], Callable[[Any], str]]] = [
    (bool, lambda v: "true" if v else "false"),
    (int, str),
    (float, _java_double),
    (Decimal, lambda v: format(v, "f")),
    (str, lambda v: v),
    (dt.datetime, _timestamp),
    (dt.date, lambda v: v.isoformat()),
    (dt.time, lambda v: v.strftime("%H:%M:%S.") + f"{v.microsecond // 1000:03d}"),
    (dt.timedelta, _interval),
    ((bytes, bytearray, memoryview), lambda v: " ".join(f"{b:02x}" for b in bytes(v))),
    (uuid.UUID, str),
    (list, lambda v: "[" + ", ".join(_nested(x) for x in v) + "]"),
    (tuple, lambda v: "[" + ", ".join(_nested(x) for x in v) + "]"),
    (dict, lambda v: "{" + ", ".join(f"{_nested(k)}={_nested(x)}" for k, x in v.items()) + "}"),
]


def format_value(value: Any) -> str | None:
    """A value as Athena shows it in the result CSV and ``GetQueryResults`` (None for NULL)."""
    if value is None:
        return None
    for kind, formatter in _TEXT_FORMATTERS:
        if isinstance(value, kind):
            return formatter(value)
    return str(value)


def _json_number(value: Decimal) -> int | float:
    return (
        int(value)
        if value == value.to_integral_value() and value.as_tuple().exponent == 0
        else float(value)
    )


_JSON_FORMATTERS: list[tuple[type | tuple[type, ...], Callable[[Any], Any]]] = [
    (bool, lambda v: v),
    (int, lambda v: v),
    (float, lambda v: v if math.isfinite(v) else _java_double(v)),
    (Decimal, _json_number),
    (str, lambda v: v),
    ((list, tuple), lambda v: [format_json_value(x) for x in v]),
    (dict, lambda v: {str(format_value(k)): format_json_value(x) for k, x in v.items()}),
]


def format_json_value(value: Any) -> Any:
    """A value as ``etl-local query --format json`` prints it: JSON scalars, lists for arrays,
    objects for maps and rows, and Athena's CSV text for dates, timestamps and the rest."""
    if value is None:
        return None
    for kind, formatter in _JSON_FORMATTERS:
        if isinstance(value, kind):
            return formatter(value)
    return format_value(value)


def result_csv(result: QueryResult) -> bytes:
    """The result file Athena writes: every value quoted, NULL as an empty unquoted field."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    if result.header:
        writer.writerow([c.name for c in result.columns])
    for row in result.text_rows():
        out.write(
            ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in row) + "\n"
        )
    return out.getvalue().encode()


def result_text(result: QueryResult) -> bytes:
    """SHOW/DESCRIBE output (``.txt``): one line per row, tab-separated, no header."""
    lines = ["\t".join("" if v is None else v for v in row) for row in result.text_rows()]
    return ("\n".join(lines) + ("\n" if lines else "")).encode()


def result_metadata(result: QueryResult) -> bytes:
    return json.dumps({"ColumnInfo": [c.column_info() for c in result.columns]}).encode()
