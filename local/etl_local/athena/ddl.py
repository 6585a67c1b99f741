"""DDL and utility statements: databases, external tables, views, partitions, SHOW, DESCRIBE."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from etl_local.athena import dialect, hiveddl
from etl_local.athena.catalog import CatalogTable, Partition
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.results import QueryResult, ResultColumn
from etl_local.athena.statement import Statement
from etl_local.athena.storage import folder
from etl_local.athena.tables import PRESTO_VIEW_PREFIX, resolve_tables, view_sql
from etl_local.athena.types import duckdb_to_hive


def _ddl(kind: str) -> QueryResult:
    return QueryResult("DDL", kind)


def _dropped(tree: exp.Expression) -> exp.Table:
    """The object a DROP names (sqlglot keeps it in ``tables``)."""
    tables = tree.args.get("tables") or [tree.this]
    target = tables[0]
    assert isinstance(target, exp.Table)
    return target


def _already_exists(what: str, name: str) -> AthenaQueryError:
    return AthenaQueryError("AlreadyExistsException", f"{what} {name} already exists")


# ------------------------------------------------------------------ databases and tables


def create_database(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    name = tree.this.name.lower()
    if stmt.catalog.database_exists(name):
        if tree.args.get("exists"):
            return _ddl("CREATE_DATABASE")
        raise _already_exists("Database", name)
    params: dict[str, Any] = {}
    for prop in tree.args["properties"].expressions if tree.args.get("properties") else []:
        if isinstance(prop, exp.LocationProperty):
            params["LocationUri"] = prop.this.name
        elif isinstance(prop, exp.SchemaCommentProperty):
            params["Description"] = prop.this.name
    stmt.catalog.create_database(name, params)
    return _ddl("CREATE_DATABASE")


def drop_database(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    name = _dropped(tree).name.lower()
    if not stmt.catalog.database_exists(name):
        if tree.args.get("exists"):
            return _ddl("DROP_DATABASE")
        raise AthenaQueryError("SCHEMA_NOT_FOUND", f"Database does not exist: {name}")
    tables = stmt.catalog.table_names(name)
    if tables and not tree.args.get("cascade"):
        raise AthenaQueryError(
            "InvalidOperationException", f"Database {name} is not empty. One or more tables exist."
        )
    for table in tables:
        stmt.catalog.delete_table(name, table)
    stmt.catalog.delete_database(name)
    return _ddl("DROP_DATABASE")


def create_external_table(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    assert isinstance(tree, exp.Create)
    schema = tree.this
    node = schema.this if isinstance(schema, exp.Schema) else schema
    database, name = stmt.table_name(node)
    props = tree.args.get("properties")
    external = props is not None and any(
        isinstance(p, exp.ExternalProperty) for p in props.expressions
    )
    if not external:
        raise AthenaQueryError(
            "NOT_SUPPORTED",
            "Only external tables are supported: use CREATE EXTERNAL TABLE (or table_type ICEBERG)",
        )
    if stmt.catalog.get_table(database, name) is not None:  # its database exists, too
        if tree.args.get("exists"):
            return _ddl("CREATE_TABLE")
        raise _already_exists("Table", name)
    stmt.require_database(database)
    stmt.catalog.create_table(
        database, hiveddl.table_input(tree, name), if_not_exists=bool(tree.args.get("exists"))
    )
    return _ddl("CREATE_TABLE")


def drop_table(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    node = _dropped(tree)
    database, name = stmt.table_name(node)
    table = stmt.catalog.get_table(database, name)
    if table is None or table.is_view:
        if tree.args.get("exists"):
            return _ddl("DROP_TABLE")
        raise AthenaQueryError("SemanticException", f"Table not found {database}.{name}")
    stmt.catalog.delete_table(database, name)  # external table: the data stays in S3
    return _ddl("DROP_TABLE")


# ------------------------------------------------------------------------------- views


def create_view(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    database, name = stmt.table_name(tree.this)
    existing = stmt.catalog.get_table(database, name)
    if existing is None:
        stmt.require_database(database)
    elif not tree.args.get("replace"):
        raise AthenaQueryError(
            "ALREADY_EXISTS", f"View already exists: 'awsdatacatalog.{database}.{name}'"
        )
    query = tree.expression
    text = view_text(stmt.sql) or query.sql("athena")
    probe = query.copy()
    resolve_tables(stmt.scope, probe)
    dialect.name_output_columns(probe)
    described = stmt.scope.cursor.execute(
        f"DESCRIBE {dialect.to_duckdb(probe, stmt.scope.schema)}"
    ).fetchall()
    columns = [{"Name": str(r[0]).lower(), "Type": duckdb_to_hive(str(r[1]))} for r in described]
    presto = {
        "originalSql": text,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": [{"name": c["Name"], "type": c["Type"]} for c in columns],
    }
    encoded = base64.b64encode(json.dumps(presto).encode()).decode()
    table_input = {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "ViewOriginalText": f"{PRESTO_VIEW_PREFIX}{encoded} */",
        "ViewExpandedText": "/* Presto View */",
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": "",
            "SerdeInfo": {},
            "Compressed": False,
            "NumberOfBuckets": 0,
            "StoredAsSubDirectories": False,
        },
    }
    if existing is None:
        stmt.catalog.create_table(database, table_input)
    else:
        stmt.catalog.update_table(database, table_input)
    return _ddl("CREATE_VIEW")


_VIEW_BODY = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+\S+\s+AS\s+(?P<body>.*?)[\s;]*$", re.I | re.S
)


def view_text(sql: str) -> str | None:
    """The view's query as the user wrote it (Athena stores the original text)."""
    sql = re.sub(r"^\s*(--[^\n]*\n\s*)*", "", sql)
    match = _VIEW_BODY.match(sql)
    return match.group("body") if match else None


