"""What a statement handler gets: the parsed statement, the catalog, S3, a DuckDB cursor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from etl_local.athena.catalog import CatalogTable, GlueCatalog
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.storage import S3Storage
from etl_local.athena.tables import Scope, lookup


@dataclass
class Statement:
    sql: str
    tree: exp.Expression
    scope: Scope
    query_id: str
    output_location: str | None  # the query's result folder (s3://.../), if any

    @property
    def catalog(self) -> GlueCatalog:
        return self.scope.catalog

    @property
    def storage(self) -> S3Storage:
        return self.scope.storage

    def table_name(self, node: exp.Table) -> tuple[str, str]:
        return self.scope.qualified(node)

    def existing_table(self, node: exp.Table) -> CatalogTable:
        return lookup(self.scope, node)

    def require_database(self, database: str) -> None:
        if not self.catalog.database_exists(database):
            raise AthenaQueryError("SCHEMA_NOT_FOUND", f"Schema '{database}' does not exist")
