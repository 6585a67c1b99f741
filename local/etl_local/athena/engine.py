"""The local Athena engine: one Athena (Trino) statement on DuckDB, against Glue and S3.

    engine = AthenaEngine(glue_client, s3_client, "http://127.0.0.1:5000")
    result = engine.execute("SELECT ...", database="curated", query_id=qid,
                            output_location="s3://results/")

Data moves through the S3 API of the same endpoint as the boto3 clients: a table's files are
read by DuckDB from local copies (one GET per object, kept while its ETag holds:
``storage.ObjectCache``) and written by DuckDB to a local folder, then PUT once per file.
DuckDB's own ``s3://`` (httpfs, loaded from the ``duckdb-extension-httpfs`` package) stays
configured for keys that cannot be local paths. Each statement runs on its own DuckDB cursor,
so statements run concurrently on different threads; CTAS/UNLOAD claim their location and
table name while they run (``storage.Claims``).
"""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extension_httpfs
from sqlglot import exp

from etl_local.athena import ddl, dialect, explain, functions, writes
from etl_local.athena.catalog import GlueCatalog
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.formats import quote_ident, select_from, sql_string
from etl_local.athena.results import (
    QueryResult,
    ResultColumn,
    result_csv,
    result_metadata,
    result_text,
)
from etl_local.athena.statement import Statement
from etl_local.athena.storage import S3Storage, folder
from etl_local.athena.tables import Scope, resolve_tables
from etl_local.athena.types import DUCKDB_COERCIONS
from etl_local.context import LocalContext

REGION = "us-east-1"
LOCAL_KEY = "local"


def httpfs_extension_path() -> Path:
    """The httpfs extension binary shipped by the duckdb-extension-httpfs wheel."""
    package = Path(duckdb_extension_httpfs.__file__).parent
    matches = sorted(package.glob(f"extensions/v{duckdb.__version__}/httpfs.duckdb_extension"))
    if not matches:
        raise RuntimeError(
            f"duckdb-extension-httpfs has no httpfs build for duckdb {duckdb.__version__}"
        )
    return matches[0]


