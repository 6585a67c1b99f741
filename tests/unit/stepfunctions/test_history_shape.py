"""History events conform to the Step Functions service model (types, detail keys, types of values)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.model import Shape, StructureShape
from etl_local.stepfunctions import run_definition
from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations import Clients, Integrations, TaskCall

pytestmark = pytest.mark.unit

TASK = "arn:aws:lambda:us-east-1:123456789012:function:work"

MODEL = boto3.client("stepfunctions", region_name="us-east-1").meta.service_model
PY_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool, "timestamp": float}


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


def check(shape: Shape, value: Any, where: str) -> None:
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: {unknown}"
        for key, item in value.items():
            check(shape.members[key], item, f"{where}.{key}")
        return
    if shape.type_name == "map":
        assert isinstance(value, dict), where
        return
    expected = PY_TYPES.get(shape.type_name)
    if expected is not None:
        assert isinstance(value, expected) or (expected is float and isinstance(value, int)), (
            f"{where}: {value!r}"
        )


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
