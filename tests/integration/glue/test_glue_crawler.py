"""Crawls through the Glue API on the local API plane: the tables, partitions and crawler
state a real crawl leaves behind (moto as the catalog and S3)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from etl_local.glue import crawls

from tests.integration.glue.conftest import GlueWorld, unique

pytestmark = pytest.mark.integration

HEADER = "day,dep_time,carrier,flight,time_hour\n"
ROWS = "1,517,UA,1545,2013-01-01 05:00:00\n2,NA,AA,1141,2013-01-02 05:00:00\n"
CONFIG = json.dumps(
    {
        "Version": 1.0,
        "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
        "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
    }
)


def _flights(world: GlueWorld, months: range, extra_column: bool = False) -> None:
    for month in months:
        header = HEADER.replace("\n", ",seats\n") if extra_column else HEADER
        rows = ROWS.replace("\n", ",150\n") if extra_column else ROWS
        world.put(
            f"raw/flights/year=2013/month={month:02d}/flights_2013_{month:02d}.csv", header + rows
        )


def test_csv_crawl_creates_partitioned_table(world: GlueWorld) -> None:
    _flights(world, range(1, 4))
    name = world.create_crawler(unique("c"), ["raw/flights/"], Configuration=CONFIG)
    crawler = world.crawl(name)
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert crawler["LastCrawl"]["LogGroup"] == "/aws-glue/crawlers"
    table = world.table(name, "flights")
    storage = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == [
        ("day", "bigint"),
        ("dep_time", "string"),
        ("carrier", "string"),
        ("flight", "bigint"),
        ("time_hour", "string"),
    ]
    assert [(k["Name"], k["Type"]) for k in table["PartitionKeys"]] == [
        ("year", "string"),
        ("month", "string"),
    ]
    assert storage["Location"] == f"s3://{world.bucket}/raw/flights/"
    assert storage["SerdeInfo"]["SerializationLibrary"].endswith("LazySimpleSerDe")
    params = table["Parameters"]
    assert params["classification"] == "csv"
    assert params["skip.header.line.count"] == "1"
    assert params["objectCount"] == "3"
    assert params["recordCount"] == "6"
    assert params["UPDATED_BY_CRAWLER"] == name
    partitions = world.partitions(name, "flights")
    assert [p["Values"] for p in partitions] == [["2013", "01"], ["2013", "02"], ["2013", "03"]]
    assert partitions[0]["StorageDescriptor"]["Location"] == (
        f"s3://{world.bucket}/raw/flights/year=2013/month=01/"
    )
    metrics = world.call("GetCrawlerMetrics", CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"]) == (1, 0)
    assert [e["detail"]["state"] for e in world.events] == ["Started", "Succeeded"]


def test_incremental_crawl_adds_only_new_folders(world: GlueWorld) -> None:
    _flights(world, range(1, 3))
    name = world.create_crawler(
        unique("c"),
        ["raw/flights/"],
        Configuration=CONFIG,
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    world.crawl(name)
    _flights(world, range(3, 4))
    world.put(
        "raw/flights/year=2013/month=01/late.csv", HEADER.replace("\n", ",x\n") + "1,2,UA,3,t,9\n"
    )
    assert world.crawl(name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert [p["Values"][1] for p in world.partitions(name, "flights")] == ["01", "02", "03"]
    columns = world.table(name, "flights")["StorageDescriptor"]["Columns"]
    assert "x" not in [c["Name"] for c in columns]  # the old folder was not read again


@pytest.mark.parametrize(
    ("behaviour", "has_seats", "updated"),
    [("UPDATE_IN_DATABASE", True, 1), ("LOG", False, 0)],
    ids=["update-in-database", "log-only"],
)
def test_schema_drift(world: GlueWorld, behaviour: str, has_seats: bool, updated: int) -> None:
    _flights(world, range(1, 2))
    name = world.create_crawler(
        unique("c"),
        ["raw/flights/"],
        Configuration=CONFIG,
        SchemaChangePolicy={"UpdateBehavior": behaviour, "DeleteBehavior": "LOG"},
    )
    world.crawl(name)
    _flights(world, range(2, 3), extra_column=True)
    world.crawl(name)
    columns = [c["Name"] for c in world.table(name, "flights")["StorageDescriptor"]["Columns"]]
    assert ("seats" in columns) == has_seats
    assert len(world.partitions(name, "flights")) == 2  # new partitions are added either way
    metrics = world.call("GetCrawlerMetrics", CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert metrics["TablesUpdated"] == updated


@pytest.mark.parametrize(
    ("tables_output", "type_after"),
    [({}, "double"), ({"AddOrUpdateBehavior": "MergeNewColumns"}, "bigint")],
    ids=["widened", "merge-new-columns-keeps-type"],
)
def test_type_widening_updates_table(
    world: GlueWorld, tables_output: dict[str, str], type_after: str
) -> None:
    config = json.loads(CONFIG)
    config["CrawlerOutput"]["Tables"] = tables_output
    world.put("data/t/p=1/a.csv", "a,b\n1,x\n2,y\n")
    name = world.create_crawler(unique("c"), ["data/t/"], Configuration=json.dumps(config))
    world.crawl(name)
    world.put("data/t/p=2/a.csv", "a,b\n1.5,x\n2,y\n")
    world.crawl(name)
    columns = world.table(name, "t")["StorageDescriptor"]["Columns"]
    assert columns[0] == {"Name": "a", "Type": type_after}
    partitions = world.partitions(name, "t")
    assert all(p["StorageDescriptor"]["Columns"][0]["Type"] == type_after for p in partitions)


def test_table_threshold_fails_the_crawl_and_changes_nothing(world: GlueWorld) -> None:
    world.put("many/a/x.csv", "a,b\n1,x\n2,y\n")
    world.put("many/b/y.csv", "c,d,e\n1,x,z\n2,y,w\n")
    config = {"Version": 1.0, "CrawlerOutput": {"Tables": {"TableThreshold": 1}}}
    name = world.create_crawler(unique("c"), ["many/"], Configuration=json.dumps(config))
    last = world.crawl(name)["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert "number of tables detected by crawler: 2 is greater than" in last["ErrorMessage"]
    assert world.tables(name) == []


@pytest.mark.parametrize(
    ("behaviour", "tables", "deprecated"),
    [
        ("DELETE_FROM_DATABASE", ["a"], False),
        ("DEPRECATE_IN_DATABASE", ["a", "b"], True),
        ("LOG", ["a", "b"], False),
    ],
    ids=["delete", "deprecate", "log"],
)
def test_delete_behaviour(
    world: GlueWorld, behaviour: str, tables: list[str], deprecated: bool
) -> None:
    world.put("data/a/x.csv", "a,b\n1,x\n2,y\n")
    world.put("data/b/y.csv", "c,d,e\n1,x,z\n2,y,w\n")
    name = world.create_crawler(
        unique("c"),
        ["data/a/", "data/b/"],
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": behaviour},
    )
    world.crawl(name)
    assert world.tables(name) == ["a", "b"]
    world.delete_prefix("data/b/")
    world.crawl(name)
    assert world.tables(name) == tables
    if "b" in tables:
        assert ("DEPRECATED_BY_CRAWLER" in world.table(name, "b")["Parameters"]) == deprecated


def test_one_compatible_folder_left_becomes_a_partition(world: GlueWorld) -> None:
    """Glue's grouping gotcha: one include path over similar folders is one table."""
    world.put("data/a/x.csv", "a,b\n1,x\n2,y\n")
    name = world.create_crawler(unique("c"), ["data/"])
    world.crawl(name)
    assert world.tables(name) == ["data"]
    table = world.table(name, "data")
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0"]


