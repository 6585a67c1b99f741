"""Retry and Catch: matching rules, backoff timing on the virtual clock, error output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from etl_local.stepfunctions import run_definition
from etl_local.stepfunctions.errors import StatesError, matches
from etl_local.stepfunctions.integrations import Clients, Integrations, TaskCall

from tests.unit.stepfunctions.helpers import events, machine, run, single, types

pytestmark = pytest.mark.unit

FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


def flaky(failures: int, error: str = "Transient") -> Integrations:
    """A resource that fails ``failures`` times, then returns its parameters."""
    calls = {"n": 0}

    def handler(clients: Clients, call: TaskCall) -> Any:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise StatesError(error, f"attempt {calls['n']}")
        return {"attempts": calls["n"], "got": call.parameters}

    return Integrations(custom={FLAKY: handler})


def run_flaky(
    state: dict[str, Any], failures: int, error: str = "Transient", data: Any = None
) -> Any:
    definition = single({"Type": "Task", "Resource": FLAKY, **state})
    return run_definition(
        definition, data or {}, virtual_clock=True, integrations=flaky(failures, error)
    )


MATCHING = [
    ("exact", "Custom", ["Custom"], True),
    ("all", "Custom", ["States.ALL"], True),
    ("all-not-runtime", "States.Runtime", ["States.ALL"], False),
    ("all-not-data-limit", "States.DataLimitExceeded", ["States.ALL"], False),
    ("task-failed-wildcard", "Lambda.ServiceException", ["States.TaskFailed"], True),
    ("task-failed-not-timeout", "States.Timeout", ["States.TaskFailed"], False),
    ("other", "Custom", ["Other"], False),
]


@pytest.mark.parametrize(
    ("error", "equals", "expected"), [m[1:] for m in MATCHING], ids=[m[0] for m in MATCHING]
)
def test_error_matching(error: str, equals: list[str], expected: bool) -> None:
    assert matches(error, equals) is expected


def scheduled_times(result: Any) -> list[float]:
    return [e["timestamp"] for e in events(result, "TaskScheduled")]


def test_retry_backoff_on_virtual_clock() -> None:
    retry = [
        {"ErrorEquals": ["Transient"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}
    ]
    result = run_flaky({"Retry": retry}, failures=3)
    assert result.status == "SUCCEEDED"
    assert result.output["attempts"] == 4
    times = scheduled_times(result)
    gaps = [round(b - a) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [2, 6, 18]
    assert types(result).count("TaskFailed") == 3


def test_retry_max_delay_caps_backoff() -> None:
    retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 10,
            "BackoffRate": 10,
            "MaxDelaySeconds": 30,
            "MaxAttempts": 3,
        }
    ]
    times = scheduled_times(run_flaky({"Retry": retry}, failures=3))
    assert [round(b - a) for a, b in zip(times, times[1:], strict=False)] == [10, 30, 30]


def test_full_jitter_stays_within_the_delay() -> None:
    retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 8,
            "MaxAttempts": 2,
            "JitterStrategy": "FULL",
        }
    ]
    times = scheduled_times(run_flaky({"Retry": retry}, failures=2))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert 0 <= gaps[0] <= 8.5 and 0 <= gaps[1] <= 16.5


def test_max_attempts_zero_never_retries() -> None:
    result = run_flaky({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]}, failures=1)
    assert (result.status, result.error, result.cause) == ("FAILED", "Transient", "attempt 1")


def test_only_the_first_matching_retrier_counts() -> None:
    retry = [
        {"ErrorEquals": ["Transient"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1},
    ]
    result = run_flaky({"Retry": retry}, failures=3)
    assert result.status == "FAILED"
    assert types(result).count("TaskScheduled") == 2


def test_retry_count_in_context() -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}]
    result = run_flaky(
        {"Retry": retry, "Parameters": {"retry.$": "$$.State.RetryCount"}}, failures=2
    )
    assert result.output["got"] == {"retry": 2}


def test_catch_builds_error_output_at_result_path() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": FLAKY,
                "Catch": [
                    {"ErrorEquals": ["Transient"], "ResultPath": "$.error", "Next": "Handled"}
                ],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        }
    )
    result = run_definition(definition, {"k": 1}, virtual_clock=True, integrations=flaky(1))
    assert result.output == {"k": 1, "error": {"Error": "Transient", "Cause": "attempt 1"}}


def test_catch_after_retries_exhausted() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": FLAKY,
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        }
    )
    result = run_definition(definition, {}, virtual_clock=True, integrations=flaky(5))
    assert result.output == {"Error": "Transient", "Cause": "attempt 2"}


def test_runtime_errors_are_not_caught() -> None:
    definition = machine(
        {
            "T": {"Type": "Pass", "InputPath": "$.missing", "Next": "E"},
            "E": {"Type": "Succeed"},
        }
    )
    assert run(definition, {}).error == "States.Runtime"


def test_fail_state_error_and_cause_paths() -> None:
    definition = single(
        {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.c)"}
    )
    result = run(definition, {"e": "MyError", "c": 7})
    assert (result.status, result.error, result.cause) == ("FAILED", "MyError", "bad 7")
    assert types(result)[-2:] == ["FailStateEntered", "ExecutionFailed"]


def test_task_history_events() -> None:
    result = run_flaky({"Parameters": {"x": 1}}, failures=0)
    assert types(result) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = events(result, "TaskScheduled")[0]["taskScheduledEventDetails"]
    assert scheduled["parameters"] == '{"x":1}'
    assert scheduled["resource"] == FLAKY
    previous = [e["previousEventId"] for e in result.history]
    assert previous == [0, 1, 2, 3, 4, 5, 6]


def test_execution_timeout() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": 100, "End": True}}, TimeoutSeconds=10)
    result = run(definition, {})
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert types(result)[-2:] == ["WaitStateAborted", "ExecutionTimedOut"]
    start, end = result.history[0]["timestamp"], result.history[-1]["timestamp"]
    assert 9.9 <= end - start < 11


def test_data_limit_exceeded() -> None:
    result = run(
        single(
            {
                "Type": "Pass",
                "Parameters": {"big.$": "States.ArrayRange(1, 1000, 1)", "pad": "x" * 300_000},
            }
        )
    )
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")


WAITS = [
    ("seconds", {"Seconds": 30}, {}, 30),
    ("seconds-path", {"SecondsPath": "$.s"}, {"s": 45}, 45),
]


@pytest.mark.parametrize(
    ("fields", "data", "seconds"), [w[1:] for w in WAITS], ids=[w[0] for w in WAITS]
)
def test_wait_durations(fields: dict[str, Any], data: Any, seconds: int) -> None:
    result = run(single({"Type": "Wait", **fields}), data)
    entered, exited = (
        e["timestamp"] for e in events(result, "WaitStateEntered", "WaitStateExited")
    )
    assert round(exited - entered) == seconds


def test_wait_until_timestamp() -> None:
    result = run(
        single({"Type": "Wait", "TimestampPath": "$.until"}), {"until": "2999-01-01T00:00:00Z"}
    )
    exited = events(result, "WaitStateExited")[0]["timestamp"]
    assert datetime.fromtimestamp(exited).year in (2998, 2999)


def test_wait_bad_seconds_path() -> None:
    assert (
        run(single({"Type": "Wait", "SecondsPath": "$.s"}), {"s": "ten"}).error == "States.Runtime"
    )


def test_map_result_over_the_limit_fails_even_with_a_result_selector() -> None:
    processor = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Result": "x" * 1000, "End": True}},
    }
    state = {
        "Type": "Map",
        "ItemProcessor": processor,
        "ResultSelector": {"n.$": "States.ArrayLength($)"},
    }
    result = run(single(state), list(range(300)))
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")


def test_unreachable_endpoint_is_an_sdk_client_exception() -> None:
    clients = Clients(
        "http://127.0.0.1:9", credentials={"aws_access_key_id": "x", "aws_secret_access_key": "y"}
    )
    definition = single(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"},
        }
    )
    result = run_definition(definition, {}, virtual_clock=True, integrations=Integrations(clients))
    assert (result.status, result.error) == ("FAILED", "Lambda.SdkClientException")
