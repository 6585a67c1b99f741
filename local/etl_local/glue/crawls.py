"""Crawler runs on the local API plane: StartCrawler/StopCrawler and the state GetCrawler shows.

Definitions live in the API plane (CreateCrawler); this overlays what it owns: ``State``,
``LastCrawl``, ``CrawlElapsedTime`` and the metrics. Crawls run on background threads.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from etl_local.context import LocalContext
from etl_local.glue import errors, events
from etl_local.glue.catalog import CatalogWriter
from etl_local.glue.classifier_store import ClassifierStore
from etl_local.glue.crawler import folders, plan
from etl_local.glue.lifecycle import (
    CRAWL_CANCELLED,
    CRAWL_FAILED,
    CRAWL_SUCCEEDED,
    CRAWLER_TRANSITIONS,
    READY,
    RUNNING,
    STOPPING,
    Lifecycle,
)
from etl_local.glue.settings import CrawlerSettings

log = logging.getLogger(__name__)


@dataclass
class CrawlerState:
    name: str
    lifecycle: Lifecycle = field(default_factory=lambda: Lifecycle(READY, CRAWLER_TRANSITIONS))
    started: float = 0.0
    last_crawl: dict[str, Any] | None = None
    runtimes: list[float] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # TablesCreated/Updated/Deleted
    seen: frozenset[str] = frozenset()
    stop: threading.Event = field(default_factory=threading.Event)


class CrawlerService:
    def __init__(self, ctx: LocalContext, classifiers: ClassifierStore | None = None) -> None:
        self.ctx = ctx
        self.classifiers = classifiers or ClassifierStore()
        self._lock = threading.Lock()
        self._states: dict[str, CrawlerState] = {}
        self._threads: list[threading.Thread] = []
        self._root = ctx.workspace / "glue" / "crawlers"

    # ------------------------------------------------------------------ definitions

    def definition(self, name: str) -> dict[str, Any]:
        try:
            return dict(self.ctx.passthrough_client("glue").get_crawler(Name=name)["Crawler"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "EntityNotFoundException":
                raise errors.crawler_not_found(name) from error
            raise errors.from_client_error(error) from error

    def state(self, name: str) -> CrawlerState:
        with self._lock:
            if name not in self._states:
                self._states[name] = CrawlerState(name, seen=self._load_seen(name))
            return self._states[name]

    def _seen_path(self, name: str) -> Path:
        return self._root / f"{name}.folders.json"

    def _load_seen(self, name: str) -> frozenset[str]:
        path = self._seen_path(name)
        return frozenset(json.loads(path.read_text())) if path.exists() else frozenset()

    def _save_seen(self, state: CrawlerState) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        self._seen_path(state.name).write_text(json.dumps(sorted(state.seen)))

    # ------------------------------------------------------------------ actions

    def start(self, name: str) -> None:
        definition = self.definition(name)
        state = self.state(name)
        with self._lock:
            if state.lifecycle.state != READY:
                raise errors.crawler_running(name)
            state.lifecycle.move(RUNNING)
            state.started = time.time()
            state.stop.clear()
            state.last_crawl = None
        thread = threading.Thread(
            target=self._crawl, args=(state, definition), name=f"crawler-{name}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def stop(self, name: str) -> None:
        self.definition(name)
        state = self.state(name)
        with self._lock:
            if state.lifecycle.state == STOPPING:
                raise errors.crawler_stopping(name)
            if state.lifecycle.state != RUNNING:
                raise errors.crawler_not_running(name)
            state.lifecycle.move(STOPPING)
            state.stop.set()

    def overlay(self, crawler: dict[str, Any]) -> dict[str, Any]:
        """A definition from the API plane with the state this service owns."""
        state = self.state(crawler["Name"])
        with self._lock:
            crawler = dict(crawler, State=state.lifecycle.state)
            crawler.pop("LastCrawl", None)
            crawler.pop("CrawlElapsedTime", None)
            if state.lifecycle.state != READY:
                crawler["CrawlElapsedTime"] = int((time.time() - state.started) * 1000)
            if state.last_crawl:
                crawler["LastCrawl"] = dict(state.last_crawl)
        return crawler

    def metrics(self, name: str) -> dict[str, Any]:
        state = self.state(name)
        with self._lock:
            running = state.lifecycle.state != READY
            found: dict[str, Any] = {
                "CrawlerName": name,
                "TimeLeftSeconds": 0.0,
                "StillEstimating": running,
                "TablesCreated": state.tables.get("TablesCreated", 0),
                "TablesUpdated": state.tables.get("TablesUpdated", 0),
                "TablesDeleted": state.tables.get("TablesDeleted", 0),
            }
            if state.runtimes:
                found["LastRuntimeSeconds"] = state.runtimes[-1]
                found["MedianRuntimeSeconds"] = statistics.median(state.runtimes)
        return found

    # ------------------------------------------------------------------ the crawl

    def _crawl(self, state: CrawlerState, definition: dict[str, Any]) -> None:
        prefix = str(uuid.uuid4())
        status, message, lines = (
            CRAWL_SUCCEEDED,
            None,
            [f"[{prefix}] BENCHMARK : Running Start Crawl for Crawler {state.name}"],
        )
        events.crawler_state_change(self.ctx, state.name, "Started", message="Crawler Started")
        counts: dict[str, str] = {}
        try:
            settings = CrawlerSettings.from_glue(definition)
            custom = []
            for name in settings.classifiers:
                found = self.classifiers.find(name)
                if found is None:
                    lines.append(f"[{prefix}] WARN : Classifier {name} not found: skipped")
                else:
                    custom.append(found)
            specs = plan(settings, self.ctx.client("s3"), state.seen, custom)
            if state.stop.is_set():
                status = CRAWL_CANCELLED
            else:
                outcome = CatalogWriter(self.ctx.client("glue"), settings).apply(
                    specs, not settings.new_folders_only
                )
                lines += [f"[{prefix}] INFO : {m}" for m in outcome.messages]
                counts = {
                    "tablesCreated": str(outcome.tables_created),
                    "tablesUpdated": str(outcome.tables_updated),
                    "tablesDeleted": str(outcome.tables_deleted),
                    "partitionsCreated": str(outcome.partitions_created),
                    "partitionsUpdated": str(outcome.partitions_updated),
                    "partitionsDeleted": str(outcome.partitions_deleted),
                }
                with self._lock:
                    state.tables = {
                        "TablesCreated": outcome.tables_created,
                        "TablesUpdated": outcome.tables_updated,
                        "TablesDeleted": outcome.tables_deleted,
                    }
                    state.seen = frozenset(folders(specs)) | state.seen
                self._save_seen(state)
        except Exception as exc:
            log.exception("crawler %s failed", state.name)
            status, message = CRAWL_FAILED, f"{type(exc).__name__}: {exc}"
            lines.append(f"[{prefix}] ERROR : {message}")
        lines.append(
            f"[{prefix}] BENCHMARK : Crawler has finished running and is in state {status}"
        )
        events.put_logs(self.ctx, events.CRAWLER_LOG_GROUP, state.name, lines)
        self._finish(state, status, message, prefix, counts)

    def _finish(
        self,
        state: CrawlerState,
        status: str,
        message: str | None,
        prefix: str,
        counts: dict[str, str],
    ) -> None:
        with self._lock:
            last: dict[str, Any] = {
                "Status": status,
                "LogGroup": events.CRAWLER_LOG_GROUP,
                "LogStream": state.name,
                "MessagePrefix": prefix,
                "StartTime": state.started,
            }
            if message:
                last["ErrorMessage"] = message
            state.last_crawl = last
            state.runtimes.append(round(time.time() - state.started, 3))
            state.lifecycle.move(READY)
        extra = {"errorMessage": message} if message else counts
        extra["message"] = f"Crawler {status.capitalize()}"
        events.crawler_state_change(self.ctx, state.name, status.capitalize(), **extra)

    def wait(self, name: str, timeout: float = 60.0) -> None:
        """Block until the crawler is READY again (tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while self.state(name).lifecycle.state != READY and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        for state in list(self._states.values()):
            state.stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