def test_targets_prefix_exclusions_and_formats(world: GlueWorld) -> None:
    world.put("one/events/e1.json", '{"id": 1, "kind": "a"}\n{"id": 2, "kind": "b"}\n')
    world.put("one/events/skip.tmp", "not data")
    world.put("one/events/_SUCCESS", "")
    world.put("two/metrics/m.csv.gz", __import__("gzip").compress(b"m|v\nx|1\ny|2\n"))
    name = unique("c")
    world.glue.create_crawler(
        Name=name,
        Role="r",
        DatabaseName=name,
        TablePrefix="raw_",
        Targets={
            "S3Targets": [
                {"Path": f"s3://{world.bucket}/one/events", "Exclusions": ["*.tmp"]},
                {"Path": f"s3://{world.bucket}/two/metrics/"},
            ]
        },
    )
    world.crawl(name)
    assert world.tables(name) == ["raw_events", "raw_metrics"]
    events_table = world.table(name, "raw_events")
    assert events_table["Parameters"]["classification"] == "json"
    assert events_table["Parameters"]["objectCount"] == "1"
    metrics = world.table(name, "raw_metrics")
    assert metrics["Parameters"]["compressionType"] == "gzip"
    assert metrics["Parameters"]["delimiter"] == "|"
    assert metrics["StorageDescriptor"]["Compressed"] is True


