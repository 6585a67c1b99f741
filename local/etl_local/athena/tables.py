"""Catalog tables in a query -> DuckDB scans over their S3 files, partitions pruned.

Every table a query names is looked up in Glue and replaced by a temporary DuckDB view over
exactly the files Athena would read: the table location, or the locations of the partitions
that survive the query's predicates on partition columns (partition columns are exposed as
columns, typed as the catalog declares them).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb
import pyarrow as pa
from sqlglot import exp

from etl_local.athena import dialect
from etl_local.athena.catalog import CatalogTable, Column, GlueCatalog, Partition
from etl_local.athena.errors import at
from etl_local.athena.formats import (
    Reader,
    StorageSpec,
    arrow_reader_for,
    empty_scan,
    is_text,
    quote_ident,
    reader_for,
    select_from,
    sql_string,
)
from etl_local.athena.storage import S3File, S3Storage, folder
from etl_local.athena.types import hive_to_duckdb

PRESTO_VIEW_PREFIX = "/* Presto View: "


@dataclass
class Scope:
    """One statement's view of the catalog: default database and the scans it registered."""

    sql: str
    database: str
    catalog: GlueCatalog
    storage: S3Storage
    cursor: duckdb.DuckDBPyConnection
    prefix: str
    scanned_bytes: int = 0
    views: dict[str, str] = field(default_factory=dict)
    # scan view -> {column: DuckDB type}, for sqlglot's type annotation
    schema: dict[str, dict[str, str]] = field(default_factory=dict)
    # a table named twice in one statement is looked up and scanned once
    tables: dict[tuple[str, str], CatalogTable] = field(default_factory=dict)
    scans: dict[tuple[str, str, str], str] = field(default_factory=dict)
    arrow: dict[str, Any] = field(default_factory=dict)  # Arrow tables registered on the cursor
    pinned: list[str] = field(default_factory=list)  # cached copies this statement reads

    def qualified(self, table: exp.Table) -> tuple[str, str]:
        return (table.db or self.database).lower(), table.name.lower()


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def _offset(node: exp.Table) -> int:
    """Where a (possibly qualified) table name starts in the statement."""
    starts = [int(part.meta["start"]) for part in node.parts if part.meta and "start" in part.meta]
    return min(starts, default=0)


def lookup(scope: Scope, node: exp.Table) -> CatalogTable:
    database, name = scope.qualified(node)
    if (database, name) in scope.tables:
        return scope.tables[(database, name)]
    table = scope.catalog.get_table(database, name)
    if table is None:
        if not scope.catalog.database_exists(database):
            raise at(
                scope.sql, _offset(node), "SCHEMA_NOT_FOUND", f"Schema '{database}' does not exist"
            )
        raise at(
            scope.sql,
            _offset(node),
            "TABLE_NOT_FOUND",
            f"Table 'awsdatacatalog.{database}.{name}' does not exist",
        )
    scope.tables[(database, name)] = table
    return table


def resolve_tables(scope: Scope, tree: exp.Expression) -> exp.Expression:
    """Replace every catalog table reference in ``tree`` by a scan view (in place)."""
    ctes = _cte_names(tree)
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier) or (not node.db and node.name.lower() in ctes):
            continue
        table = lookup(scope, node)
        if table.is_view:
            _inline_view(scope, node, table)
            continue
        view = _register_scan(scope, table, _partition_predicates(node, table))
        alias = node.alias or table.name
        node.replace(
            exp.Table(
                this=exp.to_identifier(view, quoted=True),
                alias=exp.TableAlias(this=exp.to_identifier(alias)),
            )
        )
    for column in tree.find_all(exp.Column):
        if column.args.get("db"):
            column.set("db", None)
            column.set("catalog", None)
    return tree


def view_sql(table: CatalogTable) -> str:
    text = table.view_text or ""
    if text.startswith(PRESTO_VIEW_PREFIX):
        payload = text[len(PRESTO_VIEW_PREFIX) :].rsplit("*/", 1)[0].strip()
        return str(json.loads(base64.b64decode(payload))["originalSql"])
    return text


def _inline_view(scope: Scope, node: exp.Table, table: CatalogTable) -> None:
    body = dialect.parse(view_sql(table))
    inner = Scope(
        view_sql(table), table.database, scope.catalog, scope.storage, scope.cursor, scope.prefix
    )
    inner.views = scope.views
    inner.schema = scope.schema
    inner.tables = scope.tables
    inner.scans = scope.scans
    inner.arrow = scope.arrow
    inner.pinned = scope.pinned
    resolve_tables(inner, body)
    scope.scanned_bytes += inner.scanned_bytes
    alias = node.alias or table.name
    node.replace(exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(alias))))


