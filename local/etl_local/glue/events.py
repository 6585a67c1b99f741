"""EventBridge events Glue emits on crawler and job-run state changes, and crawl logs."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from botocore.exceptions import ClientError

from etl_local.context import LocalContext

log = logging.getLogger(__name__)

CRAWLER_LOG_GROUP = "/aws-glue/crawlers"
JOB_LOG_GROUP = "/aws-glue/jobs"
JOB_OUTPUT_GROUP = "/aws-glue/jobs/output"


def envelope(ctx: LocalContext, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "source": "aws.glue",
        "detail-type": detail_type,
        "account": ctx.account_id,
        "region": ctx.region,
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [],
        "detail": detail,
    }


def job_state_change(
    ctx: LocalContext, job: str, run_id: str, state: str, message: str | None
) -> None:
    detail = {
        "jobName": job,
        "severity": "INFO" if state == "SUCCEEDED" else "ERROR",
        "state": state,
        "jobRunId": run_id,
        "message": message or f"Job run {state.lower()}",
    }
    ctx.publish_event(envelope(ctx, "Glue Job State Change", detail))


def crawler_state_change(ctx: LocalContext, crawler: str, state: str, **extra: Any) -> None:
    detail = {"crawlerName": crawler, "state": state, **extra}
    ctx.publish_event(envelope(ctx, "Glue Crawler State Change", detail))


def put_logs(ctx: LocalContext, group: str, stream: str, lines: list[str]) -> None:
    """Best effort: the run's lines into CloudWatch Logs on the API plane."""
    if not lines:
        return
    logs = ctx.client("logs")
    try:
        for create, kwargs in (
            (logs.create_log_group, {"logGroupName": group}),
            (logs.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            try:
                create(**kwargs)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in lines if line]
        for start in range(0, len(events), 5000):
            logs.put_log_events(
                logGroupName=group, logStreamName=stream, logEvents=events[start : start + 5000]
            )
    except Exception:  # logs are a convenience: never fail a crawl or a run for them
        log.warning("could not write %s/%s to CloudWatch Logs", group, stream, exc_info=True)
