"""Redrive: resume at the failed state; Map/Parallel rerun only unsuccessful iterations/branches."""

from __future__ import annotations

from typing import Any

import pytest
from etl_local.stepfunctions import Execution, ExecutionResult, Redrive, load
from etl_local.stepfunctions.clock import VirtualClock
from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations import Clients, Integrations, TaskCall

pytestmark = pytest.mark.unit

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"


class Worker:
    """A resource that fails for the values in ``broken`` and records every call."""

    def __init__(self, broken: set[Any]) -> None:
        self.broken = broken
        self.calls: list[Any] = []

    def __call__(self, clients: Clients, call: TaskCall) -> Any:
        value = call.parameters["v"]
        self.calls.append(value)
        if value in self.broken:
            raise StatesError("Broken", f"value {value}")
        return value * 10

    def integrations(self) -> Integrations:
        return Integrations(custom={WORK: self})


def work_state(**extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": WORK, "Parameters": {"v.$": "$.v"}, **extra}


def attempt(
    definition: dict[str, Any],
    data: Any,
    worker: Worker,
    previous: ExecutionResult | None = None,
    count: int = 1,
) -> ExecutionResult:
    redrive = (
        None
        if previous is None
        else Redrive(previous.history, previous.ledger, count, previous.start_date)
    )
    return Execution(
        load(definition),
        data,
        name="run",
        clock=VirtualClock(),
        integrations=worker.integrations(),
        concurrent=False,
        redrive=redrive,
    ).run()


def test_top_level_resumes_at_the_failed_state() -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {**work_state(ResultPath="$.first"), "Next": "Second"},
            "Second": {
                **work_state(ResultPath="$.second"),
                "Parameters": {"v.$": "$.w"},
                "End": True,
            },
        },
    }
    worker = Worker({2})
    first = attempt(definition, {"v": 1, "w": 2}, worker)
    assert (first.status, first.error) == ("FAILED", "Broken")
    worker.broken.clear()
    worker.calls.clear()
    second = attempt(definition, {"v": 1, "w": 2}, worker, first)
    assert second.status == "SUCCEEDED"
    assert worker.calls == [2]  # First is not rerun
    assert second.output == {"v": 1, "w": 2, "first": 10, "second": 20}
    redriven = [e for e in second.history if e["type"] == "ExecutionRedriven"]
    assert redriven[0]["executionRedrivenEventDetails"] == {"redriveCount": 1}


def test_map_redrive_reruns_only_unsuccessful_iterations() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "W", "States": {"W": {**work_state(), "End": True}}},
                "End": True,
            }
        },
    }
    data = {"items": [{"v": i} for i in range(5)]}
    worker = Worker({2})
    first = attempt(definition, data, worker)
    assert first.status == "FAILED"
    assert worker.calls == [0, 1, 2]  # the failure abandons the rest
    worker.broken.clear()
    worker.calls.clear()
    second = attempt(definition, data, worker, first)
    assert second.status == "SUCCEEDED"
    assert worker.calls == [2, 3, 4]
    assert second.output == [0, 10, 20, 30, 40]


def test_parallel_redrive_reruns_only_the_failed_branch() -> None:
    def branch(value: int) -> dict[str, Any]:
        return {
            "StartAt": "W",
            "States": {"W": {**work_state(), "Parameters": {"v": value}, "End": True}},
        }

    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch(1), branch(2), branch(3)], "End": True}
        },
    }
    worker = Worker({2})
    first = attempt(definition, {}, worker)
    assert first.status == "FAILED"
    worker.broken.clear()
    worker.calls.clear()
    second = attempt(definition, {}, worker, first)
    assert second.status == "SUCCEEDED"
    assert 1 not in worker.calls
    assert second.output == [10, 20, 30]


def test_redrive_resumes_inside_the_failed_iteration() -> None:
    processor = {
        "StartAt": "Step1",
        "States": {
            "Step1": {**work_state(ResultPath="$.one"), "Next": "Step2"},
            "Step2": {
                **work_state(ResultPath="$.two"),
                "Parameters": {"v.$": "States.MathAdd($.v, 100)"},
                "End": True,
            },
        },
    }
    definition = {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}
        },
    }
    worker = Worker({101})
    first = attempt(definition, {"items": [{"v": 1}]}, worker)
    assert first.status == "FAILED"
    worker.broken.clear()
    worker.calls.clear()
    second = attempt(definition, {"items": [{"v": 1}]}, worker, first)
    assert worker.calls == [101]
    assert second.output == [{"v": 1, "one": 10, "two": 1010}]


def test_timed_out_map_keeps_finished_iterations_for_redrive() -> None:
    processor = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "SecondsPath": "$.w", "End": True}},
    }
    definition = {
        "TimeoutSeconds": 60,
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}},
    }
    data = [{"w": 10}, {"w": 10}, {"w": 100}]
    first = attempt(definition, data, Worker(set()))
    assert first.status == "TIMED_OUT"
    assert [e["type"] for e in first.history][-3:] == [
        "MapIterationAborted",
        "MapStateAborted",
        "ExecutionTimedOut",
    ]
    second = attempt(definition, data, Worker(set()), first)
    rerun = [
        e["mapIterationStartedEventDetails"]["index"]
        for e in second.history[len(first.history) :]
        if e["type"] == "MapIterationStarted"
    ]
    assert rerun == [2]