def _partition_predicates(node: exp.Table, table: CatalogTable) -> list[exp.Expression]:
    """Conjuncts of the enclosing WHERE that only reference this table's partition keys."""
    if not table.partition_keys:
        return []
    select = node.find_ancestor(exp.Select)
    where = select.args.get("where") if select else None
    if select is None or where is None:
        return []
    keys = {c.name for c in table.partition_keys}
    alias = (node.alias or node.name).lower()
    single_source = (
        len(list(select.args["from_"].find_all(exp.Table)))
        + sum(1 for _ in (select.args.get("joins") or []))
        == 1
        if select.args.get("from_")
        else False
    )
    conjuncts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    usable: list[exp.Expression] = []
    for conjunct in conjuncts:
        columns = list(conjunct.find_all(exp.Column))
        if not columns or conjunct.find(exp.Subquery, exp.Select):
            continue
        if all(
            c.name.lower() in keys and (c.table.lower() == alias or (not c.table and single_source))
            for c in columns
        ):
            stripped = conjunct.copy()
            for column in stripped.find_all(exp.Column):
                column.set("table", None)
            usable.append(cast(exp.Expression, stripped))
    return usable


# Predicate nodes a Glue GetPartitions Expression states the same way (Athena pushes its
# partition filters to Glue too); anything else is only applied locally.
GLUE_FILTER_NODES = (
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between,
    exp.And, exp.Or, exp.Not, exp.Paren, exp.Column, exp.Identifier, exp.Literal,
)  # fmt: skip
_NUMERIC_KEYS = frozenset({"tinyint", "smallint", "int", "integer", "bigint"})
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def glue_expression(table: CatalogTable, predicates: list[exp.Expression]) -> str | None:
    """The predicates Glue can filter partitions by, as a GetPartitions ``Expression``:
    comparisons of keys with literals of the keys' kind (quoted for string keys)."""
    numeric = {k.name: k.type.lower() in _NUMERIC_KEYS for k in table.partition_keys}
    usable = []
    for predicate in predicates:
        nodes = list(predicate.walk())
        keys = {numeric.get(n.name.lower()) for n in nodes if isinstance(n, exp.Column)}
        literals = {n.is_number for n in nodes if isinstance(n, exp.Literal)}
        simple_names = all(_SIMPLE_NAME.match(n.name) for n in nodes if isinstance(n, exp.Column))
        if (
            all(isinstance(n, GLUE_FILTER_NODES) for n in nodes)
            and simple_names
            and len(keys) == 1
            and None not in keys
            and literals <= keys
        ):
            bare = predicate.copy()
            for column in list(bare.find_all(exp.Column)):
                column.replace(exp.column(column.name.lower()))
            usable.append(f"({bare.sql(dialect='athena')})")
    return " AND ".join(usable) or None


def _prune(
    scope: Scope, table: CatalogTable, partitions: list[Partition], predicates: list[exp.Expression]
) -> list[Partition]:
    if not predicates or not partitions:
        return partitions
    keys = table.partition_keys
    rows = ", ".join(
        "("
        + ", ".join(
            [str(i)]
            + [
                f"CAST({sql_string(v)} AS {hive_to_duckdb(k.type)})"
                for v, k in zip(p.values, keys, strict=False)
            ]
        )
        + ")"
        for i, p in enumerate(partitions)
    )
    names = ", ".join(["__i"] + [quote_ident(k.name) for k in keys])
    condition = " AND ".join(dialect.to_duckdb(p) for p in predicates)
    query = f"SELECT __i FROM (VALUES {rows}) AS p({names}) WHERE {condition}"  # noqa: S608
    try:
        kept = {row[0] for row in scope.cursor.execute(query).fetchall()}
    except duckdb.Error:
        return partitions  # a predicate DuckDB cannot evaluate alone: read everything
    return [p for i, p in enumerate(partitions) if i in kept]


def _reader(scope: Scope, table: CatalogTable, spec: StorageSpec) -> Reader:
    """The SQL reader of a storage spec; Arrow-backed formats are loaded and registered first."""
    loader = arrow_reader_for(spec)
    if loader is None:
        return reader_for(spec, f"{table.database}.{table.name}")

    def read(urls: list[str], columns: list[Column], _: StorageSpec, keys: list[Column]) -> str:
        del keys  # Arrow-backed partitions get their values as constants
        loaded = [loader(scope.storage.read(path)) for path in urls]
        data = pa.concat_tables(loaded, promote_options="permissive")
        name = f"{scope.prefix}_arrow_{len(scope.arrow)}"
        scope.arrow[name] = data
        scope.cursor.register(name, data)
        present = {n.lower() for n in data.column_names}
        projection = ", ".join(
            f"CAST({quote_ident(c.name) if c.name in present else 'NULL'} AS {hive_to_duckdb(c.type)}) "
            f"AS {quote_ident(c.name)}"
            for c in columns
        )
        return select_from(projection, quote_ident(name))

    return read