def test_mixed_schemas_in_one_folder_make_a_table_per_file(world: GlueWorld) -> None:
    world.put("mixed/t/a.csv", "a,b\n1,x\n2,y\n")
    world.put("mixed/t/b.json", '{"k": 1}\n')
    name = world.create_crawler(unique("c"), ["mixed/t/"])
    world.crawl(name)
    assert world.tables(name) == ["a_csv", "b_json"]
    table = world.table(name, "b_json")
    assert table["StorageDescriptor"]["Location"] == f"s3://{world.bucket}/mixed/t/b.json"
    assert table["Parameters"]["classification"] == "json"


@pytest.mark.parametrize(
    ("files", "classification", "objects"),
    [
        ({"bad/t/x.parquet": b"PAR1 torn PAR1"}, "UNKNOWN", "1"),
        ({"bad/t/a.csv": b"a,b\n1,x\n2,y\n", "bad/t/broken.gz": b"\x1f\x8b\x08junk"}, "csv", "1"),
        ({"bad/t/a.csv": b"a,b\n1,x\n2,y\n", "bad/t/empty.csv": b""}, "csv", "1"),
    ],
    ids=["only-corrupt-file-unknown-table", "corrupt-file-left-out", "empty-file-ignored"],
)
def test_bad_input_ends_as_glue_would(
    world: GlueWorld, files: dict[str, bytes], classification: str, objects: str
) -> None:
    for key, body in files.items():
        world.put(key, body)
    name = world.create_crawler(unique("c"), ["bad/t/"])
    assert world.crawl(name)["LastCrawl"]["Status"] == "SUCCEEDED"
    params = world.table(name, "t")["Parameters"]
    assert (params["classification"], params["objectCount"]) == (classification, objects)


def test_schema_drift_is_reported_in_the_crawl_log(world: GlueWorld) -> None:
    world.put("drift/t/p=1/a.csv", "a,b\n1,x\n2,y\n")
    name = world.create_crawler(unique("c"), ["drift/t/"], Configuration=CONFIG)
    world.crawl(name)
    world.put("drift/t/p=2/a.csv", "a,b,c\n1.5,x,7\n2,y,8\n")
    last = world.crawl(name)["LastCrawl"]
    logs = world.ctx.client("logs").get_log_events(
        logGroupName=last["LogGroup"], logStreamName=last["LogStream"]
    )
    messages = [e["message"] for e in logs["events"]]
    assert any("column a type changed bigint -> double" in m for m in messages)
    assert any("column c added (bigint)" in m for m in messages)
    assert all(m.startswith("[") for m in messages)


