"""Task: runs a resource through the integrations registry (request-response, .sync, callback)."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.errors import (
    HEARTBEAT_TIMEOUT,
    RUNTIME,
    TIMEOUT,
    StatesError,
    compact,
)
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
    LIMIT_RESULT = True
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
            return compile_jsonata_template(self.spec[field], field)
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
        record = RECORDERS.get(target.pattern, TaskEvents)(scope, target)
        record.scheduled(parameters, timeout, heartbeat)
        record.started()
        call = TaskCall(scope, self.resource, parameters, timeout, heartbeat)
        started = scope.clock.now()
        try:
            result = scope.run.integrations.run(target, call)
            if target.pattern == "waitForTaskToken":
                record.submitted(result)
                remaining = None if timeout is None else timeout - (scope.clock.now() - started)
                result = scope.run.tokens.wait(
                    str(frame.task_token), scope.check, remaining, heartbeat
                )
            elif timeout is not None and scope.clock.now() - started > timeout:
                raise StatesError(TIMEOUT)
        except StatesError as err:
            record.failed(err)
            raise
        record.succeeded(result)
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


class TaskEvents:
    """Task* history events (optimized and SDK integrations)."""

    TIMEOUTS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})

    def __init__(self, scope: Scope, target: Target) -> None:
        self.scope = scope
        self.names = {"resourceType": target.resource_type, "resource": target.resource}

    def scheduled(self, parameters: Any, timeout: float | None, heartbeat: float | None) -> None:
        details: dict[str, Any] = {
            **self.names,
            "region": self.scope.run.integrations.clients.region,
            "parameters": compact(parameters),
        }
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
        self.scope.event("TaskScheduled", details)

    def started(self) -> None:
        self.scope.event("TaskStarted", self.names)

    def submitted(self, output: Any) -> None:
        self.scope.event("TaskSubmitted", {**self.names, **_output(output)})

    def succeeded(self, output: Any) -> None:
        self.scope.event("TaskSucceeded", {**self.names, **_output(output)})

    def failed(self, err: StatesError) -> None:
        kind = "TaskTimedOut" if err.error in self.TIMEOUTS else "TaskFailed"
        self.scope.event(kind, {**self.names, **_lower(err)})


class LambdaFunctionEvents(TaskEvents):
    """LambdaFunction* events: a Lambda function ARN used directly as Resource."""

    def scheduled(self, parameters: Any, timeout: float | None, heartbeat: float | None) -> None:
        details: dict[str, Any] = {
            "resource": self.names["resource"],
            "input": compact(parameters),
            "inputDetails": {"truncated": False},
        }
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        self.scope.event("LambdaFunctionScheduled", details)

    def started(self) -> None:
        self.scope.event("LambdaFunctionStarted")

    def succeeded(self, output: Any) -> None:
        self.scope.event("LambdaFunctionSucceeded", _output(output))

    def failed(self, err: StatesError) -> None:
        kind = "LambdaFunctionTimedOut" if err.error in self.TIMEOUTS else "LambdaFunctionFailed"
        self.scope.event(kind, _lower(err))


RECORDERS: dict[str, type[TaskEvents]] = {"function": LambdaFunctionEvents}


def _output(value: Any) -> dict[str, Any]:
    return {"output": compact(value), "outputDetails": {"truncated": False}}


def _lower(err: StatesError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": err.error} if err.error else {}
    if err.cause is not None:
        out["cause"] = err.cause
    return out
