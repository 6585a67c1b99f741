"""CTAS and INSERT INTO: write the query's rows to S3 as Athena does, register them in Glue."""

from __future__ import annotations

import copy
import re
import shutil
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
from botocore.exceptions import ClientError
from sqlglot import exp

from etl_local.athena import bucketing, dialect
from etl_local.athena.arrowio import ArrowWriter, write_avro, write_orc, write_parquet
from etl_local.athena.catalog import CatalogTable, Partition, code
from etl_local.athena.errors import AthenaQueryError, at
from etl_local.athena.formats import (
    Writer,
    check_compression,
    file_extension,
    quote_ident,
    sql_string,
    writer_for,
)
from etl_local.athena.results import QueryResult, ResultColumn
from etl_local.athena.statement import Statement
from etl_local.athena.storage import folder
from etl_local.athena.tables import resolve_tables
from etl_local.athena.types import DUCKDB_COERCIONS, duckdb_to_hive, hive_to_duckdb

MAX_OPEN_PARTITIONS = 100

# CTAS WITH (...) properties Athena accepts for Hive tables.
CTAS_PROPERTIES = frozenset(
    {
        "table_type",
        "external_location",
        "is_external",
        "format",
        "partitioned_by",
        "bucketed_by",
        "bucket_count",
        "write_compression",
        "parquet_compression",
        "orc_compression",
        "compression_level",
        "field_delimiter",
        "location",
    }
)


# Properties that only mean something for some formats; Athena rejects them elsewhere.
FORMAT_SPECIFIC: dict[str, frozenset[str]] = {
    "field_delimiter": frozenset({"TEXTFILE"}),
    "parquet_compression": frozenset({"PARQUET"}),
    "orc_compression": frozenset({"ORC"}),
}


@dataclass(frozen=True)
class CtasOptions:
    format: str
    external_location: str | None
    partitioned_by: list[str]
    bucketed_by: list[str]
    bucket_count: int | None
    compression: str | None
    props: dict[str, str]


def _value(node: exp.Expression | None) -> Any:
    if isinstance(node, exp.Array):
        return [_value(e) for e in node.expressions]
    if isinstance(node, (exp.Literal, exp.Var, exp.Identifier, exp.Boolean)):
        return node.name if not isinstance(node, exp.Boolean) else str(node.this).lower()
    return node.sql() if node is not None else None


def ctas_options(tree: exp.Create) -> CtasOptions:
    raw: dict[str, Any] = {}
    props = tree.args.get("properties")
    for prop in props.expressions if props is not None else []:
        if isinstance(prop, exp.WithDataProperty):
            raw["__no_data"] = "true" if prop.args.get("no") else "false"
        elif isinstance(prop, exp.FileFormatProperty):
            raw["format"] = _value(prop.this)
        elif isinstance(prop, exp.PartitionedByProperty):
            raw["partitioned_by"] = _value(prop.this)
        elif type(prop) is exp.Property:
            raw[_value(prop.this).lower()] = _value(prop.args.get("value"))
        elif isinstance(prop, exp.LocationProperty):
            raw["location"] = _value(prop.this)
    for name in raw:
        if name not in CTAS_PROPERTIES and not name.startswith("__"):
            raise AthenaQueryError(
                "INVALID_TABLE_PROPERTY",
                f"Catalog 'awsdatacatalog' table property '{name}' does not exist",
            )
    fmt = str(raw.get("format", "PARQUET")).upper()
    for name, formats in FORMAT_SPECIFIC.items():
        if name in raw and fmt not in formats:
            raise AthenaQueryError(
                "INVALID_TABLE_PROPERTY",
                f"Cannot specify {name} table property for storage format: {fmt}",
            )
    if str(raw.get("table_type", "HIVE")).upper() != "HIVE":
        raise AthenaQueryError(
            "NOT_SUPPORTED",
            f"table_type '{raw['table_type']}' is not supported by the local engine (HIVE only)",
        )
    bucketed_by = [str(c).lower() for c in raw.get("bucketed_by") or []]
    bucket_count = int(raw["bucket_count"]) if raw.get("bucket_count") else None
    if bool(bucketed_by) != bool(bucket_count):
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY", "bucketed_by and bucket_count must be specified together"
        )
    compression = (
        raw.get("write_compression") or raw.get("parquet_compression") or raw.get("orc_compression")
    )
    return CtasOptions(
        format=fmt,
        external_location=raw.get("external_location"),
        partitioned_by=[str(p).lower() for p in raw.get("partitioned_by") or []],
        bucketed_by=bucketed_by,
        bucket_count=bucket_count,
        compression=str(compression).upper() if compression else None,
        props={k: str(v) for k, v in raw.items() if not isinstance(v, list)},
    )


