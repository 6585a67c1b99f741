"""DuckDB as a DataBrew job sees data: dataset inputs in, job outputs out.

Inputs: S3 (CSV with its format options, JSON, Parquet, Excel), with DataBrew's dynamic
paths (``{param}`` and ``<regex>`` in the key) and Hive-style partition folders; or a Glue Data
Catalog table (its location and format). Outputs: CSV, JSON, Parquet with compression,
partition columns, overwrite. ``s3://`` goes through httpfs, pointed at the local API plane;
the httpfs binary comes from the ``duckdb-extension-httpfs`` package, never the network.
Local files work the same way (the CLI).
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extension_httpfs

from etl_local.awserrors import ValidationException
from etl_local.databrew.base import ident, lit

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


def _excel(paths: list[str], options: Mapping[str, Any]) -> str:
    raise ValidationException("EXCEL datasets are read by read_excel_dataset, not by SQL.")


READERS: dict[str, Callable[[list[str], Mapping[str, Any]], str]] = {
    "CSV": _csv,
    "JSON": _json,
    "PARQUET": _parquet,
    "EXCEL": _excel,
}
EXTENSIONS = {
    ".csv": "CSV",
    ".json": "JSON",
    ".jsonl": "JSON",
    ".ndjson": "JSON",
    ".parquet": "PARQUET",
}
EXTENSIONS |= {".xlsx": "EXCEL"}


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


_PARAM = re.compile(r"\{([^}/]+)\}|<([^>]+)>")


def resolve_s3_input(
    s3: Any, bucket: str, key: str, path_options: Mapping[str, Any] | None = None
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The object URLs a dataset's S3 input names, and per URL the values of its ``{param}``s.

    A key ending in ``/`` is a folder (every data file below it, hidden ``_``/``.`` names
    skipped); ``{name}`` matches one path segment and ``<regex>`` a regular expression.
    ``PathOptions.FilesLimit`` keeps the newest/oldest ``MaxFiles``.
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
            found.append((f"s3://{bucket}/{name}", values, obj.get("LastModified")))
    limit = (path_options or {}).get("FilesLimit")
    if limit:
        newest_first = limit.get("Order", "DESCENDING") == "DESCENDING"
        found.sort(key=lambda f: f[2], reverse=newest_first)
        found = found[: int(limit["MaxFiles"])]
    return [f[0] for f in found], {f[0]: f[1] for f in found}


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

COMPRESSIONS: dict[str, dict[str, str]] = {
    "PARQUET": {
        "SNAPPY": "snappy",
        "GZIP": "gzip",
        "ZSTD": "zstd",
        "LZ4": "lz4_raw",
        "BROTLI": "brotli",
    },
    "CSV": {"GZIP": "gzip", "ZSTD": "zstd"},
    "JSON": {"GZIP": "gzip", "ZSTD": "zstd"},
}
DEFAULT_COMPRESSION = {"PARQUET": "snappy", "CSV": "none", "JSON": "none"}
CODEC_SUFFIXES = {"gzip": ".gz", "zstd": ".zst"}
FILE_EXTENSIONS = {"PARQUET": "parquet", "CSV": "csv", "JSON": "json"}


def copy_options(
    data_format: str, compression: str | None, format_options: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """DuckDB COPY options for a DataBrew output (Format, CompressionFormat, FormatOptions)."""
    fmt = "GLUEPARQUET" if data_format == "GLUEPARQUET" else data_format
    fmt = "PARQUET" if fmt == "GLUEPARQUET" else fmt
    if fmt not in COMPRESSIONS:
        raise ValidationException(
            f"Output format {data_format} is not supported locally (CSV, JSON, PARQUET)."
        )
    codec = DEFAULT_COMPRESSION[fmt]
    if compression:
        if compression not in COMPRESSIONS[fmt]:
            raise ValidationException(
                f"Compression {compression} is not supported for {fmt} output."
            )
        codec = COMPRESSIONS[fmt][compression]
    options = {"FORMAT": fmt.lower(), "COMPRESSION": lit(codec)}
    if fmt == "CSV":
        delimiter = ((format_options or {}).get("Csv") or {}).get("Delimiter", ",")
        options |= {"HEADER": "true", "DELIMITER": lit(delimiter)}
    return options


def write_output(
    con: duckdb.DuckDBPyConnection,
    query: str,
    target: str,
    options: Mapping[str, str],
    partition_columns: list[str] | None,
    file_stem: str,
) -> None:
    """COPY the query's rows under folder ``target`` as ``<file_stem>_part<i>`` files, in
    Hive folders ``col=value/`` when partitioned (partition columns leave the files)."""
    rendered = dict(options)
    if partition_columns and rendered["FORMAT"] in NATIVE_PARTITIONING:
        rendered["PARTITION_BY"] = "(" + ", ".join(ident(c) for c in partition_columns) + ")"
        rendered["OVERWRITE_OR_IGNORE"] = "true"
        rendered["FILENAME_PATTERN"] = lit(f"{file_stem}_part{{i}}")
        _copy(con, query, target.rstrip("/"), rendered)
        return
    if partition_columns:  # one COPY per partition where DuckDB cannot partition the format
        _write_partitions(con, query, target, rendered, partition_columns, file_stem)
        return
    _copy(
        con, query, f"{target.rstrip('/')}/{file_stem}_part00000.{_extension(rendered)}", rendered
    )


NATIVE_PARTITIONING = {"parquet", "csv"}


def _extension(options: Mapping[str, str]) -> str:
    ext = FILE_EXTENSIONS[options["FORMAT"].upper()]
    codec = options["COMPRESSION"].strip("'")
    return ext if ext == "parquet" else ext + CODEC_SUFFIXES.get(codec, "")


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, destination: str, options: Mapping[str, str]
) -> None:
    settings = ", ".join(f"{k} {v}" for k, v in options.items())
    con.execute(f"COPY ({query}) TO {lit(destination)} ({settings})")


def _write_partitions(
    con: duckdb.DuckDBPyConnection,
    query: str,
    target: str,
    options: Mapping[str, str],
    columns: list[str],
    file_stem: str,
) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE brew_partitioned AS {query}")
    keys = ", ".join(ident(c) for c in columns)
    for values in con.execute(f"SELECT DISTINCT {keys} FROM brew_partitioned").fetchall():
        folder = "/".join(
            f"{c}={'__HIVE_DEFAULT_PARTITION__' if v is None else v}"
            for c, v in zip(columns, values, strict=True)
        )
        match = " AND ".join(
            f"{ident(c)} IS NULL" if v is None else f"CAST({ident(c)} AS VARCHAR) = {lit(str(v))}"
            for c, v in zip(columns, values, strict=True)
        )
        rows = f"SELECT * EXCLUDE ({keys}) FROM brew_partitioned WHERE {match}"
        _copy(
            con,
            rows,
            f"{target.rstrip('/')}/{folder}/{file_stem}_part00000.{_extension(options)}",
            options,
        )
    con.execute("DROP TABLE brew_partitioned")
