"""Prepare Lambda: validation (every rejection reason) and the run plan every later state reads."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from etl_shared.config import ConfigStore, DirectorySource
from etl_shared.errors import DependencyNotReady, InputRejected
from etl_shared.objects import LandedObject
from etl_shared.prepare import Head, validate

from .conftest import ROOT, Invoke, World, load_event

pytestmark = pytest.mark.unit

FLIGHTS_CSV = (
    b"day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,arr_delay,carrier,flight,"
    b"tailnum,origin,dest,air_time,distance,hour,minute,time_hour\n"
    b"1,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01 05:00:00\n"
    b"1,NA,1630,NA,NA,1815,NA,EV,4308,N18120,EWR,RDU,NA,416,16,30,2013-01-01 16:00:00\n"
)
FLIGHTS_KEY = "raw/flights/year=2013/month=01/flights_2013_01.csv"
RUN_ID = "flights-flights-2013-01-0123456789abcdef01234567"


def _create_dependencies(
    world: World, tables: tuple[str, ...] = ("airlines", "airports", "planes")
) -> None:
    for table in tables:
        world.glue.create_table(
            DatabaseName="curated",
            TableInput={
                "Name": table,
                "StorageDescriptor": {
                    "Columns": [{"Name": "carrier", "Type": "string"}],
                    "Location": f"s3://{world.lake}/curated/{table}/_runs/r-{table}/",
                },
            },
        )


def _event(
    world: World, key: str = FLIGHTS_KEY, body: bytes = FLIGHTS_CSV, **extra: Any
) -> dict[str, Any]:
    obj = world.put_raw(key, body)
    return {"dataset": extra.pop("dataset", "flights"), "object": obj, "run_id": RUN_ID} | extra


def test_sample_event_plans_the_whole_run(world: World, invoke: Invoke) -> None:
    _create_dependencies(world)
    event = load_event("prepare.json")
    event["object"] = world.put_raw(event["object"]["key"], FLIGHTS_CSV)
    plan = invoke("PrepareFunction", event)

    run_id, lake = event["run_id"], world.lake
    assert plan["run_id"] == run_id and plan["dataset"] == "flights"
    assert plan["partition"] == {"year": "2013", "month": "01"}
    assert plan["stages"] == {"databrew": True, "glue_job": True}
    assert plan["crawl"] == {
        "database": "raw",
        "table": "flights",
        "partition": ["2013", "01"],
        "poll_seconds": 30,
        "max_polls": 60,
        "polls": 0,
    }
    steps = plan["athena"]["steps"]
    assert [s["name"] for s in steps][:2] == ["00_create_staging_table", "01_create_rejects_table"]
    for step in steps:
        assert "${" not in step["sql"] and not step["sql"].rstrip().endswith(";")
    run_table = "flights__run_" + run_id.replace("-", "_")
    stage = next(s["sql"] for s in steps if s["name"] == "20_stage_run")
    assert f"staging.{run_table}" in stage
    assert f"s3://{lake}/staging/flights/_runs/{run_id}/" in stage

    brew = plan["databrew"]
    assert brew["job_name"] == brew["dataset_name"] == f"etl-local-local-{run_id}"
    assert brew["recipe_name"] == "etl-local-local-flights"
    assert brew["input"] == {"Bucket": lake, "Key": f"staging/flights/_runs/{run_id}/"}
    assert brew["output"]["Location"] == {"Bucket": lake, "Key": f"curated/flights/_runs/{run_id}/"}
    assert brew["output"]["PartitionColumns"] == ["year", "month"]

    arguments = plan["glue_job"]["arguments"]
    assert arguments["--run_id"] == run_id
    assert arguments["--input_airlines"] == f"s3://{lake}/curated/airlines/_runs/r-airlines/"
    assert (
        arguments["--output_enriched"] == f"s3://{lake}/analytics/flights_enriched/_runs/{run_id}/"
    )

    curated = next(c for c in plan["commit"] if c["table"] == "curated.flights")
    assert curated == {
        "table": "curated.flights",
        "database": "curated",
        "name": "flights",
        "location": f"s3://{lake}/curated/flights/_runs/{run_id}/year=2013/month=01/",
        "partition": {"year": "2013", "month": "01"},
    }
    counts = {c["stage"]: c["sql"] for c in plan["quality"]["counts"]}
    assert counts["raw"] == (
        """SELECT count(*) AS row_count FROM "raw"."flights" WHERE "year" = '2013' AND "month" = '01'"""
    )
    assert set(counts) == {"raw"} | {c["table"] for c in plan["commit"]}
    assert plan["quality"]["output"] == "curated.flights"


def test_reference_dataset_plan(world: World, invoke: Invoke) -> None:
    body = b"carrier,name\n9E,Endeavor Air Inc.\nAA,American Airlines Inc.\n"
    plan = invoke(
        "PrepareFunction", _event(world, "raw/airlines/airlines.csv", body, dataset="airlines")
    )
    assert plan["partition"] == {} and plan["crawl"]["partition"] == []
    assert plan["stages"] == {"databrew": False, "glue_job": False}
    assert plan["databrew"] == {} and plan["glue_job"] == {}
    (target,) = plan["commit"]
    assert target["partition"] == {}
    assert target["location"] == f"s3://{world.lake}/curated/airlines/_runs/{RUN_ID}/"
    assert (
        plan["quality"]["counts"][0]["sql"] == 'SELECT count(*) AS row_count FROM "raw"."airlines"'
    )


def test_missing_dependency_is_retryable(world: World, invoke: Invoke) -> None:
    _create_dependencies(world, ("airlines", "airports"))
    with pytest.raises(DependencyNotReady, match="curated.planes"):
        invoke("PrepareFunction", _event(world))


def test_dependency_created_but_not_committed_is_retryable(world: World, invoke: Invoke) -> None:
    """A reference table exists from its first DDL step on; it is ready once a run committed."""
    _create_dependencies(world, ("airlines", "airports"))
    world.glue.create_table(
        DatabaseName="curated",
        TableInput={
            "Name": "planes",
            "StorageDescriptor": {
                "Columns": [{"Name": "tailnum", "Type": "string"}],
                "Location": f"s3://{world.lake}/curated/planes/",
            },
        },
    )
    with pytest.raises(DependencyNotReady, match="curated.planes needs|not committed"):
        invoke("PrepareFunction", _event(world))


REJECTIONS = [
    ("zero-bytes", FLIGHTS_KEY, b"", {}, "empty"),
    ("header-only", FLIGHTS_KEY, FLIGHTS_CSV.split(b"\n")[0] + b"\n", {}, "empty"),
    ("not-utf8", FLIGHTS_KEY, b"day,carrier\n1,\xff\xfe\n", {}, "encoding"),
    ("one-column", FLIGHTS_KEY, b"day;carrier\n1;UA\n", {}, "format"),
    ("ragged-rows", FLIGHTS_KEY, b"day,carrier\n1,UA,extra\n", {}, "format"),
    ("key-off-pattern", "raw/flights/2013/01/flights.csv", FLIGHTS_CSV, {}, "key"),
    ("outside-prefixes", "raw/unknown/x.csv", FLIGHTS_CSV, {}, "prefix"),
    ("wrong-dataset", "raw/weather/year=2013/month=01/w.csv", FLIGHTS_CSV, {}, "dataset"),
]


@pytest.mark.parametrize(
    ("key", "body", "extra", "reason"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_rejected_input_names_its_reason(
    world: World, invoke: Invoke, key: str, body: bytes, extra: dict[str, Any], reason: str
) -> None:
    _create_dependencies(world)
    with pytest.raises(InputRejected) as raised:
        invoke("PrepareFunction", _event(world, key, body, **extra))
    assert raised.value.reason == reason
    assert type(raised.value).__name__ == "InputRejected"  # the state machine's Catch matches it


def test_a_vanished_object_is_rejected(world: World, invoke: Invoke) -> None:
    event = _event(world)
    event["object"]["key"] = "raw/flights/year=2013/month=02/gone.csv"
    event["object"]["version_id"] = ""
    with pytest.raises(InputRejected) as raised:
        invoke("PrepareFunction", event)
    assert raised.value.reason == "missing"


def test_size_limit_and_unsafe_partition_values() -> None:
    store = ConfigStore(DirectorySource(ROOT))
    flights = store.get("flights")
    small = dataclasses.replace(flights, max_bytes=10)
    obj = LandedObject(bucket="b", key=FLIGHTS_KEY, size=len(FLIGHTS_CSV))
    with pytest.raises(InputRejected, match="exceeds max_bytes 10"):
        validate(small, obj, Head(len(FLIGHTS_CSV), FLIGHTS_CSV))
    loose = dataclasses.replace(
        flights, key_pattern=r"^raw/flights/(?P<year>[^/]+)/(?P<month>[^/]+)/x\.csv$"
    )
    hostile = LandedObject(bucket="b", key="raw/flights/2013' OR '1'='1/01/x.csv", size=10)
    with pytest.raises(InputRejected, match="partition_value"):
        validate(loose, hostile, Head(len(FLIGHTS_CSV), FLIGHTS_CSV))


def test_a_large_file_is_validated_from_its_first_bytes(world: World, invoke: Invoke) -> None:
    _create_dependencies(world)
    row = FLIGHTS_CSV.split(b"\n")[1] + b"\n"
    body = FLIGHTS_CSV + row * 2000  # > the 64 KiB read: the cut last line is not judged
    plan = invoke("PrepareFunction", _event(world, body=body))
    assert plan["object"]["size"] == len(body)
    assert re.fullmatch(r"[a-z0-9-]+", plan["run_id"])
