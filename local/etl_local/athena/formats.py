"""Storage formats: how DuckDB reads a catalog table's files, and how CTAS/INSERT writes them.

Readers are picked from the table's SerDe (then its InputFormat); writers from the CTAS
``format`` property. Each entry states only what differs for its format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from etl_local.athena.arrowio import (
    AVRO_CODECS,
    ORC_COMPRESSIONS,
    ArrowReader,
    ArrowWriter,
    read_avro,
    read_orc,
    write_avro,
    write_orc,
)
from etl_local.athena.catalog import Column
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.types import hive_to_duckdb, is_string_type

OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
HIVE_JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
AVRO_SERDE = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
ORC_INPUT = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
ORC_OUTPUT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"
AVRO_INPUT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat"
AVRO_OUTPUT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"

# Athena's STORED AS shorthands (Hive DDL) -> SerDe, InputFormat, OutputFormat.
STORED_AS: dict[str, tuple[str, str, str]] = {
    "TEXTFILE": (LAZY_SIMPLE_SERDE, TEXT_INPUT, TEXT_OUTPUT),
    "PARQUET": (PARQUET_SERDE, PARQUET_INPUT, PARQUET_OUTPUT),
    "ORC": (ORC_SERDE, ORC_INPUT, ORC_OUTPUT),
    "AVRO": (AVRO_SERDE, AVRO_INPUT, AVRO_OUTPUT),
    "JSON": (HIVE_JSON_SERDE, TEXT_INPUT, TEXT_OUTPUT),
}


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join(sql_string(v) for v in values) + "]"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_from(projection: str, source: str) -> str:
    """``SELECT projection FROM source``: both parts built from quoted names and literals."""
    return f"SELECT {projection} FROM {source}"  # noqa: S608


@dataclass(frozen=True)
class StorageSpec:
    """What a reader needs to know of a table's (or a partition's) storage."""

    serde: str
    serde_params: dict[str, str]
    input_format: str
    table_params: dict[str, str]

    @classmethod
    def from_descriptor(cls, storage: dict[str, Any], table_params: dict[str, str]) -> StorageSpec:
        serde = storage.get("SerdeInfo") or {}
        return cls(
            serde=serde.get("SerializationLibrary", ""),
            serde_params=dict(serde.get("Parameters") or {}),
            input_format=storage.get("InputFormat", ""),
            table_params=table_params,
        )

    @property
    def skip_header(self) -> int:
        return int(self.table_params.get("skip.header.line.count", "0") or 0)


def _typed(columns: list[Column], source: Callable[[Column], str]) -> str:
    return ", ".join(
        f"TRY_CAST({source(c)} AS {hive_to_duckdb(c.type)}) AS {quote_ident(c.name)}"
        if not is_string_type(c.type)
        else f"{source(c)} AS {quote_ident(c.name)}"
        for c in columns
    )


def _hive(keys: list[Column]) -> str:
    """Table-function options that read partition values from ``key=value`` folders."""
    return ", hive_partitioning=true, hive_types_autocast=false" if keys else ""


def _with_keys(projection: str, keys: list[Column]) -> str:
    typed_keys = [
        f"CAST({quote_ident(k.name)} AS {hive_to_duckdb(k.type)}) AS {quote_ident(k.name)}"
        for k in keys
    ]
    return ", ".join([projection, *typed_keys])


def _csv_scan(
    files: list[str],
    columns: list[Column],
    options: dict[str, str],
    keys: list[Column],
    escape: str = "",
) -> str:
    names = "{" + ", ".join(f"{sql_string(c.name)}: 'VARCHAR'" for c in columns) + "}"
    opts = ", ".join(f"{k}={v}" for k, v in options.items())
    inner = (
        f"read_csv({sql_list(files)}, columns={names}, header=false, auto_detect=false, "
        f"null_padding=true, strict_mode=false, {opts}{_hive(keys)})"
    )
    projection = _typed(columns, lambda c: _unescaped(quote_ident(c.name), escape))
    return select_from(_with_keys(projection, keys), inner)


def _unescaped(column: str, escape: str) -> str:
    """OpenCSV drops an escape character and keeps the character it escapes."""
    if not escape:
        return column
    pattern = sql_string(re.escape(escape) + "(.)")
    return (
        f"CASE WHEN contains({column}, {sql_string(escape)}) "
        f"THEN regexp_replace({column}, {pattern}, '\\1', 'g') ELSE {column} END"
    )


# Private-use characters standing for an escaped escape / an escaped delimiter while a line
# is split (LazySimpleSerDe with escape.delim)
_ESCAPED_ESCAPE, _ESCAPED_DELIM = "\ue000", "\ue001"
_WHOLE_LINE = "\x1e\x1f\x1d"  # a field delimiter no line contains: read lines whole


def _escaped_scan(
    files: list[str],
    columns: list[Column],
    spec: StorageSpec,
    keys: list[Column],
    delim: str,
    null: str,
) -> str:
    """LazySimpleSerDe with ``escape.delim``: an escaped delimiter is part of the field and
    the escape character is dropped (``a\\,b`` -> ``a,b``); NULL is the field's raw text."""
    escape = spec.serde_params["escape.delim"]
    inner = (
        f"read_csv({sql_list(files)}, columns={{'line': 'VARCHAR'}}, header=false, "
        f"auto_detect=false, delim={sql_string(_WHOLE_LINE)}, quote='', escape='', "
        f"nullstr={sql_string(_NO_NULL)}, skip={spec.skip_header}{_hive(keys)})"
    )
    marked = (
        f"string_split(replace(replace(line, {sql_string(escape * 2)}, '{_ESCAPED_ESCAPE}'), "
        f"{sql_string(escape + delim)}, '{_ESCAPED_DELIM}'), {sql_string(delim)})"
    )
    key_names = [quote_ident(k.name) for k in keys]
    split = select_from(", ".join([f"{marked} AS __fields", *key_names]), inner)

    def field(column: Column) -> str:
        part = f"__fields[{columns.index(column) + 1}]"
        raw = (
            f"replace(replace({part}, '{_ESCAPED_DELIM}', {sql_string(escape + delim)}), "
            f"'{_ESCAPED_ESCAPE}', {sql_string(escape * 2)})"
        )
        unescaped = (
            f"replace(replace(regexp_replace({part}, {sql_string(re.escape(escape) + '(.)')}, "
            f"'\\1', 'g'), '{_ESCAPED_DELIM}', {sql_string(delim)}), "
            f"'{_ESCAPED_ESCAPE}', {sql_string(escape)})"
        )
        return f"CASE WHEN {raw} = {sql_string(null)} THEN NULL ELSE {unescaped} END"

    return select_from(_with_keys(_typed(columns, field), keys), f"({split})")


