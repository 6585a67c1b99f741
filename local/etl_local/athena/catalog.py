"""The Glue Data Catalog as the engine sees it, read and written through a boto3 glue client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from etl_local.athena.storage import Claims

PARTITION_BATCH = 100  # BatchCreatePartition / BatchDeletePartition accept at most 100 entries


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Hive type name as stored in Glue


@dataclass
class Partition:
    values: list[str]
    location: str
    storage: dict[str, Any] = field(default_factory=dict)


@dataclass
class CatalogTable:
    database: str
    name: str
    columns: list[Column]
    partition_keys: list[Column]
    location: str
    serde: str
    serde_params: dict[str, str]
    input_format: str
    parameters: dict[str, str]
    table_type: str
    view_text: str | None
    raw: dict[str, Any]

    @property
    def all_columns(self) -> list[Column]:
        return self.columns + self.partition_keys

    @property
    def is_view(self) -> bool:
        return self.table_type == "VIRTUAL_VIEW"

    @classmethod
    def from_glue(cls, database: str, table: dict[str, Any]) -> CatalogTable:
        storage = table.get("StorageDescriptor") or {}
        serde = storage.get("SerdeInfo") or {}
        return cls(
            database=database,
            name=table["Name"],
            columns=_columns(storage.get("Columns", [])),
            partition_keys=_columns(table.get("PartitionKeys", [])),
            location=storage.get("Location", ""),
            serde=serde.get("SerializationLibrary", ""),
            serde_params=dict(serde.get("Parameters") or {}),
            input_format=storage.get("InputFormat", ""),
            parameters=dict(table.get("Parameters") or {}),
            table_type=table.get("TableType", ""),
            view_text=table.get("ViewOriginalText"),
            raw=table,
        )


def _columns(items: list[dict[str, Any]]) -> list[Column]:
    return [Column(item["Name"].lower(), item.get("Type", "string")) for item in items]


def code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class GlueCatalog:
    """Thin typed access to the Glue API (the only place the engine talks to Glue)."""

    def __init__(self, glue: Any) -> None:
        self.glue = glue
        self.creating = Claims(str.__eq__)  # "database.table" a running CTAS creates

    def database_exists(self, database: str) -> bool:
        try:
            self.glue.get_database(Name=database)
        except ClientError as exc:
            if code(exc) == "EntityNotFoundException":
                return False
            raise
        return True

    def get_table(self, database: str, name: str) -> CatalogTable | None:
        try:
            table = self.glue.get_table(DatabaseName=database, Name=name)["Table"]
        except ClientError as exc:
            if code(exc) == "EntityNotFoundException":
                return None
            raise
        return CatalogTable.from_glue(database, table)

    def table_names(self, database: str) -> list[str]:
        names: list[str] = []
        for page in self.glue.get_paginator("get_tables").paginate(DatabaseName=database):
            names.extend(t["Name"] for t in page["TableList"])
        return sorted(names)

    def database_names(self) -> list[str]:
        names: list[str] = []
        for page in self.glue.get_paginator("get_databases").paginate():
            names.extend(d["Name"] for d in page["DatabaseList"])
        return sorted(names)

    def partitions(
        self, database: str, name: str, expression: str | None = None
    ) -> list[Partition]:
        """A table's partitions; with ``expression``, those Glue's filter keeps (a filter
        Glue cannot parse lists them all: the caller prunes again locally anyway)."""
        if expression:
            try:
                return list(self._partitions(database, name, Expression=expression))
            except ClientError as exc:
                if code(exc) not in ("InvalidInputException", "ValidationException"):
                    raise
        return list(self._partitions(database, name))

    def _partitions(self, database: str, name: str, **filters: str) -> Iterator[Partition]:
        paginator = self.glue.get_paginator("get_partitions")
        for page in paginator.paginate(DatabaseName=database, TableName=name, **filters):
            for item in page["Partitions"]:
                storage = item.get("StorageDescriptor") or {}
                yield Partition(list(item["Values"]), storage.get("Location", ""), storage)

    def create_database(self, database: str, params: dict[str, Any]) -> None:
        self.glue.create_database(DatabaseInput={"Name": database, **params})

    def delete_database(self, database: str) -> None:
        self.glue.delete_database(Name=database)

    def create_table(
        self, database: str, table_input: dict[str, Any], if_not_exists: bool = False
    ) -> None:
        """Create a table; with ``if_not_exists`` a table created meanwhile by a concurrent
        query is not an error (Athena's IF NOT EXISTS is a no-op then, too)."""
        try:
            self.glue.create_table(DatabaseName=database, TableInput=table_input)
        except ClientError as exc:
            if not (if_not_exists and code(exc) == "AlreadyExistsException"):
                raise

    def update_table(self, database: str, table_input: dict[str, Any]) -> None:
        self.glue.update_table(DatabaseName=database, TableInput=table_input)

    def delete_table(self, database: str, name: str) -> None:
        self.glue.delete_table(DatabaseName=database, Name=name)

    def add_partitions(
        self, database: str, name: str, partitions: list[Partition], if_not_exists: bool = False
    ) -> None:
        for start in range(0, len(partitions), PARTITION_BATCH):
            batch = partitions[start : start + PARTITION_BATCH]
            response = self.glue.batch_create_partition(
                DatabaseName=database,
                TableName=name,
                PartitionInputList=[
                    {"Values": p.values, "StorageDescriptor": p.storage} for p in batch
                ],
            )
            errors = [
                e
                for e in response.get("Errors") or []
                if not (
                    if_not_exists
                    and e.get("ErrorDetail", {}).get("ErrorCode") == "AlreadyExistsException"
                )
            ]
            if errors:
                detail = errors[0].get("ErrorDetail", {})
                raise ClientError(
                    {
                        "Error": {
                            "Code": detail.get("ErrorCode", ""),
                            "Message": detail.get("ErrorMessage", ""),
                        }
                    },
                    "BatchCreatePartition",
                )

    def delete_partitions(self, database: str, name: str, values: list[list[str]]) -> None:
        for start in range(0, len(values), PARTITION_BATCH):
            self.glue.batch_delete_partition(
                DatabaseName=database,
                TableName=name,
                PartitionsToDelete=[{"Values": v} for v in values[start : start + PARTITION_BATCH]],
            )

    def update_partition(self, database: str, name: str, partition: Partition) -> None:
        self.glue.update_partition(
            DatabaseName=database,
            TableName=name,
            PartitionValueList=partition.values,
            PartitionInput={"Values": partition.values, "StorageDescriptor": partition.storage},
        )