def _prepare_query(stmt: Statement, query: exp.Expression) -> tuple[str, list[tuple[str, str]]]:
    """Resolve tables, name the columns, and return DuckDB SQL with Trino-compatible types."""
    resolve_tables(stmt.scope, query)
    dialect.name_output_columns(query)
    sql = dialect.to_duckdb(query, stmt.scope.schema)
    described = stmt.scope.cursor.execute(f"DESCRIBE {sql}").fetchall()
    columns = [(str(r[0]), str(r[1])) for r in described]
    if any(t in DUCKDB_COERCIONS for _, t in columns):
        select = ", ".join(
            f"CAST({quote_ident(n)} AS {DUCKDB_COERCIONS[t]}) AS {quote_ident(n)}"
            if t in DUCKDB_COERCIONS
            else quote_ident(n)
            for n, t in columns
        )
        sql = f"SELECT {select} FROM ({sql})"  # noqa: S608
        columns = [(n, DUCKDB_COERCIONS.get(t, t)) for n, t in columns]
    return sql, columns


def _check_columns(
    stmt: Statement, columns: list[tuple[str, str]], partitioned_by: list[str]
) -> None:
    seen: set[str] = set()
    for name, _ in columns:
        if name.lower() in seen:
            raise at(
                stmt.sql,
                0,
                "DUPLICATE_COLUMN_NAME",
                f"Column name '{name}' specified more than once",
            )
        seen.add(name.lower())
    names = [n.lower() for n, _ in columns]
    missing = [key for key in partitioned_by if key not in names]
    if missing:
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY",
            f"Partition columns [{', '.join(missing)}] not present in schema",
        )
    if partitioned_by and names[-len(partitioned_by) :] != partitioned_by:
        raise AthenaQueryError(
            "HIVE_COLUMN_ORDER_MISMATCH",
            "Partition keys must be the last columns in the table and in the same order as the table properties: ["
            + ", ".join(partitioned_by)
            + "]",
        )
    if partitioned_by and len(partitioned_by) == len(names):
        raise AthenaQueryError("NOT_SUPPORTED", "Table contains only partition columns")


@dataclass(frozen=True)
class WriteSpec:
    """Where and how a CTAS/INSERT/UNLOAD writes its rows."""

    location: str
    writer: Writer
    compression: str  # Athena's name (SNAPPY, GZIP, ...)
    partition_by: list[str]
    props: dict[str, str]
    bucketed_by: list[str] = field(default_factory=list)
    bucket_count: int = 0

    def at(self, location: str, partition_by: list[str]) -> WriteSpec:
        return WriteSpec(location, self.writer, self.compression, partition_by, self.props)


def _write(
    stmt: Statement, sql: str, spec: WriteSpec
) -> tuple[int, list[str], dict[tuple[str, ...], str]]:
    """Rows written, their files, and the partitions they make (at most 100, as Athena)."""
    count, files = _copy(stmt, sql, spec)
    partitions: dict[tuple[str, ...], str] = {}
    if spec.partition_by:
        partitions = _written_partitions(spec.location, files, spec.partition_by)
        _enforce_partition_limit(stmt, partitions, files)
    return count, files, partitions


def _partition_folders(keys: list[str], values: Iterable[Any]) -> str:
    """``k1=v1/k2=v2/`` as Hive names partition folders."""
    return "".join(
        f"{k}={HIVE_DEFAULT_PARTITION if v is None else urllib.parse.quote(str(v), safe='')}/"
        for k, v in zip(keys, values, strict=True)
    )


