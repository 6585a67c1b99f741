"""Prepare: validate the landed object and plan the run (InputRejected -> quarantine path)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.config import load_store
from etl_shared.errors import InputRejected
from etl_shared.prepare import prepare
from etl_shared.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path="run_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        plan = prepare(
            event, load_store(), Settings.from_env(), aws.client("s3"), aws.client("glue")
        )
    except InputRejected as exc:
        logger.warning("input rejected", extra={"reason": exc.reason, "detail": exc.detail})
        metrics.add_metric(name="InputRejected", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="RunsPrepared", unit=MetricUnit.Count, value=1)
    return plan
