"""Quality gate + manifest: counts and thresholds, manifest JSON, success event."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.errors import QualityGateFailed
from etl_shared.quality import gate
from etl_shared.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path="run_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = Settings.from_env()
    try:
        result = gate(
            event,
            aws.client("s3"),
            aws.client("events"),
            settings.lake_bucket,
            settings.event_bus,
            settings.event_source,
        )
    except QualityGateFailed:
        metrics.add_metric(name="QualityGateFailed", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(
        name="RowsOut",
        unit=MetricUnit.Count,
        value=result["counts"].get(event["quality"]["output"] or "raw", 0),
    )
    metrics.add_metric(name="RunsSucceeded", unit=MetricUnit.Count, value=1)
    return result