def _check_buckets(columns: list[tuple[str, str]], options: CtasOptions) -> None:
    data = [n.lower() for n, _ in columns if n.lower() not in options.partitioned_by]
    missing = [c for c in options.bucketed_by if c not in data]
    if missing:
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY",
            f"Bucketing columns [{', '.join(missing)}] not present in schema",
        )


def _copy(stmt: Statement, sql: str, spec: WriteSpec) -> tuple[int, list[str]]:
    location, writer, compression, partition_by, props = (
        spec.location, spec.writer, spec.compression, spec.partition_by, spec.props
    )  # fmt: skip
    duck_compression = check_compression(writer, compression)
    if spec.bucket_count:
        return _copy_bucketed(stmt, sql, spec)
    if writer.arrow_writer is not None:
        return _copy_arrow(stmt, sql, spec)
    if partition_by and writer.copy_format not in PARTITIONED_COPY_FORMATS:
        return _copy_each_partition(stmt, sql, spec)
    options = {
        "FORMAT": writer.copy_format,
        "COMPRESSION": duck_compression,
        "RETURN_FILES": "true",
    }
    options.update(writer.extra_copy_options(props))
    extension = file_extension(writer, duck_compression)
    # DuckDB writes to a local folder, each file is then one PUT (not multipart through httpfs)
    staging = stmt.storage.cache.staging(stmt.query_id)
    if partition_by:
        options["PARTITION_BY"] = "(" + ", ".join(quote_ident(p) for p in partition_by) + ")"
        options["FILENAME_PATTERN"] = f"'{stmt.query_id}_{{i}}'"
        options["FILE_EXTENSION"] = f"'{extension}'"
        options["OVERWRITE_OR_IGNORE"] = "true"
        target = str(staging)
    else:
        target = str(staging / f"{stmt.query_id}_0.{extension}")
    rendered = ", ".join(f"{k} {v}" for k, v in options.items())
    # Athena's CTAS/INSERT promise no row order; not keeping it lets DuckDB stream the write
    stmt.scope.cursor.execute("SET preserve_insertion_order = false")
    try:
        row = stmt.scope.cursor.execute(
            f"COPY ({sql}) TO {sql_string(target)} ({rendered})"
        ).fetchone()
        assert row is not None
        count = int(row[0])
        if count == 0:  # Athena's writers open on the first row: no rows, no files
            return 0, []
        written_files = sorted(Path(str(f)) for f in row[1])
        if len({f.parent for f in written_files}) > MAX_OPEN_PARTITIONS:
            raise _too_many_partitions()  # before any upload: nothing is left behind
        files = []
        for written in written_files:
            url = folder(location) + written.relative_to(staging).as_posix()
            stmt.storage.upload(written, url)
            files.append(url)
        return count, files
    finally:
        shutil.rmtree(staging, ignore_errors=True)


HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# DuckDB's COPY ... PARTITION_BY exists for these formats only (not JSON)
PARTITIONED_COPY_FORMATS = frozenset({"parquet", "csv"})


def _copy_each_partition(stmt: Statement, sql: str, spec: WriteSpec) -> tuple[int, list[str]]:
    """One COPY per partition (over the rows materialised once) where DuckDB cannot partition."""
    partition_by = spec.partition_by
    cursor = stmt.scope.cursor
    staged = quote_ident(f"{stmt.scope.prefix}_rows")
    cursor.execute(f"CREATE TEMP TABLE {staged} AS {sql}")
    keys = ", ".join(quote_ident(k) for k in partition_by)
    groups = cursor.execute(f"SELECT DISTINCT {keys} FROM {staged}").fetchall()  # noqa: S608
    if len(groups) > MAX_OPEN_PARTITIONS:
        raise _too_many_partitions()
    count, files = 0, []
    for values in groups:
        condition = " AND ".join(
            f"{quote_ident(k)} IS NULL"
            if v is None
            else f"CAST({quote_ident(k)} AS VARCHAR) = {sql_string(str(v))}"
            for k, v in zip(partition_by, values, strict=True)
        )
        folders = _partition_folders(partition_by, values)
        part = f"SELECT * EXCLUDE ({keys}) FROM {staged} WHERE {condition}"  # noqa: S608
        written, urls = _copy(stmt, part, spec.at(f"{folder(spec.location)}{folders}", []))
        count += written
        files += urls
    return count, files


