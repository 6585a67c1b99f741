"""History events conform to the Step Functions service model (types, detail keys, types of values)."""

from __future__ import annotations

from typing import Any

import pytest
from etl_local.stepfunctions import run_definition
from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations import Clients, Integrations, TaskCall

from tests.unit.stepfunctions.helpers import MODEL, check

pytestmark = pytest.mark.unit

TASK = "arn:aws:lambda:us-east-1:123456789012:function:work"


def handler(clients: Clients, call: TaskCall) -> Any:
    if call.parameters.get("fail"):
        raise StatesError("Boom", "failed on purpose")
    return {"ok": True}


EVERYTHING = {
    "StartAt": "Pass",
    "States": {
        "Pass": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Choice"},
        "Choice": {
            "Type": "Choice",
            "Choices": [{"Variable": "$x", "NumericEquals": 1, "Next": "Parallel"}],
            "Default": "Fail",
        },
        "Parallel": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "T",
                    "States": {
                        "T": {
                            "Type": "Task",
                            "Resource": TASK,
                            "Parameters": {"fail": False},
                            "End": True,
                        }
                    },
                }
            ],
            "Next": "Map",
        },
        "Map": {
            "Type": "Map",
            "ItemsPath": "$",
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {"Inner": {"Type": "Pass", "End": True}},
            },
            "ResultPath": None,
            "Next": "Task",
        },
        "Task": {
            "Type": "Task",
            "Resource": TASK,
            "Parameters": {"fail": True},
            "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail"}],
            "End": True,
        },
        "Fail": {"Type": "Fail", "Error": "Final", "Cause": "end"},
    },
}


def test_every_event_matches_the_service_model() -> None:
    result = run_definition(
        EVERYTHING, {}, virtual_clock=True, integrations=Integrations(custom={TASK: handler})
    )
    assert result.status == "FAILED"
    event_types = MODEL.shape_for("HistoryEventType").enum
    seen = set()
    for event in result.history:
        assert event["type"] in event_types
        check(MODEL.shape_for("HistoryEvent"), event, event["type"])
        seen.add(event["type"])
    for expected in (
        "MapIterationStarted",
        "ParallelStateStarted",
        "TaskFailed",
        "WaitStateExited",
        "FailStateEntered",
        "ExecutionFailed",
    ):
        assert expected in seen