def _lazy_simple_reader(
    files: list[str], columns: list[Column], spec: StorageSpec, keys: list[Column]
) -> str:
    params = spec.serde_params
    fmt = params.get("serialization.format", "")
    delim = params.get("field.delim") or (fmt if fmt and not fmt.isdigit() else "\x01")
    null = params.get("serialization.null.format", "\\N")
    if params.get("escape.delim"):
        return _escaped_scan(files, columns, spec, keys, delim, null)
    return _csv_scan(
        files,
        columns,
        {
            "delim": sql_string(delim),
            "quote": "''",
            "nullstr": sql_string(null),
            "skip": str(spec.skip_header),
        },
        keys,
    )


# OpenCSVSerde has no NULL marker: every field is a string, an empty field is ''.
_NO_NULL = "\x1e\x1fno-null"


def _open_csv_reader(
    files: list[str], columns: list[Column], spec: StorageSpec, keys: list[Column]
) -> str:
    params = spec.serde_params
    quote = params.get("quoteChar", '"')
    # DuckDB knows one escape inside quotes; OpenCSV honours both "" and its escape character:
    # "" is read by DuckDB, the escape character is applied afterwards.
    return _csv_scan(
        files,
        columns,
        {
            "delim": sql_string(params.get("separatorChar", ",")),
            "quote": sql_string(quote),
            "escape": sql_string(quote),
            "nullstr": sql_string(_NO_NULL),
            "skip": str(spec.skip_header),
        },
        keys,
        escape=params.get("escapeChar", "\\"),
    )