def _copy_arrow(stmt: Statement, sql: str, spec: WriteSpec) -> tuple[int, list[str]]:
    """Formats DuckDB cannot write (ORC, Avro): rows through Arrow, one file per partition."""
    location, writer, compression, partition_by = (
        spec.location, spec.writer, spec.compression, spec.partition_by
    )  # fmt: skip
    assert writer.arrow_writer is not None
    relation = stmt.scope.cursor.sql(sql)
    hive_types = {
        str(n): duckdb_to_hive(str(t))
        for n, t in zip(relation.columns, relation.types, strict=True)
    }
    table = relation.to_arrow_table()
    groups: list[dict[str, Any]] = [{}]
    if partition_by:
        groups = table.select(partition_by).group_by(partition_by).aggregate([]).to_pylist()
        if len(groups) > MAX_OPEN_PARTITIONS:
            raise _too_many_partitions()
    files = []
    for values in groups:
        part = table
        for key, value in values.items():
            column = part[key]
            part = part.filter(pc.is_null(column) if value is None else pc.equal(column, value))
        part = part.drop_columns(partition_by)
        if part.num_rows == 0:
            continue  # no rows, no file (as Athena)
        folders = _partition_folders(list(values), values.values())
        url = f"{folder(location)}{folders}{stmt.query_id}_0.{writer.extension}"
        data_types = [(n, t) for n, t in hive_types.items() if n not in partition_by]
        stmt.storage.put(url, writer.arrow_writer(part, compression, data_types))
        files.append(url)
    return table.num_rows, files


# Arrow writers for bucketed output (files per bucket are written by the engine itself)
BUCKET_WRITERS: dict[str, ArrowWriter] = {
    "PARQUET": write_parquet,
    "ORC": write_orc,
    "AVRO": write_avro,
}


def _copy_bucketed(stmt: Statement, sql: str, spec: WriteSpec) -> tuple[int, list[str]]:
    """Rows split by partition and Hive bucket, one file per (partition, bucket)."""
    arrow_writer = BUCKET_WRITERS.get(spec.writer.name)
    if arrow_writer is None:
        raise AthenaQueryError(
            "NOT_SUPPORTED", f"Bucketed {spec.writer.name} tables are not supported locally"
        )
    relation = stmt.scope.cursor.sql(sql)
    hive_types = {
        str(n): duckdb_to_hive(str(t))
        for n, t in zip(relation.columns, relation.types, strict=True)
    }
    table = relation.to_arrow_table()
    keys = (
        table.select(spec.partition_by).to_pylist() if spec.partition_by else [{}] * table.num_rows
    )
    bucket_values = table.select(spec.bucketed_by).to_pylist()
    groups: dict[tuple[tuple[Any, ...], int], list[int]] = {}
    for index, (key, values) in enumerate(zip(keys, bucket_values, strict=True)):
        bucket = bucketing.bucket_of(tuple(values.values()), spec.bucket_count)
        groups.setdefault((tuple(key.values()), bucket), []).append(index)
    if len(groups) > MAX_OPEN_PARTITIONS:
        raise _too_many_partitions()
    data_types = [(n, t) for n, t in hive_types.items() if n not in spec.partition_by]
    files = []
    for (values, bucket), rows in sorted(groups.items(), key=lambda item: str(item[0])):
        part = table.take(rows).drop_columns(spec.partition_by)
        folders = _partition_folders(spec.partition_by, values)
        name = bucketing.bucket_file_name(bucket, stmt.query_id, spec.writer.extension)
        url = f"{folder(spec.location)}{folders}{name}"
        stmt.storage.put(url, arrow_writer(part, spec.compression, data_types))
        files.append(url)
    return table.num_rows, files


def _too_many_partitions() -> AthenaQueryError:
    return AthenaQueryError(
        "HIVE_TOO_MANY_OPEN_PARTITIONS",
        f"Exceeded limit of {MAX_OPEN_PARTITIONS} open writers for partitions/buckets",
    )


