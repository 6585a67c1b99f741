"""Small builders for inline definitions used by the interpreter tests."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.model import Shape, StructureShape
from etl_local.stepfunctions import ExecutionResult, run_definition


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **top}


def single(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A one-state machine: the state ends the execution."""
    body = dict(state)
    if body["Type"] not in {"Succeed", "Fail", "Choice"}:
        body.setdefault("End", True)
    return machine({"S": body}, **top)


_EMPTY: dict[str, Any] = {}


def run(definition: dict[str, Any], data: Any = _EMPTY) -> ExecutionResult:
    return run_definition(definition, data, virtual_clock=True)


def events(result: ExecutionResult, *types: str) -> list[dict[str, Any]]:
    return [e for e in result.history if not types or e["type"] in types]


def types(result: ExecutionResult) -> list[str]:
    return [e["type"] for e in result.history]


# The Step Functions service model: responses and events must fit it.
MODEL = boto3.client("stepfunctions", region_name="us-east-1").meta.service_model
PY_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool, "timestamp": float}


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
