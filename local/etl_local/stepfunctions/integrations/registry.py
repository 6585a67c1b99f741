"""The registry of Task resources, keyed by Resource ARN.

``arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`` resolves to an
optimized integration (``Action``), ``arn:aws:states:::aws-sdk:<service>:<action>`` to the
generic SDK integration, and a Lambda function ARN to a direct invocation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations.base import (
    Clients,
    TaskCall,
    api_response,
    as_json_text,
    call_api,
)

Handler = Callable[[Clients, TaskCall], Any]


@dataclass(frozen=True)
class Action:
    call: Handler
    sync: Handler | None = None
    sync2: Handler | None = None


def request(service: str, action: str, json_fields: tuple[str, ...] = ()) -> Handler:
    """A request-response handler: call the API, return its response.

    ``json_fields`` are string parameters that Step Functions lets you give as JSON
    (e.g. SQS MessageBody, SNS Message): they are serialized before the call.
    """

    def handler(clients: Clients, call: TaskCall) -> Any:
        params = dict(call.parameters or {})
        for name in json_fields:
            if name in params:
                params[name] = as_json_text(params[name])
        return api_response(call_api(clients, service, action, params))

    return handler


@dataclass(frozen=True)
class Target:
    """A resolved resource: what history shows and how to run it."""

    resource_type: str
    resource: str
    pattern: str  # "request-response" | "sync" | "sync:2" | "waitForTaskToken" | "function"
    handler: Handler


_OPTIMIZED = re.compile(
    r"arn:aws[\w-]*:states:::(?P<service>[\w-]+):(?P<action>[\w]+)"
    r"(?:\.(?P<pattern>sync:2|sync|waitForTaskToken))?"
)
_SDK = re.compile(
    r"arn:aws[\w-]*:states:::aws-sdk:(?P<service>[\w-]+):(?P<action>\w+)"
    r"(?:\.(?P<pattern>waitForTaskToken))?"
)
_FUNCTION = re.compile(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?")

# aws-sdk service names (AWS SDK v2) -> boto3 service names where they differ.
SDK_SERVICES: dict[str, str] = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
}


class UnknownResource(ValueError):
    pass


class Integrations:
    """Resolves Resource ARNs to handlers; ``custom`` adds or overrides exact ARNs."""

    def __init__(
        self,
        clients: Clients | None = None,
        custom: dict[str, Handler] | None = None,
    ) -> None:
        from etl_local.stepfunctions.integrations import OPTIMIZED

        self.clients = clients or Clients()
        self.optimized = OPTIMIZED
        self.custom = dict(custom or {})

    def resolve(self, resource: str) -> Target:
        if resource in self.custom:
            return Target("custom", resource, "request-response", self.custom[resource])
        match = _SDK.fullmatch(resource)
        if match is not None:
            return self._sdk(match)
        match = _OPTIMIZED.fullmatch(resource)
        if match is not None:
            return self._optimized(resource, match)
        if _FUNCTION.fullmatch(resource):
            from etl_local.stepfunctions.integrations.lambda_ import invoke_function_arn

            return Target("lambda", resource, "function", invoke_function_arn)
        raise UnknownResource(resource)

    def _sdk(self, match: re.Match[str]) -> Target:
        service, action = match.group("service"), match.group("action")
        boto_service = SDK_SERVICES.get(service, service)
        from etl_local.stepfunctions.integrations.aws_sdk import sdk_handler

        pattern = match.group("pattern") or "request-response"
        return Target(f"aws-sdk:{service}", action, pattern, sdk_handler(boto_service, action))

    def _optimized(self, resource: str, match: re.Match[str]) -> Target:
        key = f"{match.group('service')}:{match.group('action')}"
        action = self.optimized.get(key)
        pattern = match.group("pattern") or "request-response"
        handlers: dict[str, Handler | None] = {}
        if action is not None:
            handlers = {
                "request-response": action.call,
                "waitForTaskToken": action.call,
                "sync": action.sync,
                "sync:2": action.sync2,
            }
        handler = handlers.get(pattern)
        if handler is None:
            raise UnknownResource(resource)
        suffix = "" if pattern == "request-response" else f".{pattern}"
        return Target(match.group("service"), f"{match.group('action')}{suffix}", pattern, handler)

    def run(self, target: Target, call: TaskCall) -> Any:
        return target.handler(self.clients, call)


def unknown_resource_error(resource: str) -> StatesError:
    return StatesError(
        "States.Runtime",
        f"The resource provided {resource} is not recognized. The value is not a valid "
        f"resource ARN, or the resource is not available in this region.",
    )