def _written_partitions(
    location: str, files: list[str], keys: list[str]
) -> dict[tuple[str, ...], str]:
    """Partition values -> partition folder, read back from the written files' paths."""
    found: dict[tuple[str, ...], str] = {}
    base = folder(location)
    for url in files:
        relative = url[len(base) :] if url.startswith(base) else url.split("/", 3)[-1]
        parts = dict(
            urllib.parse.unquote(seg).split("=", 1)
            for seg in relative.split("/")[:-1]
            if "=" in seg
        )
        values = tuple(parts.get(k, "") for k in keys)
        found[values] = (
            base
            + "/".join(
                f"{k}={urllib.parse.quote(v, safe='')}" for k, v in zip(keys, values, strict=False)
            )
            + "/"
        )
    return found


def _enforce_partition_limit(
    stmt: Statement, partitions: dict[tuple[str, ...], str], files: list[str]
) -> None:
    if len(partitions) > MAX_OPEN_PARTITIONS:
        stmt.storage.delete_all(files)
        raise _too_many_partitions()


def storage_descriptor(
    writer: Writer, columns: list[dict[str, str]], location: str, props: dict[str, str]
) -> dict[str, Any]:
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": writer.input_format,
        "OutputFormat": writer.output_format,
        "Compressed": False,
        "NumberOfBuckets": 0,
        "SerdeInfo": {
            "SerializationLibrary": writer.serde,
            "Parameters": writer.serde_params(props),
        },
        "BucketColumns": [],
        "SortColumns": [],
        "StoredAsSubDirectories": False,
    }


def run_ctas(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    assert isinstance(tree, exp.Create)
    target = tree.this
    assert isinstance(target, exp.Table)
    database, name = stmt.table_name(target)
    options = ctas_options(tree)
    writer = writer_for(options.format)
    check_compression(writer, options.compression or writer.default_compression)

    def exists() -> AthenaQueryError:
        return at(
            stmt.sql,
            0,
            "TABLE_ALREADY_EXISTS",
            f"Table 'awsdatacatalog.{database}.{name}' already exists",
        )

    if options.external_location:
        location = folder(options.external_location)
    elif stmt.output_location:
        location = f"{folder(stmt.output_location)}tables/{stmt.query_id}/"
    else:
        raise AthenaQueryError(
            "HIVE_METASTORE_ERROR",
            "No location for table: set external_location or an output location",
        )

    def occupied() -> AthenaQueryError:
        return AthenaQueryError(
            "HIVE_PATH_ALREADY_EXISTS",
            f"Target directory for table '{database}.{name}' already exists: {location}",
        )

    if stmt.catalog.get_table(database, name) is not None:  # its database exists, too
        if tree.args.get("exists"):
            return QueryResult("DDL", "CREATE_TABLE_AS_SELECT")
        raise exists()
    stmt.require_database(database)
    # a concurrent CTAS of the same table or into the same folder fails as if it had finished
    with (
        stmt.catalog.creating.hold(f"{database}.{name}", exists),
        stmt.storage.writing.hold(location, occupied),
    ):
        if not stmt.storage.is_empty(location):
            raise occupied()
        return _ctas(stmt, database, name, options, location, exists)


def _ctas(
    stmt: Statement,
    database: str,
    name: str,
    options: CtasOptions,
    location: str,
    exists: Callable[[], AthenaQueryError],
) -> QueryResult:
    writer = writer_for(options.format)
    query = stmt.tree.expression
    assert isinstance(query, exp.Expression)
    sql, columns = _prepare_query(stmt, query)
    _check_columns(stmt, columns, options.partitioned_by)
    _check_buckets(columns, options)
    compression = options.compression or writer.default_compression
    count, files = 0, list[str]()
    partitions: dict[tuple[str, ...], str] = {}
    if options.props.get("__no_data") != "true":  # WITH NO DATA: the table, no files
        spec = WriteSpec(
            location,
            writer,
            compression,
            options.partitioned_by,
            options.props,
            options.bucketed_by,
            options.bucket_count or 0,
        )
        count, files, partitions = _write(stmt, sql, spec)
    glue_columns = [{"Name": n.lower(), "Type": duckdb_to_hive(t)} for n, t in columns]
    data_columns = [c for c in glue_columns if c["Name"] not in options.partitioned_by]
    keys = [c for c in glue_columns if c["Name"] in options.partitioned_by]
    keys.sort(key=lambda c: options.partitioned_by.index(c["Name"]))
    parameters = {
        "EXTERNAL": "TRUE",
        "has_encrypted_data": "false",
        "classification": writer.classification,
    }
    if writer.compression_parameter:
        parameters[writer.compression_parameter] = compression
    elif compression != "NONE":
        parameters["write.compression"] = compression
    descriptor = storage_descriptor(writer, data_columns, location, options.props)
    if options.bucket_count:
        descriptor["NumberOfBuckets"] = options.bucket_count
        descriptor["BucketColumns"] = options.bucketed_by
    table_input = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": keys,
        "StorageDescriptor": descriptor,
    }
    try:
        stmt.catalog.create_table(database, table_input)
    except ClientError as error:  # created meanwhile by another client: the data goes
        if code(error) != "AlreadyExistsException":
            raise
        stmt.storage.delete_all(files)
        raise exists() from error
    _register_partitions(stmt, database, name, descriptor, partitions)
    return _rows_result("CREATE_TABLE_AS_SELECT", count, files)


