"""Failure handler: quarantine copy + report, SNS notification, failure manifest (idempotent)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.failure import handle, incident_from
from etl_shared.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(incident_from(event).run_id)
    settings = Settings.from_env()
    result = handle(
        event,
        aws.client("s3"),
        aws.client("sns"),
        aws.client("stepfunctions"),
        settings.lake_bucket,
        settings.topic_arn,
    )
    logger.info("failure handled", extra=result)
    metrics.add_metric(
        name=f"Failures{result['status'].title().replace('_', '')}", unit=MetricUnit.Count, value=1
    )
    return result
