"""Commit: point each touched partition (or unpartitioned table) at the run's location."""

from __future__ import annotations

from typing import Any

from etl_shared.errors import CommitFailed

TABLE_INPUT_FIELDS = (
    "Name", "Description", "Owner", "Retention", "StorageDescriptor", "PartitionKeys",
    "ViewOriginalText", "ViewExpandedText", "TableType", "Parameters", "TargetTable",
)  # fmt: skip


def _table(glue: Any, database: str, name: str) -> dict[str, Any]:
    try:
        return dict(glue.get_table(DatabaseName=database, Name=name)["Table"])
    except glue.exceptions.EntityNotFoundException as exc:
        raise CommitFailed(
            f"{database}.{name} does not exist (its DDL step must create it)"
        ) from exc


def _commit_partition(glue: Any, target: dict[str, Any], table: dict[str, Any]) -> str:
    keys = [k["Name"] for k in table.get("PartitionKeys", [])]
    if keys != list(target["partition"]):
        raise CommitFailed(
            f"{target['table']} is partitioned by {keys}, run has {list(target['partition'])}"
        )
    values = list(target["partition"].values())
    descriptor = dict(table["StorageDescriptor"], Location=target["location"])
    partition_input = {"Values": values, "StorageDescriptor": descriptor}
    db, name = target["database"], target["name"]
    try:
        previous = glue.get_partition(DatabaseName=db, TableName=name, PartitionValues=values)
    except glue.exceptions.EntityNotFoundException:
        glue.create_partition(DatabaseName=db, TableName=name, PartitionInput=partition_input)
        return ""
    glue.update_partition(
        DatabaseName=db, TableName=name, PartitionValueList=values, PartitionInput=partition_input
    )
    return str(previous["Partition"]["StorageDescriptor"].get("Location", ""))


def _commit_table(glue: Any, target: dict[str, Any], table: dict[str, Any]) -> str:
    if table.get("PartitionKeys"):
        raise CommitFailed(f"{target['table']} is partitioned; the run has no partition values")
    previous = str(table["StorageDescriptor"].get("Location", ""))
    table_input = {k: table[k] for k in TABLE_INPUT_FIELDS if k in table}
    table_input["StorageDescriptor"] = dict(table["StorageDescriptor"], Location=target["location"])
    glue.update_table(DatabaseName=target["database"], TableInput=table_input)
    return previous


SUPERSEDED_TAG = {"Key": "etl:superseded", "Value": "true"}


def mark_superseded(s3: Any, previous: str, current: str) -> int:
    """Tag the objects of a replaced run location; the lake's lifecycle rule expires them.

    Only run-scoped locations (``.../_runs/<run_id>/...``) are ever tagged: a table's base
    location or another writer's data is never touched. Re-committing the same run is a no-op.
    """
    if not previous.startswith("s3://") or "/_runs/" not in previous or previous == current:
        return 0
    bucket, _, prefix = previous.removeprefix("s3://").partition("/")
    tagged = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            s3.put_object_tagging(
                Bucket=bucket, Key=obj["Key"], Tagging={"TagSet": [SUPERSEDED_TAG]}
            )
            tagged += 1
    return tagged


def commit(plan: dict[str, Any], glue: Any, s3: Any) -> list[dict[str, Any]]:
    """Commit every target of the plan; returns what moved where (for the manifest)."""
    done = []
    for target in plan["commit"]:
        table = _table(glue, target["database"], target["name"])
        step = _commit_partition if target["partition"] else _commit_table
        previous = step(glue, target, table)
        mark_superseded(s3, previous, target["location"])
        done.append(
            {"table": target["table"], "partition": target["partition"],
             "location": target["location"], "previous_location": previous}
        )  # fmt: skip
    return done
