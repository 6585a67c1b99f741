"""How a Lambda FunctionError becomes the Task's error (errorType as the error name)."""

from __future__ import annotations

import json

import pytest
from etl_local.stepfunctions.integrations.lambda_ import _function_error

pytestmark = pytest.mark.unit

CASES = [
    (
        "python-exception",
        "Unhandled",
        {"errorMessage": "bad input", "errorType": "ValueError", "stackTrace": []},
        "ValueError",
    ),
    (
        "timeout",
        "Unhandled",
        {"errorMessage": "Task timed out after 3.00 seconds", "errorType": "Sandbox.Timedout"},
        "Sandbox.Timedout",
    ),
    ("no-error-type", "Unhandled", {"errorMessage": "?"}, "Unhandled"),
]


@pytest.mark.parametrize(
    ("function_error", "payload", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_function_error_names_the_task_failure(
    function_error: str, payload: dict[str, object], error: str
) -> None:
    text = json.dumps(payload)
    failure = _function_error(function_error, text)
    assert failure.error == error
    assert failure.cause == text  # the cause is the function's error payload, as returned


def test_non_json_payload() -> None:
    failure = _function_error("Unhandled", "not json")
    assert (failure.error, failure.cause) == ("Unhandled", "not json")
