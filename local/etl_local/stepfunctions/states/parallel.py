"""Parallel: runs every branch on the same input; the output is the list of branch outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from etl_local.stepfunctions.payload import Frame
from etl_local.stepfunctions.scope import Scope, run_states
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    FLOW_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    RESULT_FIELDS,
    State,
)
from etl_local.stepfunctions.states.fanout import Outcome, record_done, run_children

if TYPE_CHECKING:
    from etl_local.stepfunctions.machine import Branch


class ParallelState(State):
    TYPE = "Parallel"
    HAS_RESULT = True
    LIMIT_RESULT = True
    FIELDS = (
        COMMON_FIELDS | FLOW_FIELDS | JSONATA_FIELDS | {"Branches", "Retry", "Catch", "Arguments"}
    )
    JSONPATH_FIELDS = JSONPATH_IO_FIELDS | RESULT_FIELDS | {"Parameters"}

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        from etl_local.stepfunctions.machine import parse_branch

        self.branches: list[Branch] = [
            parse_branch(branch, self.language, f"/States/{name}/Branches[{i}]")
            for i, branch in enumerate(spec.get("Branches", []))
        ]

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        branch_input = self.io.arguments(raw, effective, frame)
        scope.event("ParallelStateStarted")
        prefix = f"{scope.key}/{self.name}"
        done: dict[str, Any] = scope.run.take(prefix + "#done") or {}

        def body(index: int, child: Scope) -> Any:
            if str(index) in done:
                return done[str(index)]
            return run_states(self.branches[index], child, branch_input)

        concurrent = scope.run.concurrent and any(b.blocking for b in self.branches)
        outcomes, _ = run_children(
            scope,
            len(self.branches),
            lambda index: scope.child(f"{prefix}[{index}]"),
            body,
            lambda failures: False,
            concurrent,
            on_interrupt=lambda done: self._aborted(scope, prefix, done),
        )
        failed = [o for o in outcomes if o.error is not None]
        if failed:
            record_done(scope, prefix + "#done", outcomes)
            scope.event("ParallelStateFailed")
            error = failed[0].error
            assert error is not None
            raise error
        scope.event("ParallelStateSucceeded")
        return [o.output for o in outcomes]

    def _aborted(self, scope: Scope, prefix: str, outcomes: list[Outcome]) -> None:
        record_done(scope, prefix + "#done", outcomes)
        scope.event("ParallelStateAborted")