def _flag(params: dict[str, str], name: str, default: bool) -> bool:
    value = params.get(name)
    return default if value is None else value.strip().lower() == "true"


def _json_reader(
    files: list[str], columns: list[Column], spec: StorageSpec, keys: list[Column]
) -> str:
    """JSON lines as the Hive and OpenX JSON SerDes read them.

    Keys match column names ignoring case (OpenX: unless ``case.insensitive`` is false);
    OpenX also honours ``mapping.<column>`` (the key a column reads), ``dots.in.keys``
    (``a.b`` read as column ``a_b``) and ``ignore.malformed.json`` (a malformed line is a
    row of NULLs instead of a failed query). Keys of nested structs match exactly.
    """
    params = {k.lower(): v for k, v in spec.serde_params.items()}
    openx = spec.serde == OPENX_JSON_SERDE
    ignore_case = not openx or _flag(params, "case.insensitive", True)
    dots = openx and _flag(params, "dots.in.keys", False)
    ignore_malformed = openx and _flag(params, "ignore.malformed.json", False)
    mapping = {k[len("mapping.") :]: v for k, v in params.items() if k.startswith("mapping.")}
    key = "lower(e.key)" if ignore_case else "e.key"
    if dots:
        key = f"replace({key}, '.', '_')"
    # one map per row: the object's keys as the SerDe names them (duplicates fail the read)
    entries = (
        "map_from_entries(list_transform(map_entries(CAST(json AS MAP(VARCHAR, JSON))), "
        f"e -> struct_pack(key := {key}, value := e.value)))"
    )
    lines = (
        f"read_ndjson_objects({sql_list(files)}, "
        f"ignore_errors={'true' if ignore_malformed else 'false'}{_hive(keys)})"
    )
    objects = select_from(
        ", ".join([f"{entries} AS __object", *(quote_ident(k.name) for k in keys)]), lines
    )
    inner = f"({objects})"

    def value(column: Column) -> str:
        name = openx and mapping.get(column.name) or column.name
        found = f"__object[{sql_string(name.lower() if ignore_case else name)}]"
        if is_string_type(column.type):  # a string as its text, anything else as its JSON
            return f"json_transform({found}, '\"VARCHAR\"')"
        return f"TRY_CAST({found} AS {hive_to_duckdb(column.type)})"

    projection = ", ".join(f"{value(c)} AS {quote_ident(c.name)}" for c in columns)
    return select_from(_with_keys(projection, keys), inner)


def _parquet_reader(
    files: list[str], columns: list[Column], spec: StorageSpec, keys: list[Column]
) -> str:
    del spec
    inner = f"read_parquet({sql_list(files)}, union_by_name=true{_hive(keys)})"
    select = ", ".join(
        f"CAST({quote_ident(c.name)} AS {hive_to_duckdb(c.type)}) AS {quote_ident(c.name)}"
        for c in columns
    )
    return select_from(_with_keys(select, keys), inner)


# (files, data columns, storage, partition keys read from key=value folders) -> SELECT
Reader = Callable[[list[str], list[Column], StorageSpec, list[Column]], str]

READERS_BY_SERDE: dict[str, Reader] = {
    LAZY_SIMPLE_SERDE: _lazy_simple_reader,
    OPEN_CSV_SERDE: _open_csv_reader,
    PARQUET_SERDE: _parquet_reader,
    HIVE_JSON_SERDE: _json_reader,
    OPENX_JSON_SERDE: _json_reader,
}
READERS_BY_INPUT: dict[str, Reader] = {
    PARQUET_INPUT: _parquet_reader,
    TEXT_INPUT: _lazy_simple_reader,
}


TEXT_READERS = frozenset({_lazy_simple_reader, _open_csv_reader, _json_reader})