def _scan_paths(scope: Scope, files: list[S3File], spec: StorageSpec) -> list[str]:
    """The paths DuckDB reads ``files`` from (local copies), counted as data scanned."""
    scope.scanned_bytes += sum(f.size for f in files)
    scope.pinned.extend(f.url for f in files)
    return scope.storage.cache.acquire(files, decode=is_text(spec))


def _spec(table: CatalogTable, partition: Partition) -> StorageSpec:
    storage = (
        partition.storage
        if partition.storage.get("SerdeInfo")
        else table.raw.get("StorageDescriptor") or {}
    )
    return StorageSpec.from_descriptor(storage, table.parameters)


def _partition_files(
    scope: Scope, table: CatalogTable, partitions: list[Partition]
) -> list[list[S3File]]:
    """Each partition's files; one listing of the table location serves the partitions under it."""
    base = folder(table.location) if table.location else None
    listed = scope.storage.data_files(base) if base and len(partitions) > 1 else []
    result = []
    for partition in partitions:
        location = folder(partition.location)
        if base and listed and location.startswith(base):
            result.append([f for f in listed if f.url.startswith(location)])
        else:
            result.append(scope.storage.data_files(location))
    return result


def _hive_layout(table: CatalogTable, partition: Partition, files: list[S3File]) -> bool:
    """Whether DuckDB can read this partition's values from its files' ``key=value`` folders."""
    segments = [
        f"/{k.name}={v}/" for k, v in zip(table.partition_keys, partition.values, strict=False)
    ]
    return all(
        all(seg in f.url for seg in segments) and f.url.count("=") == len(segments) for f in files
    )


def scan_sql(scope: Scope, table: CatalogTable, predicates: list[exp.Expression]) -> str:
    table_spec = StorageSpec.from_descriptor(
        table.raw.get("StorageDescriptor") or {}, table.parameters
    )
    if not table.partition_keys:
        files = scope.storage.data_files(table.location)
        if not files:
            return empty_scan(table.columns)
        return _reader(scope, table, table_spec)(
            _scan_paths(scope, files, table_spec), table.columns, table_spec, []
        )
    listed = scope.catalog.partitions(
        table.database, table.name, glue_expression(table, predicates)
    )
    partitions = _prune(scope, table, listed, predicates)
    hive: dict[str, tuple[StorageSpec, list[S3File]]] = {}
    branches = []
    for partition, files in zip(
        partitions, _partition_files(scope, table, partitions), strict=True
    ):
        if not files:
            continue
        spec = _spec(table, partition)
        if arrow_reader_for(spec) is None and _hive_layout(table, partition, files):
            hive.setdefault(repr(spec), (spec, []))[1].extend(files)
            continue
        scan = _reader(scope, table, spec)(_scan_paths(scope, files, spec), table.columns, spec, [])
        constants = ", ".join(
            f"CAST({sql_string(v)} AS {hive_to_duckdb(k.type)}) AS {quote_ident(k.name)}"
            for v, k in zip(partition.values, table.partition_keys, strict=False)
        )
        branches.append(f"SELECT *, {constants} FROM ({scan})")  # noqa: S608
    for spec, files in hive.values():
        branches.append(
            _reader(scope, table, spec)(
                _scan_paths(scope, files, spec), table.columns, spec, table.partition_keys
            )
        )
    return " UNION ALL BY NAME ".join(branches) if branches else empty_scan(table.all_columns)


def _register_scan(scope: Scope, table: CatalogTable, predicates: list[exp.Expression]) -> str:
    key = (table.database, table.name, " AND ".join(sorted(p.sql() for p in predicates)))
    if key in scope.scans:
        return scope.scans[key]
    name = f"{scope.prefix}_{len(scope.views)}"
    scope.scans[key] = name
    body = scan_sql(scope, table, predicates)
    scope.cursor.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS {body}")
    scope.views[name] = f"{table.database}.{table.name}"
    scope.schema[name] = {c.name: hive_to_duckdb(c.type) for c in table.all_columns}
    return name


def describe_columns(cursor: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    rows: list[Any] = cursor.execute(f"DESCRIBE {sql}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]