def _register_partitions(
    stmt: Statement,
    database: str,
    name: str,
    descriptor: dict[str, Any],
    partitions: dict[tuple[str, ...], str],
    if_not_exists: bool = False,
) -> None:
    if not partitions:
        return
    entries = []
    for values, location in sorted(partitions.items()):
        storage = copy.deepcopy(descriptor)
        storage["Location"] = location
        entries.append(Partition(list(values), location, storage))
    stmt.catalog.add_partitions(database, name, entries, if_not_exists)


def _rows_result(kind: str, count: int, files: list[str]) -> QueryResult:
    return QueryResult(
        "DML",
        kind,
        columns=[ResultColumn("rows", "BIGINT")],
        rows=[(count,)],
        update_count=count,
        written_files=files,
    )


def run_insert(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    assert isinstance(tree, exp.Insert)
    target = tree.this
    names: list[str] = []
    if isinstance(target, exp.Schema):
        names = [c.name.lower() for c in target.expressions]
        target = target.this
    assert isinstance(target, exp.Table)
    table = stmt.existing_table(target)
    if int((table.raw.get("StorageDescriptor") or {}).get("NumberOfBuckets") or 0) > 0:
        raise AthenaQueryError("NOT_SUPPORTED", "INSERT INTO is not supported on bucketed tables")
    if table.is_view:
        raise AthenaQueryError(
            "NOT_SUPPORTED", f"Inserting into views is not supported: {table.database}.{table.name}"
        )
    query = tree.expression
    assert isinstance(query, exp.Expression)
    sql, columns = _prepare_query(stmt, query)
    targets = (
        table.all_columns
        if not names
        else [c for n in names for c in table.all_columns if c.name == n]
    )
    if len(columns) != len(targets):
        raise AthenaQueryError(
            "TYPE_MISMATCH",
            f"Insert query has {len(columns)} columns, target table has {len(targets)}",
        )
    by_name = {c.name: (source, c) for (source, _), c in zip(columns, targets, strict=True)}
    projection = ", ".join(
        f"CAST({quote_ident(by_name[c.name][0])} AS {hive_to_duckdb(c.type)}) AS {quote_ident(c.name)}"
        if c.name in by_name
        else f"CAST(NULL AS {hive_to_duckdb(c.type)}) AS {quote_ident(c.name)}"
        for c in table.all_columns
    )
    sql = f"SELECT {projection} FROM ({sql})"  # noqa: S608
    writer, compression = _table_writer(table)
    keys = [k.name for k in table.partition_keys]
    spec = WriteSpec(table.location, writer, compression, keys, _writer_props(table))
    count, files, written = _write(stmt, sql, spec)
    if keys:
        registered = {
            tuple(p.values): folder(p.location)
            for p in stmt.catalog.partitions(table.database, table.name)
        }
        new = {values: loc for values, loc in written.items() if values not in registered}
        descriptor = copy.deepcopy(table.raw.get("StorageDescriptor") or {})
        # a concurrent INSERT may register the same new partition first: that is no error
        _register_partitions(stmt, table.database, table.name, descriptor, new, True)
        files = _move_to_registered(stmt, files, written, registered)
    return _rows_result("INSERT", count, files)


def _move_to_registered(
    stmt: Statement,
    files: list[str],
    written: dict[tuple[str, ...], str],
    registered: dict[tuple[str, ...], str],
) -> list[str]:
    """Files written for a partition registered elsewhere belong in its registered location."""
    moves = {
        loc: registered[values]
        for values, loc in written.items()
        if values in registered and registered[values] != loc
    }
    placed = []
    for url in files:
        source = next((src for src in moves if url.startswith(src)), None)
        if source is None:
            placed.append(url)
            continue
        target = moves[source] + url[len(source) :]
        stmt.storage.move(url, target)
        placed.append(target)
    return placed


_UNLOAD = re.compile(
    r"^\s*\((?P<query>.*)\)\s*TO\s*'(?P<location>(?:[^']|'')*)'\s*(?:WITH\s*\((?P<props>.*)\))?\s*;?\s*$",
    re.S | re.I,
)
UNLOAD_PROPERTIES = frozenset(
    {"format", "compression", "compression_level", "field_delimiter", "partitioned_by"}
)


def run_unload(stmt: Statement) -> QueryResult:
    """UNLOAD (query) TO 's3://...' WITH (...): CTAS's writing without a catalog table."""
    expression = stmt.tree.expression
    text = str(expression.this) if isinstance(expression, exp.Literal) else ""
    match = _UNLOAD.match(text)
    if match is None:
        raise AthenaQueryError("SYNTAX_ERROR", "line 1:1: mismatched input 'UNLOAD'")
    props = match.group("props") or ""
    probe = dialect.parse(
        f"CREATE TABLE __unload WITH ({props}) AS SELECT 1"
        if props
        else "CREATE TABLE __unload AS SELECT 1"
    )
    assert isinstance(probe, exp.Create)
    for prop in probe.args["properties"].expressions if probe.args.get("properties") else []:
        name = _value(prop.this).lower() if type(prop) is exp.Property else ""
        if name and name not in UNLOAD_PROPERTIES:
            raise AthenaQueryError(
                "INVALID_TABLE_PROPERTY", f"Unsupported UNLOAD property '{name}'"
            )
        if name == "compression":
            prop.set("this", exp.var("write_compression"))
    options = ctas_options(probe)
    writer = writer_for(options.format)
    check_compression(writer, options.compression or writer.default_compression)
    location = folder(match.group("location").replace("''", "'"))

    def occupied() -> AthenaQueryError:
        return AthenaQueryError(
            "HIVE_PATH_ALREADY_EXISTS",
            f"Target directory for table 'unload' already exists: {location}",
        )

    with stmt.storage.writing.hold(location, occupied):
        if not stmt.storage.is_empty(location):
            raise occupied()
        sql, columns = _prepare_query(stmt, dialect.parse(match.group("query")))
        _check_columns(stmt, columns, options.partitioned_by)
        compression = options.compression or writer.default_compression
        spec = WriteSpec(location, writer, compression, options.partitioned_by, options.props)
        count, files, _ = _write(stmt, sql, spec)
    return _rows_result("UNLOAD", count, files)


_SERDE_WRITERS = {
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe": "PARQUET",
    "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe": "TEXTFILE",
    "org.apache.hive.hcatalog.data.JsonSerDe": "JSON",
    "org.openx.data.jsonserde.JsonSerDe": "JSON",
    "org.apache.hadoop.hive.ql.io.orc.OrcSerde": "ORC",
    "org.apache.hadoop.hive.serde2.avro.AvroSerDe": "AVRO",
}


def _table_writer(table: CatalogTable) -> tuple[Writer, str]:
    fmt = _SERDE_WRITERS.get(table.serde)
    if fmt is None:
        raise AthenaQueryError(
            "NOT_SUPPORTED", f"Inserting into a table with SerDe {table.serde} is not supported"
        )
    writer = writer_for(fmt)
    compression = table.parameters.get(writer.compression_parameter or "write.compression", "")
    return writer, compression.upper() if compression else (
        "GZIP" if fmt != "PARQUET" else "SNAPPY"
    )


def _writer_props(table: CatalogTable) -> dict[str, str]:
    delim = table.serde_params.get("field.delim")
    return {"field_delimiter": delim} if delim else {}
