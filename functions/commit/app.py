"""Commit: point the run's partitions (or reference tables) at the run's location."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.commit import commit

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path="run_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> list[dict[str, Any]]:
    done = commit(event, aws.client("glue"), aws.client("s3"))
    logger.info("committed", extra={"targets": done})
    metrics.add_metric(name="TablesCommitted", unit=MetricUnit.Count, value=len(done))
    return done
