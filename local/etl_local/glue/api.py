"""The Glue actions the local API plane answers itself (the rest go to moto unchanged).

Thin: parse the request, call the crawler or job-run service, shape the response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from etl_local.context import LocalContext
from etl_local.glue import errors
from etl_local.glue.classifier_store import ClassifierStore
from etl_local.glue.crawls import CrawlerService
from etl_local.glue.jobrunner import JobRunner
from etl_local.glue.jobruns import JobRunService

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class GlueApi:
    ACTIONS: frozenset[str] = frozenset(
        {
            "StartCrawler",
            "StopCrawler",
            "GetCrawler",
            "GetCrawlers",
            "BatchGetCrawlers",
            "GetCrawlerMetrics",
            "StartJobRun",
            "GetJobRun",
            "GetJobRuns",
            "BatchStopJobRun",
            "CreateClassifier",
            "UpdateClassifier",
            "GetClassifier",
            "GetClassifiers",
            "DeleteClassifier",
        }
    )

    def __init__(self, ctx: LocalContext, runner: JobRunner | None = None) -> None:
        self.ctx = ctx
        self.classifiers = ClassifierStore()
        self.crawlers = CrawlerService(ctx, self.classifiers)
        self.jobs = JobRunService(ctx, runner)
        self._handlers: dict[str, Handler] = {
            "StartCrawler": self._start_crawler,
            "StopCrawler": self._stop_crawler,
            "GetCrawler": self._get_crawler,
            "GetCrawlers": self._get_crawlers,
            "BatchGetCrawlers": self._batch_get_crawlers,
            "GetCrawlerMetrics": self._get_crawler_metrics,
            "StartJobRun": self._start_job_run,
            "GetJobRun": self._get_job_run,
            "GetJobRuns": self._get_job_runs,
            "BatchStopJobRun": self._batch_stop_job_run,
            "CreateClassifier": self._create_classifier,
            "UpdateClassifier": self._update_classifier,
            "GetClassifier": lambda p: {"Classifier": self.classifiers.get(p["Name"])},
            "GetClassifiers": lambda p: {"Classifiers": self.classifiers.all()},
            "DeleteClassifier": self._delete_classifier,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._handlers[action](params)

    def prewarm(self) -> None:
        """Boot the warm Spark driver now (``etl-local up``), so the first job run starts fast."""
        self.jobs.runner.prewarm()

    def close(self) -> None:
        self.crawlers.close()
        self.jobs.close()

    # ------------------------------------------------------------------ crawlers

    def _moto(self) -> Any:
        return self.ctx.passthrough_client("glue")

    def _start_crawler(self, params: dict[str, Any]) -> dict[str, Any]:
        self.crawlers.start(params["Name"])
        return {}

    def _stop_crawler(self, params: dict[str, Any]) -> dict[str, Any]:
        self.crawlers.stop(params["Name"])
        return {}

    def _get_crawler(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Crawler": self.crawlers.overlay(self.crawlers.definition(params["Name"]))}

    def _get_crawlers(self, params: dict[str, Any]) -> dict[str, Any]:
        crawlers = self._moto().get_crawlers()["Crawlers"]
        return {"Crawlers": [self.crawlers.overlay(c) for c in crawlers]}

    def _batch_get_crawlers(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            found = self._moto().batch_get_crawlers(CrawlerNames=params["CrawlerNames"])
        except ClientError as error:
            raise errors.from_client_error(error) from error
        return {
            "Crawlers": [self.crawlers.overlay(c) for c in found.get("Crawlers", [])],
            "CrawlersNotFound": found.get("CrawlersNotFound", []),
        }

    def _get_crawler_metrics(self, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("CrawlerNameList") or [
            c["Name"] for c in self._moto().get_crawlers()["Crawlers"]
        ]
        for name in names:
            self.crawlers.definition(name)
        return {"CrawlerMetricsList": [self.crawlers.metrics(name) for name in names]}

    # ------------------------------------------------------------------ job runs

    def _start_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"JobRunId": self.jobs.start(params)}

    def _get_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        self.jobs.definition(params["JobName"])
        return {"JobRun": self.jobs.get(params["JobName"], params["RunId"])}

    def _get_job_runs(self, params: dict[str, Any]) -> dict[str, Any]:
        runs = self.jobs.runs(params["JobName"])
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 200)
        page: dict[str, Any] = {"JobRuns": runs[start : start + size]}
        if start + size < len(runs):
            page["NextToken"] = str(start + size)
        return page

    def _batch_stop_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        self.jobs.definition(params["JobName"])
        return self.jobs.stop(params["JobName"], list(params["JobRunIds"]))

    # ------------------------------------------------------------------ classifiers

    def _create_classifier(self, params: dict[str, Any]) -> dict[str, Any]:
        self.classifiers.create(params)
        return {}

    def _update_classifier(self, params: dict[str, Any]) -> dict[str, Any]:
        self.classifiers.update(params)
        return {}

    def _delete_classifier(self, params: dict[str, Any]) -> dict[str, Any]:
        self.classifiers.delete(params["Name"])
        return {}
