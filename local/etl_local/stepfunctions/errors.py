"""Errors of the Amazon States Language, named as AWS names them."""

from __future__ import annotations

import json
from typing import Any

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

# Terminal errors: States.ALL does not match them and they cannot be retried or caught.
UNCATCHABLE = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})


class StatesError(Exception):
    """A failure of a state, with the ``Error``/``Cause`` pair AWS reports."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause

    def to_output(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Error": self.error}
        if self.cause is not None:
            out["Cause"] = self.cause
        return out

    @property
    def terminal(self) -> bool:
        return self.error in UNCATCHABLE


def matches(error: str, error_equals: list[str]) -> bool:
    """Does a Retrier's/Catcher's ErrorEquals match ``error`` (ASL spec, "Error names")."""
    if error in error_equals:
        return True
    if error in UNCATCHABLE:
        return False
    if ALL in error_equals:
        return True
    return TASK_FAILED in error_equals and error != TIMEOUT and error != HEARTBEAT_TIMEOUT


class ExecutionInterrupted(Exception):
    """The execution stopped from outside the state machine (abort or timeout)."""

    status = "ABORTED"

    def __init__(self, error: str | None = None, cause: str | None = None) -> None:
        super().__init__(error or self.status)
        self.error = error
        self.cause = cause


class ExecutionAborted(ExecutionInterrupted):
    status = "ABORTED"


class ExecutionTimedOut(ExecutionInterrupted):
    status = "TIMED_OUT"


class DefinitionError(Exception):
    """The definition is invalid; ``diagnostics`` are ValidateStateMachineDefinition's."""

    def __init__(self, diagnostics: list[dict[str, str]]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0]
        where = f" at {first['location']}" if first.get("location") else ""
        super().__init__(
            f"Invalid State Machine Definition: '{first['code']}: {first['message']}{where}'"
        )


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact(value: Any) -> str:
    """JSON text as Step Functions shows it in causes and history (compact separators)."""
    return _COMPACT.encode(value)
