"""Map iterations and Parallel branches on threads: MaxConcurrency, consistent history."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from etl_local.stepfunctions import Execution, load
from etl_local.stepfunctions.clock import RealClock
from etl_local.stepfunctions.integrations import Clients, Integrations, TaskCall

pytestmark = pytest.mark.unit

SLOW = "arn:aws:lambda:us-east-1:123456789012:function:slow"


class Slow:
    def __init__(self) -> None:
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, clients: Clients, call: TaskCall) -> Any:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.1)
        with self.lock:
            self.active -= 1
        return call.parameters["v"]


def map_definition(max_concurrency: int) -> dict[str, Any]:
    processor = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": SLOW, "Parameters": {"v.$": "$"}, "End": True}
        },
    }
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": processor,
                "End": True,
            }
        },
    }


@pytest.mark.parametrize("limit", [1, 3], ids=["serial", "three-at-a-time"])
def test_max_concurrency(limit: int) -> None:
    slow = Slow()
    result = Execution(
        load(map_definition(limit)),
        list(range(6)),
        clock=RealClock(),
        integrations=Integrations(custom={SLOW: slow}),
    ).run()
    assert result.output == list(range(6))
    assert slow.peak == limit


def test_history_of_concurrent_iterations_is_consistent() -> None:
    result = Execution(
        load(map_definition(6)),
        list(range(6)),
        clock=RealClock(),
        integrations=Integrations(custom={SLOW: Slow()}),
    ).run()
    ids = [e["id"] for e in result.history]
    assert ids == list(range(1, len(ids) + 1))
    by_id = {e["id"]: e for e in result.history}
    for event in result.history:
        if event["type"] == "TaskSucceeded":
            chain = [event["type"]]
            current = event
            while current["type"] != "MapIterationStarted":
                current = by_id[current["previousEventId"]]
                chain.append(current["type"])
            assert chain == [
                "TaskSucceeded",
                "TaskStarted",
                "TaskScheduled",
                "TaskStateEntered",
                "MapIterationStarted",
            ]
    assert len([e for e in result.history if e["type"] == "MapIterationSucceeded"]) == 6
