"""Executions a runtime left RUNNING (stopped or killed under them) end ABORTED at the next start,
with their ExecutionAborted event and status-change event, and redrive where they stopped."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from etl_local.awserrors import AwsError
from etl_local.context import LocalContext
from etl_local.stepfunctions.api import RUNTIME_STOPPED, StepFunctionsApi
from etl_local.stepfunctions.integrations import Integrations, TaskCall
from etl_local.stepfunctions.store import Store

pytestmark = pytest.mark.integration

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"
GATE = "arn:aws:lambda:us-east-1:123456789012:function:gate"


class Resources:
    """``work`` records its calls; ``gate`` holds the execution until released."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.entered = threading.Event()
        self.released = threading.Event()

    def work(self, _: Any, call: TaskCall) -> Any:
        self.calls.append(call.parameters["step"])
        return call.parameters["step"]

    def gate(self, _: Any, call: TaskCall) -> Any:
        self.calls.append("gate")
        self.entered.set()
        while not self.released.is_set():
            call.scope.check()  # a stop interrupts the wait, as it does a .sync poll
            time.sleep(0.01)
        return "through"

    def integrations(self) -> Integrations:
        return Integrations(custom={WORK: self.work, GATE: self.gate})


def task(resource: str, step: str, following: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": resource,
        "Parameters": {"step": step},
        "ResultPath": f"$.{step}",
    }
    return {**state, "Next": following} if following else {**state, "End": True}


MACHINE = json.dumps(
    {
        "StartAt": "First",
        "States": {
            "First": task(WORK, "first", "Hold"),
            "Hold": task(GATE, "hold", "Last"),
            "Last": task(WORK, "last", None),
        },
    }
)


def open_api(workspace: Path, endpoint: str, resources: Resources) -> tuple[StepFunctionsApi, list]:
    events: list[dict[str, Any]] = []
    ctx = LocalContext(endpoint_url=endpoint, workspace=workspace, publish_event=events.append)
    return StepFunctionsApi(ctx, integrations=resources.integrations()), events


def create(api: StepFunctionsApi) -> str:
    return api.dispatch(
        "CreateStateMachine",
        {"name": "held", "definition": MACHINE, "roleArn": "arn:aws:iam::123456789012:role/r"},
    )["stateMachineArn"]


def statuses(events: list[dict[str, Any]]) -> list[str]:
    return [e["detail"]["status"] for e in events]


def test_stopped_runtime_leaves_it_running_and_the_next_start_aborts_and_redrives(
    tmp_path: Path, endpoint: str
) -> None:
    resources = Resources()
    first_api, first_events = open_api(tmp_path, endpoint, resources)
    machine = create(first_api)
    arn = first_api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "held-1"})[
        "executionArn"
    ]
    assert resources.entered.wait(10)
    first_api.close()
    assert statuses(first_events) == ["RUNNING"]  # no end announced by a bus going away
    stored = first_api.store.execution(arn)
    assert stored is not None and stored.status == "RUNNING"

    second_api, second_events = open_api(tmp_path, endpoint, resources)
    try:
        assert second_api.end_interrupted() == [arn]
        described = second_api.dispatch("DescribeExecution", {"executionArn": arn})
        assert (described["status"], described["cause"], described["redriveStatus"]) == (
            "ABORTED",
            RUNTIME_STOPPED,
            "REDRIVABLE",
        )
        assert "error" not in described
        history = second_api.dispatch("GetExecutionHistory", {"executionArn": arn})["events"]
        assert history[-1]["type"] == "ExecutionAborted"
        assert history[-1]["executionAbortedEventDetails"] == {"cause": RUNTIME_STOPPED}
        assert [e["type"] for e in history].count("ExecutionAborted") == 1
        (event,) = second_events
        assert event["detail-type"] == "Step Functions Execution Status Change"
        assert (event["source"], event["resources"]) == ("aws.states", [arn])
        assert (event["detail"]["status"], event["detail"]["cause"]) == ("ABORTED", RUNTIME_STOPPED)
        assert second_api.end_interrupted() == []  # ended once, announced once

        resources.released.set()
        second_api.dispatch("RedriveExecution", {"executionArn": arn})
        second_api.wait(arn, 10)
        again = second_api.dispatch("DescribeExecution", {"executionArn": arn})
        assert (again["status"], again["redriveCount"]) == ("SUCCEEDED", 1)
        assert resources.calls == ["first", "gate", "gate", "last"]  # First is not rerun
    finally:
        second_api.close()


def test_a_running_execution_is_on_disk_as_far_as_it_got(tmp_path: Path, endpoint: str) -> None:
    """What a SIGKILL leaves: the store (read as another process reads it) already holds the
    history up to the state the execution is in, so the next start knows where to resume."""
    resources = Resources()
    api, _ = open_api(tmp_path, endpoint, resources)
    try:
        machine = create(api)
        arn = api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "on-disk"})[
            "executionArn"
        ]
        assert resources.entered.wait(10)
        other_process = Store(api.store.path)
        deadline = time.monotonic() + 10
        while True:
            record = other_process.execution(arn)
            assert record is not None and record.status == "RUNNING"
            entered = [
                e["stateEnteredEventDetails"]["name"]
                for e in record.history
                if e["type"] == "TaskStateEntered"
            ]
            if entered == ["First", "Hold"]:
                break
            assert time.monotonic() < deadline, f"history on disk: {record.history}"
            time.sleep(0.05)
        assert record.history[0]["type"] == "ExecutionStarted"
    finally:
        resources.released.set()
        api.close()


