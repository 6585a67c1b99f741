"""Glue's JSON, Parquet, ORC and Avro classifiers and the type merge they share."""

from __future__ import annotations

import io
import json

import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest
from etl_local.glue.classifiers import classify_bytes
from etl_local.glue.types import ArrayType, StructType, merge, render

pytestmark = pytest.mark.unit

JSON_CASES = [
    (
        "scalars",
        [{"a": 1, "b": "x", "c": 1.5, "d": True}],
        [("a", "int"), ("b", "string"), ("c", "double"), ("d", "boolean")],
    ),
    ("int-widens-to-bigint", [{"a": 1}, {"a": 2**40}], [("a", "bigint")]),
    ("int-and-double", [{"a": 1}, {"a": 2.5}], [("a", "double")]),
    ("number-and-string", [{"a": 1}, {"a": "x"}], [("a", "string")]),
    ("null-merges", [{"a": None}, {"a": 3}], [("a", "int")]),
    ("fields-union-in-order", [{"a": 1}, {"b": "x", "a": 2}], [("a", "int"), ("b", "string")]),
    (
        "nested",
        [{"s": {"x": 1}, "l": [1, 2]}, {"s": {"y": "z"}, "l": []}],
        [("s", "struct<x:int,y:string>"), ("l", "array<int>")],
    ),
]


@pytest.mark.parametrize(
    ("records", "columns"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES]
)
def test_json_lines(records: list[dict[str, object]], columns: list[tuple[str, str]]) -> None:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    found = classify_bytes(data, complete=True)
    assert found.classification == "json"
    assert [(n, render(t)) for n, t in found.columns] == columns
    assert found.storage is not None
    assert found.storage.serde == "org.openx.data.jsonserde.JsonSerDe"
    assert found.storage.serde_parameters["paths"] == ",".join(n for n, _ in columns)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ('{\n  "a": 1,\n  "b": "x"\n}\n', [("a", "int"), ("b", "string")]),
        ('[{"a": 1}, {"a": 2.5}]', [("array", "array<struct<a:double>>")]),
    ],
    ids=["pretty-printed-object", "top-level-array"],
)
def test_json_documents(text: str, columns: list[tuple[str, str]]) -> None:
    found = classify_bytes(text.encode(), complete=True)
    assert found.classification == "json"
    assert [(n, render(t)) for n, t in found.columns] == columns


TABLE = pa.table(
    {
        "i": pa.array([1], pa.int32()),
        "l": pa.array([1], pa.int64()),
        "f": pa.array([1.0], pa.float64()),
        "s": ["x"],
        "b": [True],
        "d": pa.array([0], pa.date32()),
        "ts": pa.array([0], pa.timestamp("us")),
        "dec": pa.array([1], pa.decimal128(10, 2)),
        "arr": [[1, 2]],
        "st": [{"x": 1}],
    }
)
ARROW_COLUMNS = [
    ("i", "int"),
    ("l", "bigint"),
    ("f", "double"),
    ("s", "string"),
    ("b", "boolean"),
    ("d", "date"),
    ("ts", "timestamp"),
    ("dec", "decimal(10,2)"),
    ("arr", "array<bigint>"),
    ("st", "struct<x:bigint>"),
]


def _parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(TABLE, sink)
    return sink.getvalue()


def _orc() -> bytes:
    sink = io.BytesIO()
    orc.write_table(TABLE, sink)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("make", "classification"), [(_parquet, "parquet"), (_orc, "orc")], ids=["parquet", "orc"]
)
def test_columnar(make: object, classification: str) -> None:
    found = classify_bytes(make(), complete=True)  # type: ignore[operator]
    assert found.classification == classification
    assert [(n, render(t)) for n, t in found.columns] == ARROW_COLUMNS
    assert found.records == 1 and found.exact


def test_avro() -> None:
    schema = {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "name", "type": ["null", "string"]},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
        ],
    }
    sink = io.BytesIO()
    fastavro.writer(sink, schema, [{"id": 1, "name": None, "day": 1, "tags": []}] * 3)
    found = classify_bytes(sink.getvalue(), complete=True)
    assert found.classification == "avro"
    assert [(n, render(t)) for n, t in found.columns] == [
        ("id", "bigint"),
        ("name", "string"),
        ("day", "date"),
        ("tags", "array<string>"),
    ]
    assert found.records == 3
    assert "avro.schema.literal" in found.parameters


def test_corrupt_parquet_is_unknown() -> None:
    assert classify_bytes(b"PAR1 not really PAR1", complete=True).classification == "UNKNOWN"


MERGES = [
    ("same", "bigint", "bigint", "bigint"),
    ("widen-int", "int", "bigint", "bigint"),
    ("widen-double", "bigint", "double", "double"),
    ("bool-number", "boolean", "bigint", "string"),
    ("null-left", "null", "double", "double"),
    (
        "struct-union",
        StructType((("a", "int"),)),
        StructType((("b", "string"),)),
        "struct<a:int,b:string>",
    ),
    ("array-widen", ArrayType("int"), ArrayType("double"), "array<double>"),
    ("array-vs-scalar", ArrayType("int"), "int", "string"),
]


@pytest.mark.parametrize(
    ("left", "right", "merged"), [m[1:] for m in MERGES], ids=[m[0] for m in MERGES]
)
def test_merge(left: object, right: object, merged: str) -> None:
    assert render(merge(left, right)) == merged  # type: ignore[arg-type]
