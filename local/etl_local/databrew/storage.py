"""DuckDB as a DataBrew job sees data: dataset inputs in, job outputs out.

Inputs: S3 (CSV with its format options, JSON, Parquet, Excel), with DataBrew's dynamic
paths (``{param}`` and ``<regex>`` in the key) and Hive-style partition folders; or a Glue Data
Catalog table (its location and format). Outputs: CSV, JSON, Parquet (DuckDB), ORC and Avro
(Arrow) with the compressions DataBrew allows per format, partition columns, overwrite; XML and
Tableau Hyper are refused with DataBrew-style errors. ``s3://`` goes through httpfs, pointed at the local API plane;
the httpfs binary comes from the ``duckdb-extension-httpfs`` package, never the network.
Local files work the same way (the CLI).
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extension_httpfs
import fastavro
import pyarrow as pa
import pyarrow.orc as orc

from etl_local.awserrors import ValidationException
from etl_local.databrew.base import ident, lit
from etl_local.databrew.operations.dates import strftime_pattern

LOCAL_KEY = "local"


def httpfs_extension_path() -> Path:
    package = Path(duckdb_extension_httpfs.__file__).parent
    matches = sorted(package.glob(f"extensions/v{duckdb.__version__}/httpfs.duckdb_extension"))
    if not matches:
        raise RuntimeError(f"duckdb-extension-httpfs has no httpfs for duckdb {duckdb.__version__}")
    return matches[0]


def connect(
    endpoint_url: str | None = None, region: str = "us-east-1"
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB; with ``endpoint_url``, its ``s3://`` is that endpoint."""
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET enable_progress_bar = false")
    if endpoint_url:
        con.execute(f"LOAD {lit(str(httpfs_extension_path()))}")
        settings = {
            "s3_endpoint": urllib.parse.urlsplit(endpoint_url).netloc,
            "s3_use_ssl": "false",
            "s3_url_style": "path",
            "s3_region": region,
            "s3_access_key_id": LOCAL_KEY,
            "s3_secret_access_key": LOCAL_KEY,
        }
        for name, value in settings.items():
            con.execute(f"SET {name} = {lit(value)}")
    return con


# ----------------------------------------------------------------------------- inputs


def _csv(paths: list[str], options: Mapping[str, Any]) -> str:
    csv = options.get("Csv") or {}
    args = [
        f"delim = {lit(csv.get('Delimiter', ','))}",
        f"header = {str(csv.get('HeaderRow', True)).lower()}",
    ]
    return f"read_csv({_list(paths)}, {', '.join(args)}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false)"


def _json(paths: list[str], options: Mapping[str, Any]) -> str:
    multi = bool((options.get("Json") or {}).get("MultiLine"))
    form = "'array'" if multi else "'newline_delimited'"
    return f"read_json({_list(paths)}, format = {form}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false)"


def _parquet(paths: list[str], options: Mapping[str, Any]) -> str:
    return f"read_parquet({_list(paths)}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false)"


def _not_sql(paths: list[str], options: Mapping[str, Any]) -> str:
    raise ValidationException("EXCEL and ORC datasets are read through Python (register_*).")


READERS: dict[str, Callable[[list[str], Mapping[str, Any]], str]] = {
    "CSV": _csv,
    "JSON": _json,
    "PARQUET": _parquet,
    "EXCEL": _not_sql,
    "ORC": _not_sql,
}
EXTENSIONS = {
    ".csv": "CSV",
    ".json": "JSON",
    ".jsonl": "JSON",
    ".ndjson": "JSON",
    ".parquet": "PARQUET",
}
EXTENSIONS |= {".xlsx": "EXCEL", ".orc": "ORC"}


def _list(paths: list[str]) -> str:
    return "[" + ", ".join(lit(p) for p in paths) + "]"


def reader_sql(
    paths: list[str],
    data_format: str,
    options: Mapping[str, Any] | None = None,
    filename: bool = False,
) -> str:
    """A table function reading ``paths`` (s3:// URLs or local files) in DataBrew's format;
    with ``filename``, each row also carries its file's URL in column ``filename``."""
    if data_format not in READERS:
        raise ValidationException(f"Unsupported dataset format {data_format}.")
    if not paths:
        raise ValidationException("The dataset has no input files.")
    sql = READERS[data_format](paths, options or {})
    return sql[:-1] + ", filename = true)" if filename else sql