def test_killed_runtime_resumes_at_the_state_its_history_shows(
    tmp_path: Path, endpoint: str
) -> None:
    resources = Resources()
    resources.released.set()
    api, _ = open_api(tmp_path, endpoint, resources)
    machine = create(api)
    arn = api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "killed"})[
        "executionArn"
    ]
    api.wait(arn, 10)
    api.close()
    # What a killed process leaves: RUNNING, history flushed up to Hold's entry, no ledger.
    record = api.store.execution(arn)
    assert record is not None
    cut = next(
        i
        for i, e in enumerate(record.history)
        if e.get("stateEnteredEventDetails", {}).get("name") == "Hold"
    )
    record.history = record.history[: cut + 1]
    record.status, record.stop_date, record.output, record.ledger = "RUNNING", None, None, {}
    record.owner = f"{record.owner.split(':')[0]}:999999999:gone"
    api.store.put_execution(record)

    resources.calls.clear()
    later, events = open_api(tmp_path, endpoint, resources)
    try:
        listed = later.dispatch("ListExecutions", {"stateMachineArn": machine})["executions"]
        assert [e["status"] for e in listed] == ["ABORTED"]
        assert statuses(events) == ["ABORTED"]
        history = later.dispatch("GetExecutionHistory", {"executionArn": arn})["events"]
        assert [e["type"] for e in history][-2:] == ["TaskStateEntered", "ExecutionAborted"]
        later.dispatch("RedriveExecution", {"executionArn": arn})
        later.wait(arn, 10)
        done = later.dispatch("DescribeExecution", {"executionArn": arn})
        assert done["status"] == "SUCCEEDED"
        assert json.loads(done["output"]) == {"first": "first", "hold": "through", "last": "last"}
        assert resources.calls == ["gate", "last"]
    finally:
        later.close()


def test_an_execution_whose_runtime_is_still_open_is_left_alone(
    tmp_path: Path, endpoint: str
) -> None:
    resources = Resources()
    running_api, _ = open_api(tmp_path, endpoint, resources)
    other_api, other_events = open_api(tmp_path, endpoint, resources)
    machine = create(running_api)
    arn = running_api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "live"})[
        "executionArn"
    ]
    try:
        assert resources.entered.wait(10)
        assert other_api.end_interrupted() == []
        described = other_api.dispatch("DescribeExecution", {"executionArn": arn})
        assert described["status"] == "RUNNING"
        assert other_events == []
    finally:
        resources.released.set()
        running_api.wait(arn, 10)
        running_api.close()
        other_api.close()


DAY = 24 * 3600


@pytest.mark.parametrize(
    ("status", "started_days_ago", "stopped_days_ago", "events", "reason"),
    [
        ("ABORTED", 1, 1, 10, None),
        ("SUCCEEDED", 1, 1, 10, "Execution is SUCCEEDED and cannot be redriven."),
        ("FAILED", 20, 15, 10, "Execution redrivable period exceeded."),
        ("TIMED_OUT", 400, 1, 10, "Execution has exceeded the max execution time."),
        ("FAILED", 1, 1, 24_999, "Execution history event limit exceeded."),
        ("FAILED", 1, 1, 24_998, None),
    ],
    ids=["aborted", "succeeded", "14-days", "one-year", "history-full", "history-room"],
)
def test_redrive_conditions_as_aws_states_them(
    tmp_path: Path,
    endpoint: str,
    status: str,
    started_days_ago: int,
    stopped_days_ago: int,
    events: int,
    reason: str | None,
) -> None:
    """RedriveExecution's documented conditions, with DescribeExecution's reason texts."""
    api, _ = open_api(tmp_path, endpoint, Resources())
    try:
        machine = create(api)
        arn = api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "old"})[
            "executionArn"
        ]
        api.dispatch("StopExecution", {"executionArn": arn})
        record = api.store.execution(arn)
        assert record is not None
        now = time.time()
        record.status = status
        record.start_date = now - started_days_ago * DAY
        record.stop_date = now - stopped_days_ago * DAY
        filler = {"timestamp": now, "type": "PassStateEntered", "previousEventId": 0}
        record.history = [{**filler, "id": i + 1} for i in range(events)]
        api.store.put_execution(record)

        described = api.dispatch("DescribeExecution", {"executionArn": arn})
        assert described["redriveStatus"] == ("REDRIVABLE" if reason is None else "NOT_REDRIVABLE")
        assert described.get("redriveStatusReason") == reason
        if reason is not None:
            with pytest.raises(AwsError) as raised:
                api.dispatch("RedriveExecution", {"executionArn": arn})
            assert (raised.value.code, raised.value.message) == ("ExecutionNotRedrivable", reason)
    finally:
        api.close()
