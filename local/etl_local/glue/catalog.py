"""Writes a crawl's tables and partitions through the Glue API, as SchemaChangePolicy says.

- new table: CreateTable + BatchCreatePartition;
- existing table: schema drift (new columns appended, types widened) is applied with
  UpdateBehavior UPDATE_IN_DATABASE and only reported with LOG; new partitions are added
  either way (existing ones are updated with UPDATE_IN_DATABASE);
- tables this crawler made whose data is gone (and partitions whose folders are gone):
  DeleteBehavior DELETE_FROM_DATABASE deletes them, DEPRECATE_IN_DATABASE marks the table
  ``DEPRECATED_BY_CRAWLER``, LOG leaves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from etl_local.glue.settings import (
    DELETE_FROM_DATABASE,
    DEPRECATE_IN_DATABASE,
    UPDATE_IN_DATABASE,
    CrawlerSettings,
)
from etl_local.glue.specs import PartitionSpec, TableSpec
from etl_local.glue.types import merge, render

BATCH = 100  # Batch{Create,Update,Delete}Partition take at most 100 entries
# statistics that change on every crawl: not a change of the table's definition
VOLATILE = {"recordCount", "averageRecordSize", "objectCount", "sizeKey", "UPDATED_BY_CRAWLER"}


class TableThresholdExceeded(Exception):
    pass


@dataclass
class CrawlOutcome:
    tables_created: int = 0
    tables_updated: int = 0
    tables_deleted: int = 0
    partitions_created: int = 0
    partitions_updated: int = 0
    partitions_deleted: int = 0
    messages: list[str] = field(default_factory=list)


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class CatalogWriter:
    def __init__(self, glue: Any, settings: CrawlerSettings) -> None:
        self.glue = glue
        self.settings = settings
        self.database = settings.database
        self.outcome = CrawlOutcome()

    # ------------------------------------------------------------------ entry point

    def apply(self, specs: list[TableSpec], crawled_everything: bool) -> CrawlOutcome:
        self._ensure_database()
        self._check_threshold(specs)
        for spec in specs:
            existing = self._get_table(spec.name)
            if existing is None:
                self._create(spec)
            else:
                self._update(spec, existing, crawled_everything)
        if crawled_everything:
            self._retire({spec.name for spec in specs})
        return self.outcome

    # ------------------------------------------------------------------ tables

    def _check_threshold(self, specs: list[TableSpec]) -> None:
        """CrawlerOutput.Tables.TableThreshold: too many tables found -> change nothing."""
        threshold = self.settings.table_threshold
        if threshold is not None and len(specs) > threshold:
            raise TableThresholdExceeded(
                f"The number of tables detected by crawler: {len(specs)} is greater than the "
                f"table threshold value provided: {threshold}. Crawler will not do anything. "
                "Adjust the table threshold value and run the crawler again."
            )

    def _ensure_database(self) -> None:
        try:
            self.glue.get_database(Name=self.database)
        except ClientError as error:
            if _code(error) != "EntityNotFoundException":
                raise
            self.glue.create_database(DatabaseInput={"Name": self.database})

    def _get_table(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self.glue.get_table(DatabaseName=self.database, Name=name)["Table"])
        except ClientError as error:
            if _code(error) == "EntityNotFoundException":
                return None
            raise

    def _create(self, spec: TableSpec) -> None:
        self.glue.create_table(DatabaseName=self.database, TableInput=spec.table_input())
        self.outcome.tables_created += 1
        self.outcome.messages.append(f"Created table {spec.name} in database {self.database}")
        self._create_partitions(spec.name, spec.partitions)

    def _update(self, spec: TableSpec, existing: dict[str, Any], everything: bool) -> None:
        old_columns = [
            (c["Name"], c["Type"]) for c in existing.get("StorageDescriptor", {}).get("Columns", [])
        ]
        columns, drift = _evolve(old_columns, spec, self.settings.merge_new_columns)
        for message in drift:
            self.outcome.messages.append(f"Table {spec.name}: {message}")
        apply_changes = self.settings.update_behavior == UPDATE_IN_DATABASE
        if apply_changes and not self.settings.new_folders_only:
            spec.storage["Columns"] = [{"Name": n, "Type": t} for n, t in columns]
            if self.settings.inherit_from_table:
                for partition in spec.partitions:
                    partition.storage["Columns"] = spec.storage["Columns"]
            if _definition(existing) != _definition_of(spec):
                self.outcome.tables_updated += 1
            self.glue.update_table(DatabaseName=self.database, TableInput=spec.table_input())
        elif self.settings.inherit_from_table:
            for partition in spec.partitions:
                partition.storage["Columns"] = existing["StorageDescriptor"]["Columns"]
        self._sync_partitions(spec, apply_changes, everything)

    def _retire(self, produced: set[str]) -> None:
        behaviour = self.settings.delete_behavior
        for table in self._own_tables():
            if table["Name"] in produced:
                continue
            if behaviour == DELETE_FROM_DATABASE:
                self.glue.delete_table(DatabaseName=self.database, Name=table["Name"])
                self.outcome.tables_deleted += 1
                self.outcome.messages.append(f"Deleted table {table['Name']}")
            elif behaviour == DEPRECATE_IN_DATABASE:
                params = dict(table.get("Parameters", {}))
                if "DEPRECATED_BY_CRAWLER" in params:
                    continue
                params["DEPRECATED_BY_CRAWLER"] = "1"
                self.glue.update_table(
                    DatabaseName=self.database, TableInput=_as_input(table, params)
                )
                self.outcome.messages.append(f"Deprecated table {table['Name']}")
            else:
                self.outcome.messages.append(f"Table {table['Name']} has no data (logged only)")

    def _own_tables(self) -> Iterator[dict[str, Any]]:
        roots = [t.path.rstrip("/") + "/" for t in self.settings.targets]
        paginator = self.glue.get_paginator("get_tables")
        for page in paginator.paginate(DatabaseName=self.database):
            for table in page["TableList"]:
                params = table.get("Parameters", {})
                location = table.get("StorageDescriptor", {}).get("Location", "")
                mine = params.get("UPDATED_BY_CRAWLER") == self.settings.name
                if mine and any(location.startswith(root) for root in roots):
                    yield table

    # ------------------------------------------------------------------ partitions

    def _existing_partitions(self, table: str) -> dict[tuple[str, ...], dict[str, Any]]:
        found: dict[tuple[str, ...], dict[str, Any]] = {}
        paginator = self.glue.get_paginator("get_partitions")
        for page in paginator.paginate(DatabaseName=self.database, TableName=table):
            for partition in page["Partitions"]:
                found[tuple(partition["Values"])] = partition
        return found

    def _create_partitions(self, table: str, partitions: list[PartitionSpec]) -> None:
        for chunk in _chunks(partitions):
            response = self.glue.batch_create_partition(
                DatabaseName=self.database,
                TableName=table,
                PartitionInputList=[_partition_input(p) for p in chunk],
            )
            for error in response.get("Errors", []):
                detail = error.get("ErrorDetail", {})
                self.outcome.messages.append(
                    f"Partition {error.get('PartitionValues')} of {table}: "
                    f"{detail.get('ErrorCode')}: {detail.get('ErrorMessage')}"
                )
            self.outcome.partitions_created += len(chunk) - len(response.get("Errors", []))

    def _sync_partitions(self, spec: TableSpec, update: bool, everything: bool) -> None:
        if not spec.partition_keys:
            return
        existing = self._existing_partitions(spec.name)
        wanted = {tuple(p.values): p for p in spec.partitions}
        self._create_partitions(spec.name, [p for v, p in wanted.items() if v not in existing])
        if update and not self.settings.new_folders_only:
            changed = [
                p
                for v, p in wanted.items()
                if v in existing
                and existing[v].get("StorageDescriptor", {}).get("Columns") != p.storage["Columns"]
            ]
            for chunk in _chunks(changed):
                self.glue.batch_update_partition(
                    DatabaseName=self.database,
                    TableName=spec.name,
                    Entries=[
                        {"PartitionValueList": p.values, "PartitionInput": _partition_input(p)}
                        for p in chunk
                    ],
                )
                self.outcome.partitions_updated += len(chunk)
        gone = [list(v) for v in existing if v not in wanted]
        if everything and gone and self.settings.delete_behavior == DELETE_FROM_DATABASE:
            for chunk in _chunks(gone):
                self.glue.batch_delete_partition(
                    DatabaseName=self.database,
                    TableName=spec.name,
                    PartitionsToDelete=[{"Values": v} for v in chunk],
                )
                self.outcome.partitions_deleted += len(chunk)


# --------------------------------------------------------------------------- helpers


def _evolve(
    old: list[tuple[str, str]], spec: TableSpec, keep_types: bool = False
) -> tuple[list[tuple[str, str]], list[str]]:
    """Old columns kept in order, types widened (kept with ``keep_types``: MergeNewColumns);
    new columns appended. Returns the drift."""
    new = {name: kind for name, kind in (c.values() for c in spec.storage["Columns"])}
    columns: list[tuple[str, str]] = []
    drift: list[str] = []
    for name, kind in old:
        wanted = new.get(name, kind)
        if wanted != kind:
            widened = render(merge(kind, wanted))
            if keep_types:
                drift.append(f"column {name} type {kind} kept (found {widened}: MergeNewColumns)")
            else:
                drift.append(f"column {name} type changed {kind} -> {widened}")
                kind = widened
        columns.append((name, kind))
    known = {name for name, _ in old}
    for name, kind in new.items():
        if name not in known:
            drift.append(f"column {name} added ({kind})")
            columns.append((name, kind))
    return columns, drift


def _definition(table: dict[str, Any]) -> tuple[Any, ...]:
    storage = table.get("StorageDescriptor", {})
    params = {k: v for k, v in table.get("Parameters", {}).items() if k not in VOLATILE}
    return (storage.get("Columns"), storage.get("SerdeInfo"), storage.get("Location"), params)


def _definition_of(spec: TableSpec) -> tuple[Any, ...]:
    return _definition({"StorageDescriptor": spec.storage, "Parameters": spec.parameters})


def _partition_input(partition: PartitionSpec) -> dict[str, Any]:
    return {
        "Values": partition.values,
        "StorageDescriptor": partition.storage,
        "Parameters": partition.parameters,
    }


# The members of the Glue API's TableInput that a GetTable answer carries (one list, used by
# the crawler and by the workspace's catalogue dump).
TABLE_INPUT_FIELDS = (
    "Name",
    "Description",
    "Owner",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "TableType",
    "Parameters",
    "ViewOriginalText",
    "ViewExpandedText",
)


def _as_input(table: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    table_input = {k: table[k] for k in TABLE_INPUT_FIELDS if k in table}
    table_input["Parameters"] = params
    return table_input
