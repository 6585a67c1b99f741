""".sync tasks wake on the service's state-change event instead of waiting for the next poll."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from etl_local.stepfunctions.clock import RealClock
from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations import base
from etl_local.stepfunctions.integrations.base import RUN_CHANGES, RunChanges, TaskCall, poll

pytestmark = pytest.mark.unit

SLOW_POLL = 30.0  # seconds: a test that waited for a poll would take this long


def _call() -> TaskCall:
    scope: Any = SimpleNamespace(
        clock=RealClock(), run=SimpleNamespace(cancel=threading.Event()), check=lambda: None
    )
    return TaskCall(
        scope=scope, resource="arn:aws:states:::athena:startQueryExecution.sync", parameters={}
    )


def _event(detail_type: str, field: str, run_id: str, state: str) -> dict[str, Any]:
    return {"detail-type": detail_type, "detail": {field: run_id, "state": state}}


@pytest.mark.parametrize(
    ("detail_type", "field"),
    [
        ("Athena Query State Change", "queryExecutionId"),
        ("Glue Job State Change", "jobRunId"),
    ],
)
def test_state_change_event_ends_the_wait_before_the_poll_interval(
    monkeypatch: pytest.MonkeyPatch, detail_type: str, field: str
) -> None:
    monkeypatch.setattr(base, "FIRST_POLL", SLOW_POLL)
    states = ["RUNNING"]
    described = []

    def describe() -> dict[str, Any]:
        described.append(time.monotonic())
        return {"State": states[-1]}

    def finish() -> None:
        while not described:  # the task's first describe: it is waiting now
            time.sleep(0.01)
        states.append("SUCCEEDED")
        RUN_CHANGES.notify_event(_event(detail_type, field, "run-1", "SUCCEEDED"))

    threading.Thread(target=finish).start()
    started = time.monotonic()
    result = poll(
        _call(),
        describe,
        lambda d: d["State"],
        frozenset({"SUCCEEDED"}),
        frozenset({"FAILED"}),
        run_id="run-1",
    )
    assert result == {"State": "SUCCEEDED"}
    assert time.monotonic() - started < SLOW_POLL / 2
    assert len(described) == 2


def test_failure_reported_by_event_fails_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "FIRST_POLL", SLOW_POLL)
    states = ["RUNNING"]

    def fail() -> None:
        time.sleep(0.05)
        states.append("FAILED")
        RUN_CHANGES.notify_event(_event("Glue Job State Change", "jobRunId", "run-2", "FAILED"))

    threading.Thread(target=fail).start()
    with pytest.raises(StatesError) as err:
        poll(
            _call(),
            lambda: {"State": states[-1]},
            lambda d: d["State"],
            frozenset({"SUCCEEDED"}),
            frozenset({"FAILED"}),
            run_id="run-2",
        )
    assert err.value.error == "States.TaskFailed"


def test_only_the_run_that_changed_is_woken() -> None:
    changes = RunChanges()
    changes.watch("mine")
    seen = changes.version("mine")
    changes.notify("someone-else")
    changes.notify_event({"detail-type": "Object Created", "detail": {"queryExecutionId": "mine"}})
    assert changes.wait("mine", seen, timeout=0.05) is False
    changes.notify_event(_event("Athena Query State Change", "queryExecutionId", "mine", "RUNNING"))
    assert changes.wait("mine", seen, timeout=5) is True


def test_a_change_before_the_wait_is_not_lost() -> None:
    changes = RunChanges()
    changes.watch("run")
    seen = changes.version("run")
    changes.notify("run")  # between the describe and the wait
    assert changes.wait("run", seen, timeout=0) is True


def test_unwatched_runs_are_not_remembered() -> None:
    changes = RunChanges()
    changes.notify("nobody-waits")
    changes.watch("run")
    changes.forget("run")
    assert changes.version("nobody-waits") == 0 and changes.version("run") == 0


def test_lambda_invoke_outlasts_the_longest_function_timeout() -> None:
    """A read timeout before the function ends would make the SDK retry: a second invoke."""
    clients = base.Clients(
        "http://127.0.0.1:9",
        credentials={"aws_access_key_id": "local", "aws_secret_access_key": "local"},
    )
    assert clients("lambda").meta.config.read_timeout > 900
    assert clients("athena").meta.config.read_timeout == 60