def format_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValidationException(
            f"Cannot tell the format of '{path}': use {', '.join(EXTENSIONS)}."
        )
    return EXTENSIONS[suffix]


def register_excel(
    con: duckdb.DuckDBPyConnection, name: str, data: bytes | Path, options: Mapping[str, Any]
) -> None:
    """Loads an Excel workbook sheet (``FormatOptions.Excel``) as table ``name``."""
    import io

    import openpyxl

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    excel = options.get("Excel") or {}
    if excel.get("SheetNames"):
        sheet = book[excel["SheetNames"][0]]
    else:
        sheet = book.worksheets[int((excel.get("SheetIndexes") or [0])[0])]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = excel.get("HeaderRow", True)
    names = (
        [str(c) for c in rows[0]]
        if header and rows
        else [f"Column_{i + 1}" for i in range(len(rows[0]) if rows else 0)]
    )
    body = rows[1:] if header else rows
    import pandas as pd

    frame = pd.DataFrame(body, columns=names)
    con.register(f"{name}_df", frame)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT * FROM {ident(name + '_df')}"
    )


def register_orc(
    con: duckdb.DuckDBPyConnection, name: str, files: list[tuple[str, bytes | Path]]
) -> None:
    """ORC files (which DuckDB cannot read) through pyarrow, as table ``name``; each row also
    carries its file's URL in column ``filename``."""
    tables = []
    for url, data in files:
        table = orc.ORCFile(io.BytesIO(data) if isinstance(data, bytes) else str(data)).read()
        tables.append(table.append_column("filename", pa.array([url] * table.num_rows)))
    combined = pa.concat_tables(tables, promote_options="default")
    con.register(f"{name}_arrow", combined)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT * FROM {ident(name + '_arrow')}"
    )
    con.unregister(f"{name}_arrow")


_PARAM = re.compile(r"\{([^}/]+)\}|<([^>]+)>")


