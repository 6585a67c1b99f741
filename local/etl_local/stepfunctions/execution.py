"""Running one execution of a state machine: from ExecutionStarted to its final event.

``Execution`` is the library entry point: give it a loaded ``StateMachine`` and an input,
call ``run()``; ``stop()`` aborts it from another thread. A redrive is an ``Execution``
built from the previous attempt's history and redrive ledger.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from etl_local.context import ACCOUNT_ID, REGION
from etl_local.stepfunctions.clock import Clock, RealClock, make_clock
from etl_local.stepfunctions.errors import (
    ExecutionAborted,
    ExecutionInterrupted,
    ExecutionTimedOut,
    StatesError,
    compact,
)
from etl_local.stepfunctions.history import History
from etl_local.stepfunctions.integrations import Integrations
from etl_local.stepfunctions.machine import StateMachine, load
from etl_local.stepfunctions.scope import Run, Scope, run_states
from etl_local.stepfunctions.tokens import DEFAULT_BROKER, TokenBroker


def state_machine_arn(name: str, region: str = REGION, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def execution_arn(machine_arn: str, name: str) -> str:
    prefix, _, machine_name = machine_arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{machine_name}:{name}"


@dataclass
class ExecutionResult:
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start_date: float = 0.0
    stop_date: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What ``sfn run`` prints: status, output, error, cause."""
        return {
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
        }


@dataclass
class Redrive:
    """What a redrive resumes from: the previous attempt's history and ledger."""

    history: list[dict[str, Any]]
    ledger: dict[str, Any]
    redrive_count: int
    original_start: float


class Execution:
    def __init__(
        self,
        machine: StateMachine,
        execution_input: Any,
        *,
        name: str | None = None,
        machine_arn: str | None = None,
        clock: Clock | None = None,
        integrations: Integrations | None = None,
        tokens: TokenBroker | None = None,
        concurrent: bool = True,
        redrive: Redrive | None = None,
        role_arn: str = "",
    ) -> None:
        self.machine = machine
        self.clock = clock or RealClock()
        self.name = name or str(uuid.uuid4())
        self.machine_arn = machine_arn or state_machine_arn("LocalStateMachine")
        self.arn = execution_arn(self.machine_arn, self.name)
        self.redrive = redrive
        now = self.clock.now()
        start = redrive.original_start if redrive else now
        self.run_state = Run(
            execution_arn=self.arn,
            execution_name=self.name,
            state_machine_arn=self.machine_arn,
            state_machine_name=self.machine_arn.rpartition(":")[2],
            input=execution_input,
            start_time=start,
            history=History(redrive.history if redrive else None),
            integrations=integrations or Integrations(),
            tokens=tokens or DEFAULT_BROKER,
            role_arn=role_arn,
            redrive_count=redrive.redrive_count if redrive else 0,
            redrive_time=now if redrive else None,
            deadline=(now + machine.timeout_seconds) if machine.timeout_seconds else None,
            concurrent=concurrent,
            ledger_in=dict(redrive.ledger) if redrive else {},
        )
        self.started = threading.Event()

    @property
    def history(self) -> list[dict[str, Any]]:
        return self.run_state.history.events

    def stop(self, error: str | None = None, cause: str | None = None) -> None:
        self.run_state.stop(ExecutionAborted(error, cause))

    def run(self) -> ExecutionResult:
        run = self.run_state
        scope = Scope(
            run=run, clock=self.clock, variables={}, previous_event_id=run.history.last_id
        )
        if self.redrive is None:
            scope.event(
                "ExecutionStarted",
                {
                    "input": compact(run.input),
                    "inputDetails": {"truncated": False},
                    "roleArn": run.role_arn,
                },
            )
        else:
            scope.event("ExecutionRedriven", {"redriveCount": run.redrive_count})
        self.started.set()
        result = ExecutionResult(status="RUNNING", start_date=run.start_time)
        try:
            output = run_states(self.machine, scope, run.input)
            scope.event(
                "ExecutionSucceeded",
                {"output": compact(output), "outputDetails": {"truncated": False}},
            )
            result.status, result.output = "SUCCEEDED", output
        except StatesError as err:
            error = err.error or None  # a Fail state without Error reports none
            scope.event("ExecutionFailed", _error_details(error, err.cause))
            result.status, result.error, result.cause = "FAILED", error, err.cause
        except ExecutionInterrupted as stop:
            kind = (
                "ExecutionTimedOut" if isinstance(stop, ExecutionTimedOut) else "ExecutionAborted"
            )
            scope.event(kind, _error_details(stop.error, stop.cause))
            result.status, result.error, result.cause = stop.status, stop.error, stop.cause
        result.stop_date = scope.clock.now()
        result.history = run.history.events
        result.ledger = run.ledger_out
        return result


def _error_details(error: str | None, cause: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if error is not None:
        details["error"] = error
    if cause is not None:
        details["cause"] = cause
    return details


def run_definition(
    definition: str | dict[str, Any],
    execution_input: Any,
    *,
    virtual_clock: bool = False,
    integrations: Integrations | None = None,
    name: str | None = None,
    concurrent: bool | None = None,
) -> ExecutionResult:
    """Load, validate and run a definition to its end (the CLI's and tests' entry point).

    Branches and iterations run on threads only with the real clock unless ``concurrent``
    says otherwise: on the virtual clock the history order is then deterministic.
    """
    machine = load(definition)
    execution = Execution(
        machine,
        execution_input,
        name=name,
        clock=make_clock(virtual_clock),
        integrations=integrations,
        concurrent=(not virtual_clock) if concurrent is None else concurrent,
    )
    return execution.run()
