"""Glue's built-in Parquet, ORC and Avro classifiers: the schema the file itself declares."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from etl_local.glue.classifiers.base import Classification, StorageFormat
from etl_local.glue.types import ArrayType, GlueType, StructType

PARQUET = StorageFormat(
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    {"serialization.format": "1"},
)
ORC = StorageFormat(
    "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
    "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
    "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    {"serialization.format": "1"},
)
AVRO_SERDE = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"

# Arrow type predicate -> Glue type; checked in order
_ARROW_SCALARS: tuple[tuple[Callable[[pa.DataType], bool], Callable[[pa.DataType], str]], ...] = (
    (pa.types.is_boolean, lambda t: "boolean"),
    (pa.types.is_int8, lambda t: "tinyint"),
    (pa.types.is_int16, lambda t: "smallint"),
    (pa.types.is_int32, lambda t: "int"),
    (pa.types.is_int64, lambda t: "bigint"),
    (pa.types.is_unsigned_integer, lambda t: "bigint"),
    (pa.types.is_float32, lambda t: "float"),
    (pa.types.is_float64, lambda t: "double"),
    (pa.types.is_decimal, lambda t: f"decimal({t.precision},{t.scale})"),
    (pa.types.is_date, lambda t: "date"),
    (pa.types.is_timestamp, lambda t: "timestamp"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), lambda t: "string"),
    (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t), lambda t: "binary"),
    (pa.types.is_dictionary, lambda t: arrow_type(t.value_type)),  # type: ignore[arg-type,return-value]
)


def arrow_type(arrow: pa.DataType) -> GlueType:
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return ArrayType(arrow_type(arrow.value_type))
    if pa.types.is_struct(arrow):
        return StructType(tuple((f.name.lower(), arrow_type(f.type)) for f in arrow))
    if pa.types.is_map(arrow):
        return f"map<{_render(arrow_type(arrow.key_type))},{_render(arrow_type(arrow.item_type))}>"
    for matches, glue in _ARROW_SCALARS:
        if matches(arrow):
            return glue(arrow)
    return "string"


def _render(glue_type: GlueType) -> str:
    from etl_local.glue.types import render

    return render(glue_type)


def _columns(schema: pa.Schema) -> list[tuple[str, GlueType]]:
    return [(f.name.lower(), arrow_type(f.type)) for f in schema]


def classify_parquet(data: bytes) -> Classification | None:
    import pyarrow.parquet as pq

    if not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        return None
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    columns = _columns(meta.schema.to_arrow_schema())
    return Classification(
        "parquet", columns, PARQUET, records=meta.num_rows, sample_bytes=len(data), exact=True
    )


def classify_orc(data: bytes) -> Classification | None:
    from pyarrow import orc

    if not data.startswith(b"ORC"):
        return None
    reader = orc.ORCFile(io.BytesIO(data))
    return Classification(
        "orc",
        _columns(reader.schema),
        ORC,
        records=reader.nrows,
        sample_bytes=len(data),
        exact=True,
    )


# Avro primitive -> Glue type (Glue's Avro classifier: long -> bigint, ...)
AVRO_PRIMITIVES = {
    "boolean": "boolean",
    "int": "int",
    "long": "bigint",
    "float": "float",
    "double": "double",
    "bytes": "binary",
    "string": "string",
    "null": "null",
}
AVRO_LOGICAL = {"date": "date", "timestamp-millis": "timestamp", "timestamp-micros": "timestamp"}


def avro_type(schema: Any) -> GlueType:
    if isinstance(schema, str):
        return AVRO_PRIMITIVES.get(schema, "string")
    if isinstance(schema, list):  # union: the non-null branch when there is one
        branches = [s for s in schema if s != "null"]
        return avro_type(branches[0]) if len(branches) == 1 else "string"
    logical = schema.get("logicalType")
    if logical == "decimal":
        return f"decimal({schema['precision']},{schema.get('scale', 0)})"
    if logical in AVRO_LOGICAL:
        return AVRO_LOGICAL[logical]
    kinds: dict[str, Callable[[dict[str, Any]], GlueType]] = {
        "record": lambda s: StructType(
            tuple((f["name"].lower(), avro_type(f["type"])) for f in s["fields"])
        ),
        "array": lambda s: ArrayType(avro_type(s["items"])),
        "map": lambda s: f"map<string,{_render(avro_type(s['values']))}>",
        "enum": lambda s: "string",
        "fixed": lambda s: "binary",
    }
    kind = schema.get("type")
    return kinds[kind](schema) if kind in kinds else avro_type(kind)


def classify_avro(data: bytes) -> Classification | None:
    import fastavro

    if not data.startswith(b"Obj\x01"):
        return None
    reader = fastavro.reader(io.BytesIO(data))
    schema = reader.writer_schema
    if not isinstance(schema, dict) or schema.get("type") != "record":
        return None
    records = sum(1 for _ in reader)
    literal = json.dumps(schema)
    storage = StorageFormat(
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
        AVRO_SERDE,
        {"avro.schema.literal": literal, "serialization.format": "1"},
    )
    columns = [(f["name"].lower(), avro_type(f["type"])) for f in schema["fields"]]
    return Classification(
        "avro",
        columns,
        storage,
        {"avro.schema.literal": literal},
        records=records,
        sample_bytes=len(data),
        exact=True,
    )
