"""Commit Lambda: partitions and reference tables pointed at the run's location."""

from __future__ import annotations

from typing import Any

import pytest
from etl_shared.errors import CommitFailed

from .conftest import Invoke, World

pytestmark = pytest.mark.unit

KEYS = [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"}]


def _table(world: World, database: str, name: str, partitioned: bool) -> None:
    world.glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "PartitionKeys": KEYS if partitioned else [],
            "StorageDescriptor": {
                "Columns": [{"Name": "carrier", "Type": "string"}],
                "Location": f"s3://{world.lake}/{database}/{name}/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        },
    )


def _target(world: World, table: str, run_id: str, partition: dict[str, str]) -> dict[str, Any]:
    zone, name = table.split(".")
    suffix = "".join(f"{k}={v}/" for k, v in partition.items())
    return {
        "table": table,
        "database": zone,
        "name": name,
        "location": f"s3://{world.lake}/{zone}/{name}/_runs/{run_id}/{suffix}",
        "partition": partition,
    }


def _plan(targets: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "dataset": "flights", "commit": targets}


MONTH = {"year": "2013", "month": "01"}


def test_first_run_adds_the_partition(world: World, invoke: Invoke) -> None:
    _table(world, "curated", "flights", partitioned=True)
    target = _target(world, "curated.flights", "run-1", MONTH)
    (done,) = invoke("CommitFunction", _plan([target], "run-1"))
    assert done == {
        "table": "curated.flights",
        "partition": MONTH,
        "location": target["location"],
        "previous_location": "",
    }
    partition = world.glue.get_partition(
        DatabaseName="curated", TableName="flights", PartitionValues=["2013", "01"]
    )
    descriptor = partition["Partition"]["StorageDescriptor"]
    assert descriptor["Location"] == target["location"]
    assert descriptor["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")


def test_relanding_replaces_the_partition_and_marks_the_old_run_superseded(
    world: World, invoke: Invoke
) -> None:
    _table(world, "curated", "flights", partitioned=True)
    first = _target(world, "curated.flights", "run-1", MONTH)
    old_key = "curated/flights/_runs/run-1/year=2013/month=01/part-0.parquet"
    world.s3.put_object(Bucket=world.lake, Key=old_key, Body=b"PAR1")
    invoke("CommitFunction", _plan([first], "run-1"))
    second = _target(world, "curated.flights", "run-2", MONTH)
    (done,) = invoke("CommitFunction", _plan([second], "run-2"))
    assert done["previous_location"] == first["location"]
    partitions = world.glue.get_partitions(DatabaseName="curated", TableName="flights")[
        "Partitions"
    ]
    assert [p["StorageDescriptor"]["Location"] for p in partitions] == [second["location"]]
    tags = world.s3.get_object_tagging(Bucket=world.lake, Key=old_key)["TagSet"]
    assert tags == [{"Key": "etl:superseded", "Value": "true"}]


def test_recommitting_the_same_run_is_idempotent(world: World, invoke: Invoke) -> None:
    _table(world, "curated", "flights", partitioned=True)
    target = _target(world, "curated.flights", "run-1", MONTH)
    key = "curated/flights/_runs/run-1/year=2013/month=01/part-0.parquet"
    world.s3.put_object(Bucket=world.lake, Key=key, Body=b"PAR1")
    invoke("CommitFunction", _plan([target], "run-1"))
    (again,) = invoke("CommitFunction", _plan([target], "run-1"))
    assert again["previous_location"] == target["location"]
    assert world.s3.get_object_tagging(Bucket=world.lake, Key=key)["TagSet"] == []


def test_reference_table_location_is_replaced(world: World, invoke: Invoke) -> None:
    _table(world, "curated", "airlines", partitioned=False)
    target = _target(world, "curated.airlines", "run-9", {})
    (done,) = invoke("CommitFunction", _plan([target], "run-9"))
    assert done["previous_location"] == f"s3://{world.lake}/curated/airlines/"
    table = world.glue.get_table(DatabaseName="curated", Name="airlines")["Table"]
    assert table["StorageDescriptor"]["Location"] == target["location"]
    assert table["Parameters"] == {"classification": "parquet"}  # the rest of the table is kept


def test_every_target_of_a_plan_is_committed(world: World, invoke: Invoke) -> None:
    _table(world, "staging", "flights", partitioned=True)
    _table(world, "analytics", "carrier_daily", partitioned=True)
    targets = [
        _target(world, "staging.flights", "run-1", MONTH),
        _target(world, "analytics.carrier_daily", "run-1", MONTH),
    ]
    done = invoke("CommitFunction", _plan(targets, "run-1"))
    assert [d["table"] for d in done] == ["staging.flights", "analytics.carrier_daily"]


FAILURES = [
    ("missing-table", None, MONTH, "does not exist"),
    ("partitioned-table-no-values", True, {}, "is partitioned; the run has no partition values"),
    ("partition-keys-differ", True, {"year": "2013"}, "is partitioned by"),
]


@pytest.mark.parametrize(
    ("partitioned", "partition", "message"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_commit_failures(
    world: World, invoke: Invoke, partitioned: bool | None, partition: dict[str, str], message: str
) -> None:
    if partitioned is not None:
        _table(world, "curated", "flights", partitioned=partitioned)
    with pytest.raises(CommitFailed, match=message):
        invoke(
            "CommitFunction",
            _plan([_target(world, "curated.flights", "run-1", partition)], "run-1"),
        )
