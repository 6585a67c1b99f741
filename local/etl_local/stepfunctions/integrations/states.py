"""Step Functions: startExecution (request-response, .sync, .sync:2 with parsed Output)."""

from __future__ import annotations

import json
from typing import Any

from etl_local.stepfunctions.integrations.base import (
    Clients,
    TaskCall,
    api_response,
    as_json_text,
    call_api,
    poll,
)
from etl_local.stepfunctions.integrations.registry import Action

SUCCEEDED = frozenset({"SUCCEEDED"})
FAILED = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


def _params(call: TaskCall) -> dict[str, Any]:
    params = dict(call.parameters or {})
    if "Input" in params:
        params["Input"] = as_json_text(params["Input"])
    return params


def start(clients: Clients, call: TaskCall) -> Any:
    return _pascal_keys(
        api_response(call_api(clients, "stepfunctions", "StartExecution", _params(call)))
    )


def _describe_until_done(clients: Clients, call: TaskCall) -> dict[str, Any]:
    started = call_api(clients, "stepfunctions", "StartExecution", _params(call))
    arn = api_response(started)["executionArn"]

    def describe() -> dict[str, Any]:
        described = call_api(clients, "stepfunctions", "DescribeExecution", {"executionArn": arn})
        return _pascal_keys(api_response(described))

    return poll(call, describe, lambda d: str(d["Status"]), SUCCEEDED, FAILED)


def start_sync(clients: Clients, call: TaskCall) -> Any:
    return _describe_until_done(clients, call)


def start_sync2(clients: Clients, call: TaskCall) -> Any:
    described = _describe_until_done(clients, call)
    if isinstance(described.get("Output"), str):
        described["Output"] = json.loads(described["Output"])
    return described


def _pascal_keys(value: dict[str, Any]) -> dict[str, Any]:
    return {key[:1].upper() + key[1:]: item for key, item in value.items()}


ACTIONS: dict[str, Action] = {
    "states:startExecution": Action(start, sync=start_sync, sync2=start_sync2),
}
