"""Crawler check Lambda: Crawler.State x LastCrawl.Status x catalogue -> READY / WAIT / CRAWL.

The crawler is moto's, driven through the Glue API (start_crawler) and moto's state manager
(how many reads a crawl stays RUNNING); a failed crawl is set on moto's record because the
API has no way to make a crawl fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from etl_shared.errors import CrawlFailed
from moto.glue.models import glue_backends
from moto.moto_api import state_manager

from .conftest import ACCOUNT, REGION, Invoke, World, load_event

pytestmark = pytest.mark.unit


@pytest.fixture
def crawler(world: World) -> Iterator[str]:
    """The template's crawler; crawls stay RUNNING until progressed by hand."""
    state_manager.set_transition(
        model_name="glue::crawl", transition={"progression": "manual", "times": 1}
    )
    yield world.resolver.name("RawCrawler")
    state_manager.unset_transition(model_name="glue::crawl")


def _catalogue(world: World, partition: bool = True) -> None:
    world.glue.create_table(
        DatabaseName="raw",
        TableInput={
            "Name": "flights",
            "PartitionKeys": [
                {"Name": "year", "Type": "string"},
                {"Name": "month", "Type": "string"},
            ],
            "StorageDescriptor": {"Columns": [{"Name": "day", "Type": "bigint"}]},
        },
    )
    if partition:
        world.glue.create_partition(
            DatabaseName="raw",
            TableName="flights",
            PartitionInput={"Values": ["2013", "01"], "StorageDescriptor": {"Columns": []}},
        )


def _crawl(name: str) -> Any:
    return glue_backends[ACCOUNT][REGION].crawlers[name].crawls[-1]


def _check(invoke: Invoke, event_file: str, crawler: str) -> dict[str, Any]:
    event = load_event(event_file)
    event["crawler"] = crawler
    plan = invoke("CrawlerCheckFunction", event)
    assert plan["run_id"] == event["run_id"]  # the rest of the plan passes through
    return dict(plan["crawl"])


def test_already_catalogued_skips_the_crawl(world: World, invoke: Invoke, crawler: str) -> None:
    _catalogue(world)
    crawl = _check(invoke, "crawler_check_initial.json", crawler)
    assert crawl["status"] == "READY" and crawl["polls"] == 1
    assert crawl["crawler_state"] == "READY" and crawl["last_crawl"] == ""


@pytest.mark.parametrize("partition", [False, True], ids=["no-table", "table-without-partition"])
def test_uncatalogued_data_asks_for_a_crawl(
    world: World, invoke: Invoke, crawler: str, partition: bool
) -> None:
    if partition:
        _catalogue(world, partition=False)
    crawl = _check(invoke, "crawler_check_initial.json", crawler)
    assert (crawl["status"], crawl["crawls"]) == ("CRAWL", 1)


@pytest.mark.parametrize(
    "event",
    [
        "crawler_check_after_start.json",
        "crawler_check_reused_crawl.json",
        "crawler_check_waiting.json",
    ],
)
def test_a_running_crawl_is_waited_for(
    world: World, invoke: Invoke, crawler: str, event: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    crawl = _check(invoke, event, crawler)
    assert crawl["status"] == "WAIT" and crawl["waited"] is True
    assert crawl["crawler_state"] == "RUNNING"
    assert "started" not in crawl


def test_a_finished_crawl_that_catalogued_the_run_is_ready(
    world: World, invoke: Invoke, crawler: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    _crawl(crawler).status = "COMPLETED"
    _catalogue(world)
    crawl = _check(invoke, "crawler_check_waiting.json", crawler)
    assert crawl["status"] == "READY" and crawl["crawler_state"] == "READY"


@pytest.mark.parametrize("event", ["crawler_check_after_start.json", "crawler_check_waiting.json"])
def test_a_failed_crawl_fails_the_run(
    world: World, invoke: Invoke, crawler: str, event: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    _crawl(crawler).status = "FAILED"
    _catalogue(world)  # even with data present: a failed crawl is a failure
    with pytest.raises(CrawlFailed, match="FAILED"):
        _check(invoke, event, crawler)


def test_another_runs_old_failed_crawl_does_not_fail_a_new_run(
    world: World, invoke: Invoke, crawler: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    _crawl(crawler).status = "FAILED"
    crawl = _check(invoke, "crawler_check_initial.json", crawler)
    assert crawl["status"] == "CRAWL"


def test_a_reused_crawl_that_missed_the_run_crawls_again_then_gives_up(
    world: World, invoke: Invoke, crawler: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    _crawl(crawler).status = "COMPLETED"
    crawl = _check(invoke, "crawler_check_reused_crawl.json", crawler)
    assert (crawl["status"], crawl["crawls"]) == ("CRAWL", 2)
    event = load_event("crawler_check_waiting.json")
    event["crawler"] = crawler
    event["plan"]["crawl"] |= {"crawls": 2}
    with pytest.raises(CrawlFailed, match="not catalogued"):
        invoke("CrawlerCheckFunction", event)


def test_poll_budget_is_bounded(world: World, invoke: Invoke, crawler: str) -> None:
    world.glue.start_crawler(Name=crawler)
    with pytest.raises(CrawlFailed, match="still RUNNING after 3 polls"):
        _check(invoke, "crawler_check_poll_limit.json", crawler)


def test_poll_budget_spent_but_crawl_finished_is_fine_on_redrive(
    world: World, invoke: Invoke, crawler: str
) -> None:
    world.glue.start_crawler(Name=crawler)
    _crawl(crawler).status = "COMPLETED"
    _catalogue(world)
    assert _check(invoke, "crawler_check_poll_limit.json", crawler)["status"] == "READY"
