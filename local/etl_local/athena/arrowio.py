"""Formats DuckDB cannot read or write itself (ORC, Avro), through Arrow.

pyarrow reads and writes ORC; fastavro reads and writes Avro. Files move through the S3 API
(the engine's boto3 client) and the rows reach DuckDB as registered Arrow tables.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
from sqlglot import exp

ArrowReader = Callable[[bytes], pa.Table]
ArrowWriter = Callable[[pa.Table, str, list[tuple[str, str]]], bytes]


def read_orc(data: bytes) -> pa.Table:
    return orc.ORCFile(io.BytesIO(data)).read()


def read_avro(data: bytes) -> pa.Table:
    return pa.Table.from_pylist(list(fastavro.reader(io.BytesIO(data))))


# Athena's ORC write_compression -> pyarrow's name
ORC_COMPRESSIONS = {
    "ZLIB": "zlib",
    "SNAPPY": "snappy",
    "ZSTD": "zstd",
    "LZ4": "lz4",
    "NONE": "uncompressed",
}
# Athena's Avro write_compression -> fastavro codec
AVRO_CODECS = {
    "DEFLATE": "deflate",
    "SNAPPY": "snappy",
    "ZSTD": "zstandard",
    "BZIP2": "bzip2",
    "NONE": "null",
}


def write_orc(table: pa.Table, compression: str, columns: list[tuple[str, str]]) -> bytes:
    del columns
    buffer = io.BytesIO()
    orc.write_table(table, buffer, compression=ORC_COMPRESSIONS[compression])
    return buffer.getvalue()


# Hive primitive type -> Avro type (Hive's AvroSerDe mapping)
_AVRO_PRIMITIVES: dict[Any, Any] = {
    exp.DataType.Type.TEXT: "string",
    exp.DataType.Type.VARCHAR: "string",
    exp.DataType.Type.CHAR: "string",
    exp.DataType.Type.TINYINT: "int",
    exp.DataType.Type.SMALLINT: "int",
    exp.DataType.Type.INT: "int",
    exp.DataType.Type.BIGINT: "long",
    exp.DataType.Type.FLOAT: "float",
    exp.DataType.Type.DOUBLE: "double",
    exp.DataType.Type.BOOLEAN: "boolean",
    exp.DataType.Type.BINARY: "bytes",
    exp.DataType.Type.DATE: {"type": "int", "logicalType": "date"},
    exp.DataType.Type.TIMESTAMP: {"type": "long", "logicalType": "timestamp-millis"},
}


def avro_type(kind: exp.DataType, name: str = "r") -> Any:
    """A Hive column type as a (nullable) Avro schema type."""
    return ["null", _avro(kind, name)]


def _avro(kind: exp.DataType, name: str) -> Any:
    params = kind.expressions
    if kind.this == exp.DataType.Type.ARRAY:
        return {"type": "array", "items": avro_type(params[0], name)}
    if kind.this == exp.DataType.Type.MAP:
        return {"type": "map", "values": avro_type(params[1], name)}
    if kind.this == exp.DataType.Type.STRUCT:
        fields = [
            {"name": p.name, "type": avro_type(p.args["kind"], f"{name}_{p.name}"), "default": None}
            for p in params
        ]
        return {"type": "record", "name": name, "fields": fields}
    if kind.this == exp.DataType.Type.DECIMAL:
        precision, scale = (int(p.name) for p in params) if params else (38, 0)
        return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    return _AVRO_PRIMITIVES.get(kind.this, "string")


def avro_schema(columns: list[tuple[str, str]]) -> dict[str, Any]:
    fields = [
        {
            "name": name,
            "type": avro_type(exp.DataType.build(hive, dialect="hive"), f"r_{name}"),
            "default": None,
        }
        for name, hive in columns
    ]
    return {"type": "record", "name": "athena_row", "fields": fields}


def write_avro(table: pa.Table, compression: str, columns: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    fastavro.writer(buffer, avro_schema(columns), table.to_pylist(), codec=AVRO_CODECS[compression])
    return buffer.getvalue()


PARQUET_COMPRESSIONS = {
    "SNAPPY": "snappy",
    "GZIP": "gzip",
    "ZSTD": "zstd",
    "LZ4": "lz4",
    "NONE": "none",
}


def write_parquet(table: pa.Table, compression: str, columns: list[tuple[str, str]]) -> bytes:
    del columns
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression=PARQUET_COMPRESSIONS[compression])
    return buffer.getvalue()
