"""Running children (Parallel branches, Map iterations): in order, or on a thread pool.

Children run in order unless the execution allows concurrency and the children can block
(Tasks, Waits); then they run on up to MaxConcurrency threads. When a child fails and the
parent cannot tolerate it, the remaining children are abandoned (not started, or stopped
at their next state).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from etl_local.stepfunctions.errors import ExecutionInterrupted, StatesError
from etl_local.stepfunctions.scope import BranchAbandoned, Scope

DEFAULT_POOL = 40


@dataclass
class Outcome:
    index: int
    output: Any = None
    error: StatesError | None = None
    abandoned: bool = False


Body = Callable[[int, Scope], Any]
Tolerates = Callable[[int], bool]  # number of failures so far -> may continue


def run_children(
    scope: Scope,
    count: int,
    make_scope: Callable[[int], Scope],
    body: Body,
    tolerates: Tolerates,
    concurrent: bool,
    max_concurrency: int = 0,
    on_interrupt: Callable[[list[Outcome]], None] | None = None,
) -> tuple[list[Outcome], list[Scope]]:
    abandon = threading.Event()
    scopes: list[Scope] = []
    outcomes: list[Outcome] = []
    failures = [0]
    lock = threading.Lock()
    interrupted: list[ExecutionInterrupted] = []

    def one(index: int) -> Outcome:
        if abandon.is_set():
            return Outcome(index, abandoned=True)
        child = make_scope(index)
        child.aborted.append(abandon)
        with lock:
            scopes.append(child)
        try:
            return Outcome(index, body(index, child))
        except BranchAbandoned:
            return Outcome(index, abandoned=True)
        except ExecutionInterrupted as exc:
            interrupted.append(exc)
            abandon.set()
            return Outcome(index, abandoned=True)
        except StatesError as err:
            with lock:
                failures[0] += 1
                if not tolerates(failures[0]):
                    abandon.set()
            return Outcome(index, error=err)

    if concurrent and count > 1:
        workers = min(count, max_concurrency or DEFAULT_POOL)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfn-child") as pool:
            outcomes = list(pool.map(one, range(count)))
    else:
        outcomes = [one(index) for index in range(count)]
    if interrupted:
        if on_interrupt is not None:
            on_interrupt(outcomes)
        raise interrupted[0]
    scope.clock.join(child.clock for child in scopes)
    if scopes:
        scope.previous_event_id = max(child.previous_event_id for child in scopes)
    return outcomes, scopes


def record_done(scope: Scope, key: str, outcomes: list[Outcome]) -> None:
    """Remember the children that succeeded: a redrive reruns only the others."""
    done = {str(o.index): o.output for o in outcomes if o.error is None and not o.abandoned}
    scope.run.record(key, done)
