"""Task: runs a resource through the integrations registry (request-response, .sync, callback)."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.errors import RUNTIME, TIMEOUT, StatesError, compact
from etl_local.stepfunctions.integrations import Target, TaskCall, UnknownResource
from etl_local.stepfunctions.integrations.registry import unknown_resource_error
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    dynamic_value,
)
from etl_local.stepfunctions.scope import Scope
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    FLOW_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    RESULT_FIELDS,
    State,
)

DEFAULT_TIMEOUT_SECONDS = 99_999_999


class TaskState(State):
    TYPE = "Task"
    HAS_RESULT = True
    FIELDS = (
        COMMON_FIELDS
        | FLOW_FIELDS
        | JSONATA_FIELDS
        | {"Resource", "Arguments", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds"}
        | {"Credentials"}
    )
    JSONPATH_FIELDS = (
        JSONPATH_IO_FIELDS
        | RESULT_FIELDS
        | {"Parameters", "TimeoutSecondsPath", "HeartbeatSecondsPath"}
    )

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        self.resource: str = spec["Resource"]
        self.timeout = self._seconds("TimeoutSeconds")
        self.heartbeat = self._seconds("HeartbeatSeconds")
        self.callback = self.resource.endswith(".waitForTaskToken")

    def _seconds(self, field: str) -> Evaluator | None:
        if f"{field}Path" in self.spec:
            return dynamic_value(self.spec[f"{field}Path"], f"{field}Path")
        if field not in self.spec:
            return None
        if self.language == "JSONata":
            return compile_jsonata_template(self.spec[field])
        value = self.spec[field]
        return lambda data, frame: value

    def attempt(self, scope: Scope, raw: Any, frame: Frame) -> tuple[Any, dict[str, Any] | None]:
        if self.callback:
            token = scope.run.tokens.new()
            base_context = frame.context
            frame.context = lambda: {**base_context(), "Task": {"Token": token}}
            frame.task_token = token
        return super().attempt(scope, raw, frame)

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        parameters = self.io.arguments(raw, effective, frame)
        frame.states = {"input": raw, "context": frame.context()}
        timeout = self._limit(self.timeout, effective, frame)
        heartbeat = self._limit(self.heartbeat, effective, frame)
        try:
            target = scope.run.integrations.resolve(self.resource)
        except UnknownResource:
            raise unknown_resource_error(self.resource) from None
        scheduled: dict[str, Any] = {
            "resourceType": target.resource_type,
            "resource": target.resource,
            "region": scope.run.integrations.clients.region,
            "parameters": compact(parameters),
        }
        if timeout is not None:
            scheduled["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            scheduled["heartbeatInSeconds"] = int(heartbeat)
        scope.event("TaskScheduled", scheduled)
        names = {"resourceType": target.resource_type, "resource": target.resource}
        scope.event("TaskStarted", names)
        call = TaskCall(scope, self.resource, parameters, timeout, heartbeat)
        try:
            result = self._invoke(scope, target, call, frame)
        except StatesError as err:
            if err.error == TIMEOUT or err.error == "States.HeartbeatTimeout":
                scope.event("TaskTimedOut", {**names, **_lower(err)})
            else:
                scope.event("TaskFailed", {**names, **_lower(err)})
            raise
        if target.pattern == "waitForTaskToken":
            scope.event("TaskSubmitted", {**names, "output": compact(result)})
        scope.event(
            "TaskSucceeded",
            {**names, "output": compact(result), "outputDetails": {"truncated": False}},
        )
        return result

    def _invoke(self, scope: Scope, target: Target, call: TaskCall, frame: Frame) -> Any:
        started = scope.clock.now()
        result = scope.run.integrations.run(target, call)
        if target.pattern == "waitForTaskToken":
            token = frame.task_token
            remaining = (
                None if call.timeout is None else call.timeout - (scope.clock.now() - started)
            )
            return scope.run.tokens.wait(str(token), scope.check, remaining, call.heartbeat)
        if call.timeout is not None and scope.clock.now() - started > call.timeout:
            raise StatesError(TIMEOUT)
        return result

    def _limit(self, source: Evaluator | None, effective: Any, frame: Frame) -> float | None:
        if source is None:
            return None
        value = source(effective, frame)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                RUNTIME,
                f"{frame.where()} The timeout or heartbeat value must be a positive integer, "
                f"got {value!r}",
            )
        return float(value)


def _lower(err: StatesError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": err.error}
    if err.cause is not None:
        out["cause"] = err.cause
    return out
