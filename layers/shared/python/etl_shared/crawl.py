"""Crawler check: decide from Crawler.State, LastCrawl.Status and the catalogue what to do next.

Outcomes (the state machine's Choice reads ``status``):
  READY  - the raw table (and the run's partition) is catalogued; go on.
  WAIT   - a crawl is running (ours or another run's: we reuse it); wait and check again.
  CRAWL  - nothing running and the run's data is not catalogued; start a crawl.
Raises CrawlFailed when a crawl we waited for failed, or the poll budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etl_shared.errors import CrawlFailed

MAX_CRAWLS = 2


def catalogued(glue: Any, database: str, table: str, partition: list[str]) -> bool:
    try:
        glue.get_table(DatabaseName=database, Name=table)
        if partition:
            glue.get_partition(DatabaseName=database, TableName=table, PartitionValues=partition)
    except glue.exceptions.EntityNotFoundException:
        return False
    return True


def _running(crawl: dict[str, Any], crawler: dict[str, Any], glue: Any) -> dict[str, Any]:
    if crawl["polls"] > crawl["max_polls"]:
        raise CrawlFailed(
            f"crawler {crawler['Name']} still {crawler['State']} after {crawl['max_polls']} polls"
        )
    return {"status": "WAIT", "waited": True}


def _ready(crawl: dict[str, Any], crawler: dict[str, Any], glue: Any) -> dict[str, Any]:
    last = crawler.get("LastCrawl") or {}
    waited = bool(crawl.get("waited")) or "started" in crawl
    if waited and last.get("Status") in {"FAILED", "CANCELLED"}:
        message = last.get("ErrorMessage") or f"last crawl {last['Status']}"
        raise CrawlFailed(f"crawler {crawler['Name']}: {message}")
    if catalogued(glue, crawl["database"], crawl["table"], crawl["partition"]):
        return {"status": "READY"}
    crawls = int(crawl.get("crawls", 0))
    if crawls >= MAX_CRAWLS:
        where = "/".join([crawl["database"], crawl["table"], *crawl["partition"]])
        raise CrawlFailed(f"{crawls} crawls finished but {where} is not catalogued")
    return {"status": "CRAWL", "crawls": crawls + 1, "waited": False}


STATES: dict[str, Callable[[dict[str, Any], dict[str, Any], Any], dict[str, Any]]] = {
    "RUNNING": _running,
    "STOPPING": _running,
    "READY": _ready,
}


def check(event: dict[str, Any], glue: Any) -> dict[str, Any]:
    """event = {crawler: name, crawl: <Prepare's crawl plan, updated by previous checks>}."""
    crawl = dict(event["crawl"])
    crawl["polls"] = int(crawl.get("polls", 0)) + 1
    crawler = glue.get_crawler(Name=event["crawler"])["Crawler"]
    outcome = STATES[crawler["State"]](crawl, crawler, glue)
    crawl.pop("started", None)
    last = crawler.get("LastCrawl") or {}
    return (
        crawl | outcome | {"crawler_state": crawler["State"], "last_crawl": last.get("Status", "")}
    )
