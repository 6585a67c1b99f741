"""states:startExecution(.sync, .sync:2) through the project's API plane and StepFunctionsApi."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.stepfunctions.api import StepFunctionsApi

pytestmark = pytest.mark.integration

CHILD = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Pass",
            "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"},
            "End": True,
        }
    },
}
FAILING_CHILD = {
    "StartAt": "Boom",
    "States": {"Boom": {"Type": "Fail", "Error": "ChildFailed", "Cause": "no"}},
}


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiPlane, StepFunctionsApi]]:
    api_plane = ApiPlane().start()
    workspace: Path = tmp_path_factory.mktemp("nested")
    api = StepFunctionsApi(LocalContext(endpoint_url=api_plane.endpoint_url, workspace=workspace))
    api_plane.register("stepfunctions", api)
    yield api_plane, api
    api_plane.stop()


def sfn(plane: ApiPlane) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=plane.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def run_parent(
    plane: tuple[ApiPlane, StepFunctionsApi], resource: str, child: dict[str, Any], name: str
) -> dict[str, Any]:
    client = sfn(plane[0])
    role = "arn:aws:iam::123456789012:role/sfn"
    child_arn = client.create_state_machine(
        name=f"child-{name}", definition=json.dumps(child), roleArn=role
    )["stateMachineArn"]
    parent = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": child_arn, "Input": {"n.$": "$.n"}},
                "End": True,
            }
        },
    }
    parent_arn = client.create_state_machine(
        name=f"parent-{name}", definition=json.dumps(parent), roleArn=role
    )["stateMachineArn"]
    execution = client.start_execution(
        stateMachineArn=parent_arn, name=name, input=json.dumps({"n": 21})
    )["executionArn"]
    plane[1].wait(execution, timeout=60)
    return dict(client.describe_execution(executionArn=execution))


def test_sync_returns_the_child_description(plane: tuple[ApiPlane, StepFunctionsApi]) -> None:
    described = run_parent(plane, "arn:aws:states:::states:startExecution.sync", CHILD, "sync")
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["Status"] == "SUCCEEDED"
    assert json.loads(output["Output"]) == {"doubled": 42}


def test_sync2_parses_the_child_output(plane: tuple[ApiPlane, StepFunctionsApi]) -> None:
    output = json.loads(
        run_parent(plane, "arn:aws:states:::states:startExecution.sync:2", CHILD, "sync2")["output"]
    )
    assert output["Output"] == {"doubled": 42}


def test_failed_child_fails_the_task(plane: tuple[ApiPlane, StepFunctionsApi]) -> None:
    described = run_parent(
        plane, "arn:aws:states:::states:startExecution.sync", FAILING_CHILD, "failing"
    )
    assert (described["status"], described["error"]) == ("FAILED", "States.TaskFailed")
    assert json.loads(described["cause"])["Error"] == "ChildFailed"
