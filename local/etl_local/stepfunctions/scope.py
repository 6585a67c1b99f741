"""What a running execution shares (``Run``) and what each thread of execution owns (``Scope``).

A Scope is the top level, one Parallel branch or one Map iteration: its own clock fork,
its variables, the previous event id of its events and its redrive key. ``run_states``
walks the states of one branch from StartAt to an end and records, when it fails, where
to resume (the redrive ledger).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from etl_local.stepfunctions.clock import Clock
from etl_local.stepfunctions.errors import (
    ExecutionAborted,
    ExecutionInterrupted,
    ExecutionTimedOut,
    StatesError,
)
from etl_local.stepfunctions.history import History

if TYPE_CHECKING:
    from etl_local.stepfunctions.integrations import Integrations
    from etl_local.stepfunctions.machine import Branch
    from etl_local.stepfunctions.tokens import TokenBroker

MAX_PAYLOAD_BYTES = 256 * 1024


def iso_time(epoch: float) -> str:
    """A timestamp as the context object shows it: 2024-01-02T03:04:05.678Z."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Run:
    """One execution attempt: identity, history, integrations, cancellation, redrive ledger."""

    execution_arn: str
    execution_name: str
    state_machine_arn: str
    state_machine_name: str
    input: Any
    start_time: float
    history: History
    integrations: Integrations
    tokens: TokenBroker
    role_arn: str = ""
    redrive_count: int = 0
    redrive_time: float | None = None
    deadline: float | None = None
    concurrent: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)
    interrupt: ExecutionInterrupted | None = None
    ledger_in: dict[str, Any] = field(default_factory=dict)
    ledger_out: dict[str, Any] = field(default_factory=dict)
    _ledger_lock: threading.Lock = field(default_factory=threading.Lock)
    _context_base: dict[str, Any] | None = None

    def stop(self, interrupt: ExecutionInterrupted) -> None:
        if self.interrupt is None:
            self.interrupt = interrupt
        self.cancel.set()

    def context_base(self) -> dict[str, Any]:
        if self._context_base is None:
            execution: dict[str, Any] = {
                "Id": self.execution_arn,
                "Input": self.input,
                "Name": self.execution_name,
                "RoleArn": self.role_arn,
                "StartTime": iso_time(self.start_time),
                "RedriveCount": self.redrive_count,
            }
            if self.redrive_time is not None:
                execution["RedriveTime"] = iso_time(self.redrive_time)
            self._context_base = {
                "Execution": execution,
                "StateMachine": {"Id": self.state_machine_arn, "Name": self.state_machine_name},
            }
        return self._context_base

    def record(self, key: str, entry: Any) -> None:
        with self._ledger_lock:
            self.ledger_out[key] = entry

    def take(self, key: str) -> Any:
        if not self.ledger_in:  # not a redrive (or nothing left to resume): the hot path
            return None
        with self._ledger_lock:
            return self.ledger_in.pop(key, None)


@dataclass
class Scope:
    run: Run
    clock: Clock
    variables: dict[str, Any]
    key: str = ""
    previous_event_id: int = 0
    map_item: dict[str, Any] | None = None
    aborted: list[threading.Event] = field(default_factory=list)
    last_payload: tuple[Any, str] | None = None

    def event(self, event_type: str, details: dict[str, Any] | None = None) -> int:
        self.previous_event_id = self.run.history.add(
            event_type, self.clock.now(), self.previous_event_id, details
        )
        return self.previous_event_id

    def check(self) -> None:
        """Raise if the execution was stopped, timed out, or this branch was abandoned."""
        run = self.run
        if run.deadline is not None and self.clock.now() >= run.deadline:
            run.stop(ExecutionTimedOut("States.Timeout", "Execution timed out."))
        if run.cancel.is_set():
            raise run.interrupt or ExecutionAborted()
        for flag in self.aborted:
            if flag.is_set():
                raise BranchAbandoned

    def sleep(self, seconds: float) -> None:
        """Sleep on this scope's clock, waking for a stop or the execution's deadline."""
        self.check()
        deadline = self.run.deadline
        if deadline is not None and self.clock.now() + seconds >= deadline:
            self.clock.sleep(max(0.0, deadline - self.clock.now()), self.run.cancel)
        else:
            self.clock.sleep(seconds, self.run.cancel)
        self.check()

    def child(self, key: str, map_item: dict[str, Any] | None = None) -> Scope:
        return Scope(
            run=self.run,
            clock=self.clock.fork(),
            variables=dict(self.variables),
            key=key,
            previous_event_id=self.previous_event_id,
            map_item=map_item,
            aborted=list(self.aborted),
        )

    def context(self, state_name: str, entered: float, retry_count: int) -> dict[str, Any]:
        ctx = dict(self.run.context_base())
        ctx["State"] = {
            "EnteredTime": iso_time(entered),
            "Name": state_name,
            "RetryCount": retry_count,
        }
        return ctx


class BranchAbandoned(Exception):
    """A sibling branch/iteration failed; this one stops quietly."""


def run_states(branch: Branch, scope: Scope, data: Any) -> Any:
    """Run a branch from its StartAt (or its redrive point) to an end state; return the output."""
    name = branch.start_at
    resume = scope.run.take(scope.key + "#resume")
    if resume is not None:
        name, data = resume["state"], resume["input"]
        scope.variables = resume["variables"]
    while True:
        state = branch.states[name]
        scope.check()
        try:
            data, following = state.run(scope, data)
        except (StatesError, ExecutionInterrupted):
            scope.run.record(
                scope.key + "#resume",
                {"state": name, "input": data, "variables": copy.deepcopy(scope.variables)},
            )
            raise
        if following is None:
            return data
        name = following