def is_text(spec: StorageSpec) -> bool:
    """Whether a table's files are text (CSV, delimited, JSON lines), which may be compressed."""
    reader = READERS_BY_SERDE.get(spec.serde) or READERS_BY_INPUT.get(spec.input_format)
    return reader in TEXT_READERS


def reader_for(spec: StorageSpec, table_name: str) -> Reader:
    reader = READERS_BY_SERDE.get(spec.serde) or READERS_BY_INPUT.get(spec.input_format)
    if reader is None:
        raise AthenaQueryError(
            "HIVE_UNSUPPORTED_FORMAT",
            f"Unable to create input format for table {table_name} "
            f"(SerDe {spec.serde or 'none'}, InputFormat {spec.input_format or 'none'})",
        )
    return reader


ARROW_READERS: dict[str, ArrowReader] = {
    ORC_SERDE: read_orc,
    AVRO_SERDE: read_avro,
    ORC_INPUT: read_orc,
    AVRO_INPUT: read_avro,
}


def arrow_reader_for(spec: StorageSpec) -> ArrowReader | None:
    """Formats DuckDB cannot scan, read through Arrow (by SerDe, then InputFormat)."""
    return ARROW_READERS.get(spec.serde) or ARROW_READERS.get(spec.input_format)


def empty_scan(columns: list[Column]) -> str:
    select = ", ".join(
        f"CAST(NULL AS {hive_to_duckdb(c.type)}) AS {quote_ident(c.name)}" for c in columns
    )
    return f"SELECT {select} LIMIT 0"


# ---------------------------------------------------------------- writers (CTAS / INSERT)


@dataclass(frozen=True)
class Writer:
    """How one CTAS ``format`` is written by DuckDB and registered in Glue."""

    name: str
    classification: str
    serde: str
    input_format: str
    output_format: str
    copy_format: str
    compressions: dict[str, str]  # Athena write_compression -> DuckDB COMPRESSION
    default_compression: str
    extension: str
    extra_copy_options: Callable[[dict[str, str]], dict[str, str]] = field(default=lambda props: {})
    serde_params: Callable[[dict[str, str]], dict[str, str]] = field(
        default=lambda props: {"serialization.format": "1"}
    )
    compression_parameter: str | None = None
    arrow_writer: ArrowWriter | None = None  # set for formats written through Arrow


def _text_copy_options(props: dict[str, str]) -> dict[str, str]:
    return {
        "DELIMITER": sql_string(props.get("field_delimiter", "\x01")),
        "HEADER": "false",
        "QUOTE": "''",
        "ESCAPE": "''",
        "NULLSTR": sql_string("\\N"),
    }


def _text_serde_params(props: dict[str, str]) -> dict[str, str]:
    delim = props.get("field_delimiter", "\x01")
    return {"field.delim": delim, "serialization.format": delim}


_TEXT_COMPRESSIONS = {"GZIP": "gzip", "ZSTD": "zstd", "NONE": "uncompressed"}

WRITERS: dict[str, Writer] = {
    "PARQUET": Writer(
        name="PARQUET",
        classification="parquet",
        serde=PARQUET_SERDE,
        input_format=PARQUET_INPUT,
        output_format=PARQUET_OUTPUT,
        copy_format="parquet",
        compressions={
            "SNAPPY": "snappy",
            "GZIP": "gzip",
            "ZSTD": "zstd",
            "NONE": "uncompressed",
        },
        default_compression="GZIP",
        extension="parquet",
        compression_parameter="parquet.compression",
    ),
    "TEXTFILE": Writer(
        name="TEXTFILE",
        classification="csv",
        serde=LAZY_SIMPLE_SERDE,
        input_format=TEXT_INPUT,
        output_format=TEXT_OUTPUT,
        copy_format="csv",
        compressions=_TEXT_COMPRESSIONS,
        default_compression="GZIP",
        extension="txt",
        extra_copy_options=_text_copy_options,
        serde_params=_text_serde_params,
    ),
    "JSON": Writer(
        name="JSON",
        classification="json",
        serde=HIVE_JSON_SERDE,
        input_format=TEXT_INPUT,
        output_format=TEXT_OUTPUT,
        copy_format="json",
        compressions=_TEXT_COMPRESSIONS,
        default_compression="GZIP",
        extension="json",
    ),
}