def test_empty_target_succeeds_without_tables(world: GlueWorld) -> None:
    name = world.create_crawler(unique("c"), ["nothing/here/"])
    assert world.crawl(name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert world.tables(name) == []


def test_missing_bucket_fails_the_crawl_not_the_runtime(world: GlueWorld) -> None:
    name = unique("c")
    world.glue.create_crawler(
        Name=name,
        Role="r",
        DatabaseName=name,
        Targets={"S3Targets": [{"Path": "s3://no-such-bucket-anywhere/x/"}]},
    )
    last = world.crawl(name)["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert "NoSuchBucket" in last["ErrorMessage"]
    assert world.call("GetCrawler", Name=name)["Crawler"]["State"] == "READY"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold every crawl after planning until the test releases it."""
    release = threading.Event()
    original = crawls.plan

    def held(*args: Any, **kwargs: Any) -> Any:
        specs = original(*args, **kwargs)
        release.wait(30)
        return specs

    monkeypatch.setattr(crawls, "plan", held)
    return release


def test_second_start_is_crawler_running(world: GlueWorld, gate: threading.Event) -> None:
    world.put("d/t/a.csv", "a,b\n1,x\n2,y\n")
    name = world.create_crawler(unique("c"), ["d/t/"])
    world.call("StartCrawler", Name=name)
    crawler = world.call("GetCrawler", Name=name)["Crawler"]
    assert crawler["State"] == "RUNNING"
    assert crawler["CrawlElapsedTime"] >= 0
    error = world.error("StartCrawler", Name=name)
    assert (error.code, error.message) == (
        "CrawlerRunningException",
        f"Crawler with name {name} has already started",
    )
    gate.set()
    world.api.crawlers.wait(name)
    assert world.call("GetCrawler", Name=name)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"


def test_stop_crawler_cancels(world: GlueWorld, gate: threading.Event) -> None:
    world.put("d/t/a.csv", "a,b\n1,x\n2,y\n")
    name = world.create_crawler(unique("c"), ["d/t/"])
    world.call("StartCrawler", Name=name)
    world.call("StopCrawler", Name=name)
    assert world.call("GetCrawler", Name=name)["Crawler"]["State"] == "STOPPING"
    assert world.error("StopCrawler", Name=name).code == "CrawlerStoppingException"
    gate.set()
    world.api.crawlers.wait(name)
    crawler = world.call("GetCrawler", Name=name)["Crawler"]
    assert (crawler["State"], crawler["LastCrawl"]["Status"]) == ("READY", "CANCELLED")
    assert world.tables(name) == []


ERRORS = [
    (
        "start-unknown",
        "StartCrawler",
        "EntityNotFoundException",
        "Crawler entry with name nope does not exist",
    ),
    (
        "stop-unknown",
        "StopCrawler",
        "EntityNotFoundException",
        "Crawler entry with name nope does not exist",
    ),
]


@pytest.mark.parametrize(
    ("action", "code", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_crawler_errors(world: GlueWorld, action: str, code: str, message: str) -> None:
    error = world.error(action, Name="nope")
    assert (error.code, error.message) == (code, message)


def test_stop_ready_crawler_is_not_running(world: GlueWorld) -> None:
    name = world.create_crawler(unique("c"), ["x/"])
    error = world.error("StopCrawler", Name=name)
    assert (error.code, error.message) == (
        "CrawlerNotRunningException",
        f"Crawler with name {name} isn't running",
    )


def test_batch_get_and_list_overlay_state(world: GlueWorld) -> None:
    name = world.create_crawler(unique("c"), ["x/"])
    world.crawl(name)
    found = world.call("BatchGetCrawlers", CrawlerNames=[name, "missing"])
    assert [c["Name"] for c in found["Crawlers"]] == [name]
    assert found["CrawlersNotFound"] == ["missing"]
    assert found["Crawlers"][0]["LastCrawl"]["Status"] == "SUCCEEDED"
    listed = {c["Name"]: c for c in world.call("GetCrawlers")["Crawlers"]}
    assert listed[name]["State"] == "READY"
