"""Failure handler Lambda: quarantine copy + report, SNS, failure manifest; idempotent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Invoke, World, load_event

pytestmark = pytest.mark.unit

BODY = b"day,carrier\n1,UA\n"


def _failed_event(world: World, name: str = "sfn_execution_failed.json") -> dict[str, Any]:
    """The sample event, pointing at an object that really landed in the raw bucket."""
    event = load_event(name)
    run_input = json.loads(event["detail"]["input"])
    run_input["object"] |= world.put_raw(run_input["object"]["key"], BODY)
    event["detail"]["input"] = json.dumps(run_input)
    return event


def test_failed_execution_is_quarantined_notified_and_recorded(
    world: World, invoke: Invoke
) -> None:
    event = _failed_event(world)
    run_id = event["detail"]["name"]
    result = invoke("FailureHandlerFunction", event)
    assert result["status"] == "handled"

    prefix = f"quarantine/flights/{run_id}/"
    assert world.keys(world.lake, prefix) == [prefix + "error.json", prefix + "flights_2013_01.csv"]
    copy = world.s3.get_object(Bucket=world.lake, Key=prefix + "flights_2013_01.csv")["Body"].read()
    assert copy == BODY
    report = world.read_json(world.lake, prefix + "error.json")
    assert report["kind"] == "failed" and report["error"] == "States.TaskFailed"
    assert "TABLE_NOT_FOUND" in report["cause"]

    (message,) = world.notifications()
    assert message["status"] == "FAILED" and message["run_id"] == run_id
    assert message["quarantine"]["copy"] == f"s3://{world.lake}/{prefix}flights_2013_01.csv"

    manifest = world.read_json(world.lake, f"_manifests/flights/{run_id}/failure-0.json")
    assert manifest["notification"] and manifest["error"] == "States.TaskFailed"
    # raw is never deleted or altered
    assert (
        world.s3.get_object(
            Bucket=world.raw, Key=json.loads(event["detail"]["input"])["object"]["key"]
        )["Body"].read()
        == BODY
    )


def test_second_delivery_does_nothing(world: World, invoke: Invoke) -> None:
    event = _failed_event(world)
    invoke("FailureHandlerFunction", event)
    world.notifications()
    again = invoke("FailureHandlerFunction", event)
    assert again["status"] == "already_handled"
    assert world.notifications() == []


def test_a_redriven_execution_that_fails_again_is_reported_again(
    world: World, invoke: Invoke
) -> None:
    event = _failed_event(world)
    invoke("FailureHandlerFunction", event)
    event["detail"]["redriveCount"] = 1
    assert invoke("FailureHandlerFunction", event)["status"] == "handled"
    run_id = event["detail"]["name"]
    assert world.keys(world.lake, f"_manifests/flights/{run_id}/") == [
        f"_manifests/flights/{run_id}/failure-0.json",
        f"_manifests/flights/{run_id}/failure-1.json",
    ]
    assert len(world.notifications()) == 2


def test_timed_out_event_without_error_reads_the_execution(world: World, invoke: Invoke) -> None:
    event = _failed_event(world, "sfn_execution_timed_out.json")
    detail = event["detail"]
    started = world.sfn.start_execution(
        stateMachineArn=world.state_machine_arn, name=detail["name"], input=detail["input"]
    )
    detail["executionArn"] = started["executionArn"]
    result = invoke("FailureHandlerFunction", event)
    assert result["status"] == "handled"
    (message,) = world.notifications()
    assert message["status"] == "TIMED_OUT" and message["execution_arn"] == started["executionArn"]


def test_rejected_input_from_the_state_machine(world: World, invoke: Invoke) -> None:
    event = load_event("failure_rejected_input.json")
    event["object"] |= world.put_raw(event["object"]["key"], b"")
    result = invoke("FailureHandlerFunction", event)
    run_id = event["run_id"]
    assert (
        result["quarantine"]["report"]
        == f"s3://{world.lake}/quarantine/flights/{run_id}/error.json"
    )
    report = world.read_json(world.lake, f"quarantine/flights/{run_id}/error.json")
    assert (report["kind"], report["error"], report["cause"]) == (
        "rejected",
        "InputRejected",
        "empty: zero-byte object",
    )
    assert world.keys(world.lake, f"_manifests/flights/{run_id}/") == [
        f"_manifests/flights/{run_id}/rejected.json"
    ]
    assert invoke("FailureHandlerFunction", event)["status"] == "already_handled"


def test_a_missing_raw_object_is_reported_not_fatal(world: World, invoke: Invoke) -> None:
    event = load_event("sfn_execution_failed.json")  # its object version never landed here
    result = invoke("FailureHandlerFunction", event)
    assert result["status"] == "handled"
    assert result["quarantine"]["copy"].startswith("not copied: ")
    assert len(world.notifications()) == 1


def test_unknown_dataset_input_is_quarantined_under_unknown(world: World, invoke: Invoke) -> None:
    event = load_event("failure_rejected_input.json")
    event["dataset"] = "../../etc"
    event["object"] |= world.put_raw("raw/unknown/x.csv", BODY)
    result = invoke("FailureHandlerFunction", event)
    assert (
        result["manifest"]
        == f"s3://{world.lake}/_manifests/_unknown/{event['run_id']}/rejected.json"
    )


def test_unsupported_events_fail_loudly(world: World, invoke: Invoke) -> None:
    with pytest.raises(ValueError, match="unsupported failure event"):
        invoke("FailureHandlerFunction", load_event("s3_put.json"))
