"""Crawler check: READY / WAIT / CRAWL from the crawler's State, LastCrawl and the catalogue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.crawl import check

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path="run_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """event = {run_id, crawler, plan}; returns the plan with ``crawl`` updated."""
    metrics.add_metric(name="CrawlerPolls", unit=MetricUnit.Count, value=1)
    plan = dict(event["plan"])
    plan["crawl"] = check({"crawler": event["crawler"], "crawl": plan["crawl"]}, aws.client("glue"))
    logger.info("crawler checked", extra=plan["crawl"])
    return plan