def drop_view(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    database, name = stmt.table_name(_dropped(tree))
    table = stmt.catalog.get_table(database, name)
    if table is None or not table.is_view:
        if tree.args.get("exists"):
            return _ddl("DROP_VIEW")
        raise AthenaQueryError(
            "TABLE_NOT_FOUND", f"View 'awsdatacatalog.{database}.{name}' does not exist"
        )
    stmt.catalog.delete_table(database, name)
    return _ddl("DROP_VIEW")


# -------------------------------------------------------------------------- partitions

_PARTITION = re.compile(
    r"PARTITION\s*\((?P<spec>[^)]*)\)(?:\s*LOCATION\s*'(?P<location>(?:[^']|'')*)')?", re.I
)
_PAIR = re.compile(r"`?(\w+)`?\s*=\s*('(?:[^']|'')*'|[^,\s)]+)")


def _spec(text: str) -> dict[str, str]:
    return {
        k.lower(): v[1:-1].replace("''", "'") if v.startswith("'") else v
        for k, v in _PAIR.findall(text)
    }


def _values(table: CatalogTable, spec: dict[str, str]) -> list[str]:
    keys = [k.name for k in table.partition_keys]
    if sorted(spec) != sorted(keys):
        raise AthenaQueryError(
            "SemanticException",
            f"Partition spec {spec} contains non-partition columns or misses some",
        )
    return [spec[k] for k in keys]


def _default_location(table: CatalogTable, values: list[str]) -> str:
    keys = [k.name for k in table.partition_keys]
    return (
        folder(table.location)
        + "/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
        + "/"
    )


def _partition(table: CatalogTable, values: list[str], location: str) -> Partition:
    storage = copy.deepcopy(table.raw.get("StorageDescriptor") or {})
    storage["Location"] = location
    return Partition(values, location, storage)


def add_partitions(stmt: Statement, table: CatalogTable, text: str, if_not_exists: bool) -> None:
    existing = {tuple(p.values) for p in stmt.catalog.partitions(table.database, table.name)}
    new: list[Partition] = []
    for match in _PARTITION.finditer(text):
        values = _values(table, _spec(match.group("spec")))
        if tuple(values) in existing:
            if if_not_exists:
                continue
            raise AthenaQueryError("AlreadyExistsException", "Partition already exists.")
        location = match.group("location") or _default_location(table, values)
        new.append(_partition(table, values, location.replace("''", "'")))
    stmt.catalog.add_partitions(table.database, table.name, new)


_ALTER_ADD = re.compile(
    r"^\s*TABLE\s+(?P<table>[\w.`\"]+)\s+ADD\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<rest>PARTITION.*)$",
    re.I | re.S,
)
_MSCK = re.compile(r"^\s*TABLE\s+(?P<table>[\w.`\"]+)\s*$", re.I)


def _table_from_text(stmt: Statement, text: str) -> CatalogTable:
    node = exp.to_table(text.replace("`", '"'), dialect="athena")
    return stmt.existing_table(node)


def alter_command(stmt: Statement) -> QueryResult:
    text = _command_text(stmt)
    match = _ALTER_ADD.match(text)
    if match is None:
        raise AthenaQueryError("NOT_SUPPORTED", f"Unsupported ALTER statement: ALTER {text}")
    table = _table_from_text(stmt, match.group("table"))
    add_partitions(stmt, table, match.group("rest"), bool(match.group("ine")))
    return _ddl("ALTER_TABLE_ADD_PARTITION")


def _command_text(stmt: Statement) -> str:
    expression = stmt.tree.expression
    if isinstance(expression, exp.Literal):
        return str(expression.this)
    return str(expression) if expression is not None else ""


def alter(stmt: Statement) -> QueryResult:
    tree = stmt.tree
    node = tree.this
    partition = node.args.get("partition")
    table = stmt.existing_table(node)
    for action in tree.args.get("actions") or []:
        if isinstance(action, (exp.Schema, exp.ReplaceColumns)):
            _change_columns(stmt, table, action)
            return _ddl("ALTER_TABLE_CHANGE_COLUMNS")
        if isinstance(action, exp.AlterRename):
            raise AthenaQueryError("NOT_SUPPORTED", "ALTER TABLE RENAME TO is not supported")
        if isinstance(action, exp.AddPartition):
            add_partitions(stmt, table, stmt.sql, bool(action.args.get("exists")))
            return _ddl("ALTER_TABLE_ADD_PARTITION")
        if isinstance(action, exp.DropPartition):
            _drop_partitions(stmt, table, action)
            return _ddl("ALTER_TABLE_DROP_PARTITION")
        if isinstance(action, exp.AlterSet) and action.args.get("location") is not None:
            location = action.args["location"].name
            if partition is not None:
                spec = {e.this.name.lower(): e.expression.name for e in partition.expressions}
                values = _values(table, spec)
                stmt.catalog.update_partition(
                    table.database, table.name, _partition(table, values, location)
                )
                return _ddl("ALTER_TABLE_SET_LOCATION")
            table_input = _table_input(table)
            table_input["StorageDescriptor"]["Location"] = location
            stmt.catalog.update_table(table.database, table_input)
            return _ddl("ALTER_TABLE_SET_LOCATION")
        if isinstance(action, exp.AlterSet) and action.args.get("expressions"):
            table_input = _table_input(table)
            for prop in action.find_all(exp.Property):
                table_input["Parameters"][prop.this.name] = prop.args["value"].name
            stmt.catalog.update_table(table.database, table_input)
            return _ddl("ALTER_TABLE_SET_TBLPROPERTIES")
    raise AthenaQueryError(
        "NOT_SUPPORTED", f"Unsupported ALTER TABLE statement: {stmt.sql.strip()}"
    )


_TABLE_INPUT_KEYS = (
    "Name", "Description", "Owner", "Retention", "StorageDescriptor", "PartitionKeys",
    "ViewOriginalText", "ViewExpandedText", "TableType", "Parameters",
)  # fmt: skip


def _table_input(table: CatalogTable) -> dict[str, Any]:
    raw = copy.deepcopy(table.raw)
    result = {k: raw[k] for k in _TABLE_INPUT_KEYS if k in raw}
    result.setdefault("Parameters", {})
    return result


def _change_columns(stmt: Statement, table: CatalogTable, action: exp.Expression) -> None:
    """ADD COLUMNS appends to the table's columns; REPLACE COLUMNS replaces them."""
    new = hiveddl.column_defs(action)
    table_input = _table_input(table)
    columns = table_input["StorageDescriptor"].get("Columns", [])
    if isinstance(action, exp.ReplaceColumns):
        columns = new
    else:
        existing = {c["Name"] for c in columns}
        duplicate = [c["Name"] for c in new if c["Name"] in existing]
        if duplicate:
            raise AthenaQueryError("SemanticException", f"Duplicate column name: {duplicate[0]}")
        columns = columns + new
    table_input["StorageDescriptor"]["Columns"] = columns
    stmt.catalog.update_table(table.database, table_input)


def _drop_partitions(stmt: Statement, table: CatalogTable, action: exp.DropPartition) -> None:
    existing = {tuple(p.values) for p in stmt.catalog.partitions(table.database, table.name)}
    to_drop = []
    for partition in action.expressions:
        spec = {e.this.name.lower(): e.expression.name for e in partition.expressions}
        values = _values(table, spec)
        if tuple(values) not in existing:
            if action.args.get("exists"):
                continue
            raise AthenaQueryError("SemanticException", f"Partition not found {spec}")
        to_drop.append(values)
    stmt.catalog.delete_partitions(table.database, table.name, to_drop)


def msck_repair(stmt: Statement) -> QueryResult:
    match = _MSCK.match(_command_text(stmt))
    if match is None:
        raise AthenaQueryError("SYNTAX_ERROR", f"Unsupported statement: {stmt.sql.strip()}")
    table = _table_from_text(stmt, match.group("table"))
    keys = [k.name for k in table.partition_keys]
    existing = {tuple(p.values) for p in stmt.catalog.partitions(table.database, table.name)}
    new = []
    for path in stmt.storage.subfolders(table.location):
        segments = path.split("/")
        if len(segments) < len(keys):
            continue
        pairs = [s.split("=", 1) for s in segments[: len(keys)]]
        if [p[0].lower() for p in pairs if len(p) == 2] != keys:
            continue
        values = [p[1] for p in pairs]
        if tuple(values) not in existing:
            existing.add(tuple(values))
            new.append(
                _partition(
                    table, values, folder(table.location) + "/".join(segments[: len(keys)]) + "/"
                )
            )
    stmt.catalog.add_partitions(table.database, table.name, new)
    return _ddl("MSCK_REPAIR_TABLE")


# ------------------------------------------------------------------------ SHOW/DESCRIBE


def _utility(kind: str, columns: list[str], rows: list[tuple[Any, ...]]) -> QueryResult:
    return QueryResult(
        "UTILITY",
        kind,
        columns=[ResultColumn(c, "VARCHAR") for c in columns],
        rows=rows,
        header=False,
    )


def _like(pattern: str | None) -> Callable[[str], bool]:
    if not pattern:
        return lambda name: True
    regex = re.compile("^(" + pattern.replace("*", ".*") + ")$", re.I)
    return lambda name: bool(regex.match(name))


_SHOW: list[tuple[re.Pattern[str], Callable[[Statement, re.Match[str]], QueryResult]]] = []


def _show(
    pattern: str,
) -> Callable[
    [Callable[[Statement, re.Match[str]], QueryResult]],
    Callable[[Statement, re.Match[str]], QueryResult],
]:
    def register(
        fn: Callable[[Statement, re.Match[str]], QueryResult],
    ) -> Callable[[Statement, re.Match[str]], QueryResult]:
        _SHOW.append((re.compile(pattern, re.I | re.S), fn))
        return fn

    return register


@_show(r"^TABLES(?:\s+(?:IN|FROM)\s+`?(?P<db>\w+)`?)?(?:\s+(?:LIKE\s+)?'(?P<pattern>[^']*)')?\s*$")
def show_tables(stmt: Statement, m: re.Match[str]) -> QueryResult:
    database = (m.group("db") or stmt.scope.database).lower()
    stmt.require_database(database)
    keep = _like(m.group("pattern"))
    return _utility(
        "SHOW_TABLES", ["tab_name"], [(t,) for t in stmt.catalog.table_names(database) if keep(t)]
    )


@_show(r"^(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?'(?P<pattern>[^']*)')?\s*$")
def show_databases(stmt: Statement, m: re.Match[str]) -> QueryResult:
    keep = _like(m.group("pattern"))
    return _utility(
        "SHOW_DATABASES",
        ["database_name"],
        [(d,) for d in stmt.catalog.database_names() if keep(d)],
    )


@_show(r"^PARTITIONS\s+(?P<table>[\w.`\"]+)\s*$")
def show_partitions(stmt: Statement, m: re.Match[str]) -> QueryResult:
    table = _table_from_text(stmt, m.group("table"))
    keys = [k.name for k in table.partition_keys]
    rows = sorted(
        "/".join(f"{k}={v}" for k, v in zip(keys, p.values, strict=True))
        for p in stmt.catalog.partitions(table.database, table.name)
    )
    return _utility("SHOW_PARTITIONS", ["partition"], [(r,) for r in rows])


def _pairs(items: dict[str, str]) -> list[str]:
    pairs = [f"  '{k}'='{v}'" for k, v in sorted(items.items())]
    return [p + ("," if i < len(pairs) - 1 else ")") for i, p in enumerate(pairs)]


def create_table_text(table: CatalogTable) -> list[str]:
    """The Hive DDL that recreates ``table``, laid out as Athena's SHOW CREATE TABLE."""
    columns = [f"  `{c.name}` {c.type}" for c in table.columns]
    lines = [f"CREATE EXTERNAL TABLE `{table.database}`.`{table.name}`("]
    lines += [c + ("," if i < len(columns) - 1 else ")") for i, c in enumerate(columns)]
    if table.partition_keys:
        keys = [f"  `{k.name}` {k.type}" for k in table.partition_keys]
        lines += ["PARTITIONED BY ( "] + [
            k + ("," if i < len(keys) - 1 else ")") for i, k in enumerate(keys)
        ]
    lines += ["ROW FORMAT SERDE ", f"  '{table.serde}' "]
    if table.serde_params:
        lines += ["WITH SERDEPROPERTIES ( ", *_pairs(table.serde_params)]
    storage = table.raw.get("StorageDescriptor") or {}
    lines += [
        "STORED AS INPUTFORMAT ",
        f"  '{table.input_format}' ",
        "OUTPUTFORMAT ",
        f"  '{storage.get('OutputFormat', '')}'",
    ]
    lines += ["LOCATION", f"  '{table.location}'"]
    if table.parameters:
        lines += ["TBLPROPERTIES (", *_pairs(table.parameters)]
    return lines


@_show(r"^CREATE\s+(?:TABLE|VIEW)\s+(?P<table>[\w.`\"]+)\s*$")
def show_create(stmt: Statement, m: re.Match[str]) -> QueryResult:
    table = _table_from_text(stmt, m.group("table"))
    if table.is_view:
        lines = [f'CREATE VIEW "{table.database}"."{table.name}" AS', *view_sql(table).splitlines()]
    else:
        lines = create_table_text(table)
    return _utility("SHOW_CREATE_TABLE", ["createtab_stmt"], [(line,) for line in lines])


@_show(r"^TBLPROPERTIES\s+(?P<table>[\w.`\"]+)(?:\s*\('(?P<name>[^']*)'\))?\s*$")
def show_tblproperties(stmt: Statement, m: re.Match[str]) -> QueryResult:
    table = _table_from_text(stmt, m.group("table"))
    rows = sorted(table.parameters.items())
    if m.group("name"):
        rows = [(k, v) for k, v in rows if k == m.group("name")]
    return _utility("SHOW_TBLPROPERTIES", ["prpt_name", "prpt_value"], rows)


@_show(r"^VIEWS(?:\s+(?:IN|FROM)\s+`?(?P<db>\w+)`?)?(?:\s+(?:LIKE\s+)?'(?P<pattern>[^']*)')?\s*$")
def show_views(stmt: Statement, m: re.Match[str]) -> QueryResult:
    database = (m.group("db") or stmt.scope.database).lower()
    stmt.require_database(database)
    keep = _like(m.group("pattern"))
    views = [
        (name,)
        for name in stmt.catalog.table_names(database)
        if keep(name) and (t := stmt.catalog.get_table(database, name)) is not None and t.is_view
    ]
    return _utility("SHOW_VIEWS", ["views"], views)


@_show(r"^COLUMNS\s+(?:IN|FROM)\s+(?P<table>[\w.`\"]+)(?:\s+(?:IN|FROM)\s+`?(?P<db>\w+)`?)?\s*$")
def show_columns(stmt: Statement, m: re.Match[str]) -> QueryResult:
    name = m.group("table") if not m.group("db") else f"{m.group('db')}.{m.group('table')}"
    table = _table_from_text(stmt, name)
    return _utility("SHOW_COLUMNS", ["field"], [(c.name,) for c in table.all_columns])


def show(stmt: Statement) -> QueryResult:
    text = _command_text(stmt).strip().rstrip(";")
    for pattern, handler in _SHOW:
        match = pattern.match(text)
        if match:
            return handler(stmt, match)
    raise AthenaQueryError("NOT_SUPPORTED", f"Unsupported statement: SHOW {text}")


def describe(stmt: Statement) -> QueryResult:
    table = stmt.existing_table(stmt.tree.this)
    rows: list[tuple[Any, ...]] = [(c.name, c.type, "") for c in table.columns]
    if table.partition_keys:
        rows += [(c.name, c.type, "") for c in table.partition_keys]
        rows += [
            ("", None, None),
            ("# Partition Information", None, None),
            ("# col_name", "data_type", "comment"),
            ("", None, None),
        ]
        rows += [(c.name, c.type, "") for c in table.partition_keys]
    return _utility("DESCRIBE_TABLE", ["col_name", "data_type", "comment"], rows)
