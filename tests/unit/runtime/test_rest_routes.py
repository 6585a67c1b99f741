"""Contract: every REST-JSON action a project API answers is routed where boto3 sends it.

The routes come from botocore's service model; these tests call each action of the real
``DataBrewApi.ACTIONS`` and ``LambdaApi.ACTIONS`` through boto3 and check that the request
reached the API as that action, with its path, query and header members.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from etl_local.awsapi import ApiPlane, rest_routes
from etl_local.context import LocalContext
from etl_local.databrew.api import DataBrewApi
from etl_local.lambdas.api import LambdaApi

pytestmark = pytest.mark.unit

ROLE = "arn:aws:iam::123456789012:role/brew"
OUTPUTS = [{"Location": {"Bucket": "lake", "Key": "out/"}}]

# action -> (service, boto3 method, request, members the API must receive)
CASES: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    "StartJobRun": ("databrew", "start_job_run", {"Name": "job a"}, {"Name": "job a"}),
    "DescribeJobRun": (
        "databrew",
        "describe_job_run",
        {"Name": "job", "RunId": "db_1"},
        {"Name": "job", "RunId": "db_1"},
    ),
    "ListJobRuns": (
        "databrew",
        "list_job_runs",
        {"Name": "job", "MaxResults": 5, "NextToken": "10"},
        {"Name": "job", "MaxResults": "5", "NextToken": "10"},
    ),
    "StopJobRun": (
        "databrew",
        "stop_job_run",
        {"Name": "job", "RunId": "db_1"},
        {"Name": "job", "RunId": "db_1"},
    ),
    "CreateRecipeJob": (
        "databrew",
        "create_recipe_job",
        {"Name": "job", "RoleArn": ROLE, "DatasetName": "d", "Outputs": OUTPUTS, "Timeout": 30},
        {"Name": "job", "RoleArn": ROLE, "DatasetName": "d", "Outputs": OUTPUTS, "Timeout": 30},
    ),
    "CreateProfileJob": (
        "databrew",
        "create_profile_job",
        {"Name": "p", "RoleArn": ROLE, "DatasetName": "d", "OutputLocation": {"Bucket": "lake"}},
        {"Name": "p", "RoleArn": ROLE, "DatasetName": "d", "OutputLocation": {"Bucket": "lake"}},
    ),
    "UpdateRecipeJob": (
        "databrew",
        "update_recipe_job",
        {"Name": "job", "RoleArn": ROLE, "Outputs": OUTPUTS},
        {"Name": "job", "RoleArn": ROLE, "Outputs": OUTPUTS},
    ),
    "UpdateProfileJob": (
        "databrew",
        "update_profile_job",
        {"Name": "p", "RoleArn": ROLE, "OutputLocation": {"Bucket": "lake"}},
        {"Name": "p", "RoleArn": ROLE, "OutputLocation": {"Bucket": "lake"}},
    ),
    "DescribeJob": ("databrew", "describe_job", {"Name": "job"}, {"Name": "job"}),
    "Invoke": (
        "lambda",
        "invoke",
        {
            "FunctionName": "fn",
            "InvocationType": "Event",
            "LogType": "Tail",
            "Qualifier": "$LATEST",
            "Payload": b'{"k": 1}',
        },
        {
            "FunctionName": "fn",
            "InvocationType": "Event",
            "LogType": "Tail",
            "Qualifier": "$LATEST",
            "Payload": b'{"k": 1}',
        },
    ),
    "GetFunction": (
        "lambda",
        "get_function",
        {"FunctionName": "fn", "Qualifier": "$LATEST"},
        {"FunctionName": "fn", "Qualifier": "$LATEST"},
    ),
    "GetFunctionConfiguration": (
        "lambda",
        "get_function_configuration",
        {"FunctionName": "fn"},
        {"FunctionName": "fn"},
    ),
    "ListFunctions": ("lambda", "list_functions", {"MaxItems": 5}, {"MaxItems": "5"}),
}
APIS = {"databrew": DataBrewApi.ACTIONS, "lambda": LambdaApi.ACTIONS}


class Recorder:
    """Answers exactly the actions of a real project API, recording each call."""

    def __init__(self, actions: frozenset[str]) -> None:
        self.ACTIONS = actions
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((action, params))
        return {"StatusCode": 202, "Payload": b""} if action == "Invoke" else {}

    def close(self) -> None:
        pass


@pytest.fixture
def recorders(plane: ApiPlane) -> Iterator[dict[str, Recorder]]:
    previous = {service: plane.router.apis.get(service) for service in APIS}
    installed = {service: Recorder(actions) for service, actions in APIS.items()}
    for service, recorder in installed.items():
        plane.register(service, recorder)
    yield installed
    for service, api in previous.items():
        if api is None:
            plane.router.apis.pop(service, None)
        else:
            plane.register(service, api)


def test_every_rest_action_has_a_case() -> None:
    assert set(CASES) == DataBrewApi.ACTIONS | LambdaApi.ACTIONS


@pytest.mark.parametrize("action", sorted(CASES))
def test_boto3_reaches_the_project_api(
    ctx: LocalContext, recorders: dict[str, Recorder], action: str
) -> None:
    service, method, request, expected = CASES[action]
    getattr(ctx.client(service), method)(**request)
    ((called, params),) = recorders[service].calls
    assert called == action
    assert {k: params.get(k) for k in expected} == expected


def test_routes_follow_the_service_model() -> None:
    """StopJobRun's real path, not a hand-written one (how a wrong path once slipped in)."""
    routes = {r.action: r for r in rest_routes("databrew", DataBrewApi.ACTIONS)}
    stop = routes["StopJobRun"]
    assert stop.method == "POST"
    assert stop.pattern.match("/jobs/job/jobRun/db_1/stopJobRun")
    assert not stop.pattern.match("/jobs/job/jobRun/db_1/stop")
    assert rest_routes("glue", {"StartCrawler"}) == ()  # JSON protocol: routed by target
    assert rest_routes("s3", {"GetObject"}) == ()  # rest-xml: moto answers S3