def resolve_s3_input(
    s3: Any, bucket: str, key: str, path_options: Mapping[str, Any] | None = None
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The object URLs a dataset's S3 input names, and per URL the values of its ``{param}``s.

    A key ending in ``/`` is a folder (every data file below it, hidden ``_``/``.`` names
    skipped); ``{name}`` matches one path segment and ``<regex>`` a regular expression.
    A parameter's ``Filter`` keeps the files whose value satisfies it;
    ``PathOptions.FilesLimit`` then keeps the newest/oldest ``MaxFiles``.
    """
    first = _PARAM.search(key)
    prefix = key[: first.start()] if first else key
    pattern = _key_regex(key) if first else None
    found: list[tuple[str, dict[str, str], Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"]
            relative = name[len(prefix) :]
            if name.endswith("/") or _hidden(relative):
                continue
            values: dict[str, str] = {}
            if pattern is not None:
                match = pattern.fullmatch(name)
                if not match:
                    continue
                values = {k: v for k, v in match.groupdict().items() if not k.startswith("_re")}
            elif not (name == key or key.endswith("/") or relative.startswith("/")):
                continue
            if not _filters_hold(values, path_options):
                continue
            found.append((f"s3://{bucket}/{name}", values, obj.get("LastModified")))
    limit = (path_options or {}).get("FilesLimit")
    if limit:
        newest_first = limit.get("Order", "DESCENDING") == "DESCENDING"
        found.sort(key=lambda f: f[2], reverse=newest_first)
        found = found[: int(limit["MaxFiles"])]
    return [f[0] for f in found], {f[0]: f[1] for f in found}


# ----------------------------------------------------------------------------- dynamic paths
# PathOptions.Parameters: each {name} in the key is a DatasetParameter with a Type (String,
# Number, Datetime with DatetimeOptions.Format), an optional Filter (FilterExpression: condition
# names applied to ``:variables`` of its ValuesMap, combined with and/or/parentheses) and
# CreateColumn (its value becomes a typed column).


def parameter_definitions(path_options: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """The dataset's parameters by their regex group name."""
    params = ((path_options or {}).get("Parameters") or {}).values()
    return {group_name(p["Name"]): p for p in params}


def _python_format(definition: Mapping[str, Any]) -> str | None:
    pattern = (definition.get("DatetimeOptions") or {}).get("Format")
    return strftime_pattern(pattern) if pattern else None


def _parse(raw: str, definition: Mapping[str, Any]) -> Any:
    """A parameter's text as its Type's value (for filters)."""
    kind = definition.get("Type", "String")
    if kind == "Number":
        return float(raw)
    if kind == "Datetime":
        fmt = _python_format(definition)
        return datetime.strptime(raw, fmt) if fmt else datetime.fromisoformat(raw)
    return raw


def parameter_sql(raw: str, definition: Mapping[str, Any]) -> str:
    """A parameter's value from a file's key as a typed SQL value (CreateColumn)."""
    kind = definition.get("Type", "String")
    if kind == "Number":
        return f"TRY_CAST({lit(raw)} AS DOUBLE)"
    if kind == "Datetime":
        fmt = _python_format(definition)
        return (
            f"try_strptime({lit(raw)}, {lit(fmt)})" if fmt else f"TRY_CAST({lit(raw)} AS TIMESTAMP)"
        )
    return lit(raw)


FILTER_CONDITIONS: dict[str, Callable[[Any, Any], bool]] = {
    "is": lambda v, x: v == x,
    "is_not": lambda v, x: v != x,
    "contains": lambda v, x: str(x) in str(v),
    "not_contains": lambda v, x: str(x) not in str(v),
    "starts_with": lambda v, x: str(v).startswith(str(x)),
    "not_starts_with": lambda v, x: not str(v).startswith(str(x)),
    "ends_with": lambda v, x: str(v).endswith(str(x)),
    "not_ends_with": lambda v, x: not str(v).endswith(str(x)),
    "matches": lambda v, x: re.fullmatch(str(x), str(v)) is not None,
    "not_matches": lambda v, x: re.fullmatch(str(x), str(v)) is None,
    "less_than": lambda v, x: v < x,
    "less_than_equal": lambda v, x: v <= x,
    "greater_than": lambda v, x: v > x,
    "greater_than_equal": lambda v, x: v >= x,
    "after": lambda v, x: v > x,
    "before": lambda v, x: v < x,
}
FILTER_CONDITIONS |= {
    "==": FILTER_CONDITIONS["is"],
    "!=": FILTER_CONDITIONS["is_not"],
    "<": FILTER_CONDITIONS["less_than"],
    "<=": FILTER_CONDITIONS["less_than_equal"],
    ">": FILTER_CONDITIONS["greater_than"],
    ">=": FILTER_CONDITIONS["greater_than_equal"],
}
_FILTER_TOKEN = re.compile(r"\(|\)|:[A-Za-z0-9_]+|[<>=!]+|[A-Za-z_]+|\S")
_TEXT_CONDITIONS = {"contains", "not_contains", "starts_with", "not_starts_with"}
_TEXT_CONDITIONS |= {"ends_with", "not_ends_with", "matches", "not_matches"}


def _filters_hold(values: Mapping[str, str], path_options: Mapping[str, Any] | None) -> bool:
    return all(
        filter_holds(definition["Filter"], values[name], definition)
        for name, definition in parameter_definitions(path_options).items()
        if definition.get("Filter") and name in values
    )


def filter_holds(expression: Mapping[str, Any], raw: str, definition: Mapping[str, Any]) -> bool:
    """Whether a parameter's value satisfies its FilterExpression."""
    tokens = _FILTER_TOKEN.findall(expression.get("Expression", ""))
    variables = expression.get("ValuesMap") or {}
    value = _parse(raw, definition)
    pos = 0

    def error(detail: str) -> ValidationException:
        return ValidationException(
            f"Invalid filter expression '{expression.get('Expression')}' of parameter "
            f"{definition.get('Name')}: {detail}"
        )

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise error("it ends too early.")
        pos += 1
        return tokens[pos - 1]

    def disjunction() -> bool:
        result = conjunction()
        while pos < len(tokens) and tokens[pos].lower() == "or":
            take()
            result = conjunction() or result  # both sides are parsed
        return result

    def conjunction() -> bool:
        result = condition()
        while pos < len(tokens) and tokens[pos].lower() == "and":
            take()
            result = condition() and result
        return result

    def condition() -> bool:
        token = take()
        if token == "(":
            result = disjunction()
            if take() != ")":
                raise error("a parenthesis is not closed.")
            return result
        test = FILTER_CONDITIONS.get(token.lower())
        if test is None:
            raise error(f"unknown condition '{token}'.")
        variable = take()
        if variable not in variables:
            raise error(f"'{variable}' is not in its ValuesMap.")
        text = variables[variable]
        operand = text if token.lower() in _TEXT_CONDITIONS else _parse(text, definition)
        return test(value, operand)

    result = disjunction()
    if pos != len(tokens):
        raise error(f"unexpected '{tokens[pos]}'.")
    return result


def _hidden(relative: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative.split("/")[:-1] if part) or Path(
        relative
    ).name.startswith(("_", "."))


def _key_regex(key: str) -> re.Pattern[str]:
    out, pos, n = [], 0, 0
    for match in _PARAM.finditer(key):
        out.append(re.escape(key[pos : match.start()]))
        if match.group(1):
            out.append(f"(?P<{group_name(match.group(1))}>[^/]+)")
        else:
            n += 1
            out.append(f"(?P<_re{n}>{match.group(2)})")
        pos = match.end()
    tail = key[pos:]
    out.append(re.escape(tail) + (".*" if tail.endswith("/") or not tail else ""))
    return re.compile("".join(out))


def group_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


# ----------------------------------------------------------------------------- outputs

# The compressions DataBrew allows for each output format (the DataBrew developer guide's
# table of job output file types); a Tableau Hyper file is never compressed.
_TEXT_CODECS = frozenset({"SNAPPY", "GZIP", "LZ4", "BZIP2", "DEFLATE", "BROTLI"})
_PARQUET_CODECS = frozenset({"SNAPPY", "GZIP", "LZ4", "LZO", "BROTLI", "ZSTD"})
DATABREW_COMPRESSIONS: dict[str, frozenset[str]] = {
    "CSV": _TEXT_CODECS,
    "JSON": _TEXT_CODECS,
    "XML": _TEXT_CODECS,
    "PARQUET": _PARQUET_CODECS,
    "GLUEPARQUET": _PARQUET_CODECS,
    "AVRO": _TEXT_CODECS,
    "ORC": frozenset({"SNAPPY", "LZO", "ZLIB"}),
    "TABLEAUHYPER": frozenset(),
}
# What this runtime writes: format -> CompressionFormat (None: not given) -> the local
# writer's codec. DuckDB writes CSV, JSON and Parquet; pyarrow ORC; fastavro Avro
# (uncompressed unless asked otherwise; LZ4 would need a library fastavro does not bundle).
# XML and Tableau Hyper have no local writer: such a job fails, naming the format.
LOCAL_CODECS: dict[str, dict[str | None, str]] = {
    "CSV": {None: "none", "GZIP": "gzip"},
    "JSON": {None: "none", "GZIP": "gzip"},
    "PARQUET": {
        None: "snappy",
        "SNAPPY": "snappy",
        "GZIP": "gzip",
        "ZSTD": "zstd",
        "LZ4": "lz4_raw",
        "BROTLI": "brotli",
    },
    "AVRO": {None: "null", "DEFLATE": "deflate", "BZIP2": "bzip2", "SNAPPY": "snappy"},
    "ORC": {None: "snappy", "SNAPPY": "snappy", "ZLIB": "zlib"},
}
LOCAL_CODECS["GLUEPARQUET"] = LOCAL_CODECS["PARQUET"]
CODEC_SUFFIXES = {"gzip": ".gz", "zstd": ".zst"}  # compressed text files
FILE_EXTENSIONS = {"PARQUET": "parquet", "CSV": "csv", "JSON": "json", "AVRO": "avro", "ORC": "orc"}
FILE_EXTENSIONS["GLUEPARQUET"] = "parquet"


@dataclass(frozen=True)
class OutputFormat:
    """How one job output is written: its format, the local codec, the file name ending."""

    name: str  # DataBrew's Format
    codec: str
    delimiter: str = ","  # CSV only

    @property
    def extension(self) -> str:
        ext = FILE_EXTENSIONS[self.name]
        return ext + CODEC_SUFFIXES.get(self.codec, "") if ext in ("csv", "json") else ext

    @property
    def copy_options(self) -> dict[str, str] | None:
        """DuckDB COPY options, or None for a format written through Arrow."""
        if self.name in ARROW_WRITERS:
            return None
        fmt = "parquet" if self.name == "GLUEPARQUET" else self.name.lower()
        options = {"FORMAT": fmt, "COMPRESSION": lit(self.codec)}
        if self.name == "CSV":
            options |= {"HEADER": "true", "DELIMITER": lit(self.delimiter)}
        return options


def output_format(
    data_format: str | None,
    compression: str | None = None,
    format_options: Mapping[str, Any] | None = None,
) -> OutputFormat:
    """Checks an output's Format and CompressionFormat as DataBrew does, then whether this
    runtime can write them; raises ValidationException naming what is not possible."""
    fmt = data_format or "CSV"
    if fmt not in DATABREW_COMPRESSIONS:
        allowed = ", ".join(DATABREW_COMPRESSIONS)
        raise ValidationException(
            f"Value '{fmt}' at 'outputs.member.format' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{allowed}]"
        )
    if compression and compression not in DATABREW_COMPRESSIONS[fmt]:
        raise ValidationException(f"Compression format {compression} is not supported for {fmt}.")
    if fmt not in LOCAL_CODECS:
        raise ValidationException(
            f"Output format {fmt} is not supported by the local DataBrew runtime "
            f"(it writes {', '.join(LOCAL_CODECS)})."
        )
    if compression not in LOCAL_CODECS[fmt]:
        local = ", ".join(c for c in LOCAL_CODECS[fmt] if c)
        raise ValidationException(
            f"Compression format {compression} for {fmt} is not supported by the local DataBrew "
            f"runtime (it writes {fmt} with {local})."
        )
    delimiter = ((format_options or {}).get("Csv") or {}).get("Delimiter", ",")
    return OutputFormat(fmt, LOCAL_CODECS[fmt][compression], delimiter)


def copy_options(
    data_format: str, compression: str | None, format_options: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """DuckDB COPY options for a DataBrew output DuckDB writes (CSV, JSON, Parquet)."""
    options = output_format(data_format, compression, format_options).copy_options
    if options is None:
        raise ValidationException(f"{data_format} is not written by DuckDB's COPY.")
    return options


# ----------------------------------------------------------------------------- Arrow writers


def _avro_type(arrow: pa.DataType, name: str) -> Any:
    """An Arrow type as the Avro type Spark's Avro writer gives it."""
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        return "string"
    if pa.types.is_boolean(arrow):
        return "boolean"
    if pa.types.is_integer(arrow):
        return "long" if arrow.bit_width == 64 else "int"
    if pa.types.is_floating(arrow):
        return "float" if arrow.bit_width == 32 else "double"
    if pa.types.is_date(arrow):
        return {"type": "int", "logicalType": "date"}
    if pa.types.is_timestamp(arrow):
        return {"type": "long", "logicalType": "timestamp-micros"}
    if pa.types.is_decimal(arrow):
        return {
            "type": "bytes",
            "logicalType": "decimal",
            "precision": arrow.precision,
            "scale": arrow.scale,
        }
    if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow):
        return "bytes"
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return {"type": "array", "items": ["null", _avro_type(arrow.value_type, name)]}
    if pa.types.is_struct(arrow):
        fields = [
            {"name": f.name, "type": ["null", _avro_type(f.type, f"{name}_{f.name}")]}
            for f in arrow
        ]
        return {"type": "record", "name": name, "fields": fields}
    raise ValidationException(f"Column type {arrow} cannot be written as Avro.")


def _write_avro(table: pa.Table, codec: str) -> bytes:
    fields = [
        {"name": f.name, "type": ["null", _avro_type(f.type, f.name)], "default": None}
        for f in table.schema
    ]
    schema = {"type": "record", "name": "topLevelRecord", "fields": fields}
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, table.to_pylist(), codec=codec)
    return buffer.getvalue()