WRITERS["ORC"] = Writer(
    name="ORC",
    classification="orc",
    serde=ORC_SERDE,
    input_format=ORC_INPUT,
    output_format=ORC_OUTPUT,
    copy_format="orc",
    compressions={k: k for k in ORC_COMPRESSIONS},
    default_compression="ZLIB",
    extension="orc",
    compression_parameter="orc.compress",
    arrow_writer=write_orc,
)
WRITERS["AVRO"] = Writer(
    name="AVRO",
    classification="avro",
    serde=AVRO_SERDE,
    input_format=AVRO_INPUT,
    output_format=AVRO_OUTPUT,
    copy_format="avro",
    compressions={k: k for k in AVRO_CODECS},
    default_compression="DEFLATE",
    extension="avro",
    compression_parameter="avro.compression",
    arrow_writer=write_avro,
)

# Formats Athena can write but the local engine cannot: rejected with the reason, never faked.
UNWRITABLE: dict[str, str] = {
    "ION": "the local engine has no Ion writer; use format = 'PARQUET'",
}

_COMPRESSION_EXTENSIONS = {"gzip": ".gz", "zstd": ".zst"}


# write_compression values Athena (engine v3, Hive tables) accepts per format: its "Hive
# compression support" table. A writer may support fewer; those are refused, never faked.
CODECS = frozenset({"BZIP2", "DEFLATE", "GZIP", "LZ4", "LZO", "SNAPPY", "ZLIB", "ZSTD", "NONE"})
_TEXT_CODECS = frozenset({"BZIP2", "GZIP", "LZ4", "SNAPPY", "ZSTD", "NONE"})
ATHENA_CODECS: dict[str, frozenset[str]] = {
    "AVRO": frozenset({"BZIP2", "DEFLATE", "SNAPPY", "ZSTD", "NONE"}),
    "ORC": frozenset({"LZ4", "SNAPPY", "ZLIB", "ZSTD", "NONE"}),
    "PARQUET": frozenset({"GZIP", "SNAPPY", "ZSTD", "NONE"}),
    "TEXTFILE": _TEXT_CODECS,
    "JSON": _TEXT_CODECS,
}
_HUMAN_NAMES = {"PARQUET": "Parquet", "TEXTFILE": "TextFile", "JSON": "JSON"}


def check_compression(writer: Writer, compression: str) -> str:
    """The writer's name for an Athena ``write_compression``, or Athena's error for it."""
    if compression not in CODECS:
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY",
            f"Catalog 'awsdatacatalog' table property 'write_compression' value "
            f"'{compression}' is invalid",
        )
    if compression not in ATHENA_CODECS[writer.name]:
        raise AthenaQueryError(
            "HIVE_UNSUPPORTED_FORMAT",
            f"Compression codec {compression} not supported for "
            f"{_HUMAN_NAMES.get(writer.name, writer.name)}",
        )
    if compression not in writer.compressions:
        raise AthenaQueryError(
            "NOT_SUPPORTED",
            f"Writing {writer.name} with {compression} compression is not supported by the "
            f"local engine (it writes {', '.join(sorted(writer.compressions))})",
        )
    return writer.compressions[compression]


def writer_for(fmt: str) -> Writer:
    upper = fmt.upper()
    if upper in UNWRITABLE:
        raise AthenaQueryError(
            "NOT_SUPPORTED", f"Writing {upper} is not supported: {UNWRITABLE[upper]}"
        )
    if upper not in WRITERS:
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY",
            f"Catalog 'awsdatacatalog' table property 'format' value '{fmt}' is invalid",
        )
    return WRITERS[upper]


def file_extension(writer: Writer, compression: str) -> str:
    if writer.copy_format == "parquet":
        return writer.extension
    return writer.extension + _COMPRESSION_EXTENSIONS.get(compression, "")
