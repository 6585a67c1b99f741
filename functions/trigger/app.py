"""Trigger: S3 notification or EventBridge Object Created -> one pipeline execution per object."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from etl_shared import aws
from etl_shared.config import load_store
from etl_shared.trigger import start_runs

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decisions = start_runs(
        event,
        load_store(),
        aws.client("stepfunctions"),
        os.environ["STATE_MACHINE_ARN"],
        os.environ.get("RAW_BUCKET", ""),
    )
    for decision in decisions:
        correlation = {"correlation_id": decision.execution} if decision.execution else {}
        logger.info("object", extra=decision.to_dict() | correlation)
        metrics.add_metric(name=f"Objects{decision.action.title()}", unit=MetricUnit.Count, value=1)
    return {"decisions": [d.to_dict() for d in decisions]}