def _write_orc(table: pa.Table, codec: str) -> bytes:
    buffer = io.BytesIO()
    orc.write_table(table, buffer, compression=codec)
    return buffer.getvalue()


ARROW_WRITERS: dict[str, Callable[[pa.Table, str], bytes]] = {
    "AVRO": _write_avro,
    "ORC": _write_orc,
}

# (URL or local path, file contents): how a file written through Arrow is stored
Put = Callable[[str, bytes], None]


def put_local(url: str, data: bytes) -> None:
    if url.startswith("s3://"):
        raise ValueError(f"{url}: pass a put that writes to S3")
    Path(url).parent.mkdir(parents=True, exist_ok=True)
    Path(url).write_bytes(data)


# ----------------------------------------------------------------------------- writing


def write_output(
    con: duckdb.DuckDBPyConnection,
    query: str,
    target: str,
    fmt: OutputFormat,
    partition_columns: list[str] | None,
    file_stem: str,
    put: Put = put_local,
) -> None:
    """Writes the query's rows under folder ``target`` as ``<file_stem>_part00000`` files, in
    Hive folders ``col=value/`` when partitioned (partition columns leave the files).

    One file per output, or per partition: always within DataBrew's ``MaxOutputFiles``
    (at most N files per output or per partition, N >= 1)."""
    folder = target.rstrip("/")
    options = fmt.copy_options
    if partition_columns and options is not None and options["FORMAT"] in NATIVE_PARTITIONING:
        options |= {
            "PARTITION_BY": "(" + ", ".join(ident(c) for c in partition_columns) + ")",
            "OVERWRITE_OR_IGNORE": "true",
            "FILENAME_PATTERN": lit(f"{file_stem}_part{{i}}"),
        }
        _copy(con, query, folder, options)
        return

    def write_file(rows: str, destination: str) -> None:
        if options is not None:
            _copy(con, rows, destination, options)
        else:
            put(
                destination,
                ARROW_WRITERS[fmt.name](con.execute(rows).fetch_arrow_table(), fmt.codec),
            )

    name = f"{file_stem}_part00000.{fmt.extension}"
    if partition_columns:  # one file per partition where DuckDB cannot partition the format
        _write_partitions(con, query, folder, partition_columns, name, write_file)
    else:
        write_file(query, f"{folder}/{name}")