def connect(endpoint_url: str, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose ``s3://`` is the local API plane."""
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if memory_limit:
        config["memory_limit"] = memory_limit
    db = duckdb.connect(":memory:", config=config)
    db.execute(f"LOAD {sql_string(str(httpfs_extension_path()))}")
    host = urllib.parse.urlsplit(endpoint_url).netloc
    settings = {
        "s3_endpoint": host,
        "s3_use_ssl": "false",
        "s3_url_style": "path",
        "s3_region": REGION,
        "s3_access_key_id": LOCAL_KEY,
        "s3_secret_access_key": LOCAL_KEY,
        "TimeZone": "UTC",  # Athena's session time zone
        # 5 MB multipart parts (S3's minimum) instead of ~80 MB: one buffer per open file
        # of a partitioned write, so memory stays flat however many partitions are written
        "s3_uploader_max_filesize": "50GB",
    }
    for name, value in settings.items():
        db.execute(f"SET GLOBAL {name} = {sql_string(value)}")
    db.execute("SET GLOBAL integer_division = true")  # Trino: integer / integer is an integer
    functions.create_macros(db)
    return db


def _kind(tree: exp.Expression) -> str:
    """The handler key of a parsed statement."""
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind", "")).upper()
        if kind == "TABLE":
            return "CTAS" if tree.expression is not None else "CREATE_TABLE"
        return f"CREATE_{kind}"
    if isinstance(tree, exp.Drop):
        return f"DROP_{str(tree.args.get('kind', '')).upper()}"
    if isinstance(tree, exp.Command):
        return f"COMMAND_{str(tree.this).upper().split()[0]}"
    return type(tree).__name__.upper()


Handler = Callable[["AthenaEngine", Statement], QueryResult]

HANDLERS: dict[str, Handler] = {
    "SELECT": lambda engine, stmt: engine.select(stmt),
    "UNION": lambda engine, stmt: engine.select(stmt),
    "INTERSECT": lambda engine, stmt: engine.select(stmt),
    "EXCEPT": lambda engine, stmt: engine.select(stmt),
    "VALUES": lambda engine, stmt: engine.select(stmt),
    "CTAS": lambda engine, stmt: writes.run_ctas(stmt),
    "INSERT": lambda engine, stmt: writes.run_insert(stmt),
    "CREATE_TABLE": lambda engine, stmt: ddl.create_external_table(stmt),
    "CREATE_DATABASE": lambda engine, stmt: ddl.create_database(stmt),
    "CREATE_SCHEMA": lambda engine, stmt: ddl.create_database(stmt),
    "CREATE_VIEW": lambda engine, stmt: ddl.create_view(stmt),
    "DROP_TABLE": lambda engine, stmt: ddl.drop_table(stmt),
    "DROP_VIEW": lambda engine, stmt: ddl.drop_view(stmt),
    "DROP_DATABASE": lambda engine, stmt: ddl.drop_database(stmt),
    "DROP_SCHEMA": lambda engine, stmt: ddl.drop_database(stmt),
    "ALTER": lambda engine, stmt: ddl.alter(stmt),
    "COMMAND_ALTER": lambda engine, stmt: ddl.alter_command(stmt),
    "COMMAND_MSCK": lambda engine, stmt: ddl.msck_repair(stmt),
    "COMMAND_SHOW": lambda engine, stmt: ddl.show(stmt),
    "COMMAND_UNLOAD": lambda engine, stmt: writes.run_unload(stmt),
    "COMMAND_EXPLAIN": lambda engine, stmt: explain.run_explain(stmt),
    "DESCRIBE": lambda engine, stmt: ddl.describe(stmt),
}


class AthenaEngine:
    def __init__(
        self, glue: Any, s3: Any, endpoint_url: str, memory_limit: str | None = None
    ) -> None:
        self.catalog = GlueCatalog(glue)
        self.storage = S3Storage(s3)
        self._db = connect(endpoint_url, memory_limit)
        self._lock = threading.Lock()
        self._cursors: dict[str, duckdb.DuckDBPyConnection] = {}

    @classmethod
    def for_context(cls, ctx: LocalContext) -> AthenaEngine:
        """An engine on the local plane of ``ctx`` (Glue and S3 through its endpoint)."""
        return cls(ctx.client("glue"), ctx.client("s3"), ctx.endpoint_url)

    def close(self) -> None:
        self._db.close()
        self.storage.cache.close()

    def execute(
        self,
        sql: str,
        database: str = "default",
        query_id: str | None = None,
        output_location: str | None = None,
    ) -> QueryResult:
        """Run one statement; raise ``AthenaQueryError`` as Athena would fail it."""
        query_id = query_id or str(uuid.uuid4())
        tree = dialect.parse(sql)
        handler = HANDLERS.get(_kind(tree))
        if handler is None:
            raise AthenaQueryError(
                "NOT_SUPPORTED", f"Unsupported statement type: {_kind(tree).lower()}"
            )
        with self._lock:
            cursor = self._db.cursor()
            self._cursors[query_id] = cursor
        prefix = "__athena_" + query_id.replace("-", "_")
        scope = Scope(sql, database.lower(), self.catalog, self.storage, cursor, prefix)
        stmt = Statement(sql, tree, scope, query_id, output_location)
        try:
            result = handler(self, stmt)
        except duckdb.Error as err:
            error = dialect.translate_error(err, sql, tree)
            raise AthenaQueryError(error.name, self.storage.cache.as_urls(error.message)) from err
        finally:
            with self._lock:
                self._cursors.pop(query_id, None)
            cursor.close()
            self.storage.cache.release(scope.pinned)
        result.data_scanned_bytes = scope.scanned_bytes
        if output_location:
            self._write_results(result, folder(output_location), query_id)
        return result

    def interrupt(self, query_id: str) -> None:
        """Cancel a running statement (StopQueryExecution)."""
        with self._lock:
            cursor = self._cursors.get(query_id)
        if cursor is not None:
            cursor.interrupt()

    def select(self, stmt: Statement) -> QueryResult:
        tree = stmt.tree
        resolve_tables(stmt.scope, tree)
        dialect.name_output_columns(tree)
        sql = dialect.to_duckdb(tree, stmt.scope.schema)
        relation = stmt.scope.cursor.sql(sql)  # bound, not run: types first, one execution
        names = [str(c) for c in relation.columns]
        types = [str(t) for t in relation.types]
        if any(t in DUCKDB_COERCIONS for t in types):
            projection = ", ".join(
                f"CAST({quote_ident(f'c{i}')} AS {DUCKDB_COERCIONS.get(t, t)})"
                for i, t in enumerate(types)
            )
            aliases = ", ".join(quote_ident(f"c{i}") for i in range(len(types)))
            relation = stmt.scope.cursor.sql(select_from(projection, f"({sql}) AS q({aliases})"))
            types = [DUCKDB_COERCIONS.get(t, t) for t in types]
        rows = relation.fetchall()
        columns = [ResultColumn(n, t) for n, t in zip(names, types, strict=True)]
        return QueryResult("DML", "SELECT", columns=columns, rows=rows)

    def _write_results(self, result: QueryResult, location: str, query_id: str) -> None:
        if result.statement_type == "DML" and result.substatement_type == "SELECT":
            self.storage.put(f"{location}{query_id}.csv", result_csv(result), "text/csv")
            self.storage.put(f"{location}{query_id}.csv.metadata", result_metadata(result))
        elif result.statement_type == "DML":
            manifest = "".join(f"{f}\n" for f in result.written_files).encode()
            self.storage.put(f"{location}{query_id}-manifest.csv", manifest, "text/csv")
            self.storage.put(f"{location}{query_id}.csv.metadata", result_metadata(result))
        else:
            self.storage.put(f"{location}{query_id}.txt", result_text(result), "text/plain")
