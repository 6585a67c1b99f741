"""Failure handling: quarantine copy + JSON error report, SNS notification, failure manifest.

Two callers: the EventBridge rule on the state machine's FAILED/TIMED_OUT/ABORTED status
change, and the state machine's own rejected-input path (Prepare's InputRejected caught).
Idempotent: the manifest is written last and checked first, so a second delivery of the same
event (or a retried invocation) does nothing and notifies nobody twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from etl_shared.manifest import exists, manifest_key, now, put_json, quarantine_prefix


@dataclass(frozen=True)
class Incident:
    kind: str  # failed | timed_out | aborted | rejected
    run_id: str
    execution_arn: str
    dataset: str
    object: dict[str, Any]
    error: str
    cause: str
    manifest_name: str


def _error_parts(error: dict[str, Any]) -> tuple[str, str]:
    cause = error.get("Cause", "")
    try:
        parsed = json.loads(cause)
        cause = parsed.get("errorMessage", cause) if isinstance(parsed, dict) else cause
    except (TypeError, ValueError):
        pass
    return str(error.get("Error", "")), str(cause)


def _from_status_change(event: dict[str, Any]) -> Incident:
    detail = event["detail"]
    try:
        run_input = json.loads(detail.get("input") or "{}")
    except ValueError:
        run_input = {}
    redrives = int(detail.get("redriveCount") or 0)
    return Incident(
        kind=str(detail["status"]).lower(),
        run_id=detail["name"],
        execution_arn=detail["executionArn"],
        dataset=str(run_input.get("dataset", "")),
        object=run_input.get("object") or {},
        error=str(detail.get("error") or ""),
        cause=str(detail.get("cause") or ""),
        manifest_name=f"failure-{redrives}",
    )


def _from_rejection(event: dict[str, Any]) -> Incident:
    error, cause = _error_parts(event.get("error", {}))
    return Incident(
        kind="rejected",
        run_id=event["run_id"],
        execution_arn=event.get("execution_arn", ""),
        dataset=str(event.get("dataset", "")),
        object=event.get("object") or {},
        error=error,
        cause=cause,
        manifest_name="rejected",
    )


PARSERS: dict[str, Callable[[dict[str, Any]], Incident]] = {
    "Step Functions Execution Status Change": _from_status_change,
    "InputRejected": _from_rejection,
}


def incident_from(event: dict[str, Any]) -> Incident:
    kind = event.get("detail-type") or event.get("kind", "")
    if kind not in PARSERS:
        raise ValueError(f"unsupported failure event {kind!r}")
    return PARSERS[kind](event)


def _describe_error(sfn: Any, incident: Incident) -> Incident:
    """Status change events may omit error/cause: read them from DescribeExecution."""
    if incident.error or not incident.execution_arn:
        return incident
    described = sfn.describe_execution(executionArn=incident.execution_arn)
    return Incident(
        **(
            incident.__dict__
            | {"error": described.get("error", ""), "cause": described.get("cause", "")}
        )
    )


def _quarantine(s3: Any, lake_bucket: str, incident: Incident) -> dict[str, str]:
    obj = incident.object
    prefix = quarantine_prefix(incident.dataset, incident.run_id)
    copied = ""
    if obj.get("bucket") and obj.get("key"):
        source = {"Bucket": obj["bucket"], "Key": obj["key"]}
        if obj.get("version_id"):
            source["VersionId"] = obj["version_id"]
        target = prefix + obj["key"].rsplit("/", 1)[-1]
        try:
            s3.copy_object(Bucket=lake_bucket, Key=target, CopySource=source)
            copied = f"s3://{lake_bucket}/{target}"
        except ClientError as exc:
            copied = f"not copied: {exc.response['Error']['Code']}"
    report = {
        "run_id": incident.run_id,
        "execution_arn": incident.execution_arn,
        "kind": incident.kind,
        "dataset": incident.dataset,
        "object": obj,
        "error": incident.error,
        "cause": incident.cause,
        "quarantined_copy": copied,
        "reported_at": now(),
    }
    return {"copy": copied, "report": put_json(s3, lake_bucket, prefix + "error.json", report)}


def handle(
    event: dict[str, Any], s3: Any, sns: Any, sfn: Any, lake_bucket: str, topic_arn: str
) -> dict[str, Any]:
    incident = incident_from(event)
    key = manifest_key(incident.dataset, incident.run_id, incident.manifest_name)
    if exists(s3, lake_bucket, key):
        return {"status": "already_handled", "manifest": f"s3://{lake_bucket}/{key}"}
    incident = _describe_error(sfn, incident)
    quarantined = _quarantine(s3, lake_bucket, incident)
    subject = f"ETL {incident.kind}: {incident.dataset or 'unknown dataset'} {incident.run_id}"
    message = {
        "status": incident.kind.upper(),
        "run_id": incident.run_id,
        "execution_arn": incident.execution_arn,
        "dataset": incident.dataset,
        "object": incident.object,
        "error": incident.error,
        "cause": incident.cause[:2000],
        "quarantine": quarantined,
    }
    message_id = ""
    if topic_arn:
        published = sns.publish(
            TopicArn=topic_arn, Subject=subject[:100], Message=json.dumps(message, indent=2)
        )
        message_id = published["MessageId"]
    manifest = message | {"notification": message_id, "written_at": now()}
    location = put_json(s3, lake_bucket, key, manifest)
    return {"status": "handled", "manifest": location, "quarantine": quarantined}