NATIVE_PARTITIONING = {"parquet", "csv"}


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, destination: str, options: Mapping[str, str]
) -> None:
    settings = ", ".join(f"{k} {v}" for k, v in options.items())
    con.execute(f"COPY ({query}) TO {lit(destination)} ({settings})")


def _write_partitions(
    con: duckdb.DuckDBPyConnection,
    query: str,
    folder: str,
    columns: list[str],
    name: str,
    write_file: Callable[[str, str], None],
) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE brew_partitioned AS {query}")
    keys = ", ".join(ident(c) for c in columns)
    for values in con.execute(f"SELECT DISTINCT {keys} FROM brew_partitioned").fetchall():
        path = "/".join(
            f"{c}={'__HIVE_DEFAULT_PARTITION__' if v is None else v}"
            for c, v in zip(columns, values, strict=True)
        )
        match = " AND ".join(
            f"{ident(c)} IS NULL" if v is None else f"CAST({ident(c)} AS VARCHAR) = {lit(str(v))}"
            for c, v in zip(columns, values, strict=True)
        )
        rows = f"SELECT * EXCLUDE ({keys}) FROM brew_partitioned WHERE {match}"
        write_file(rows, f"{folder}/{path}/{name}")
    con.execute("DROP TABLE brew_partitioned")
