"""The lifecycles Glue shows for crawlers and job runs: one transition table each."""

from __future__ import annotations

from dataclasses import dataclass

# crawler State (GetCrawler)
READY, RUNNING, STOPPING = "READY", "RUNNING", "STOPPING"
CRAWLER_TRANSITIONS: dict[str, frozenset[str]] = {
    READY: frozenset({RUNNING}),
    RUNNING: frozenset({STOPPING, READY}),
    STOPPING: frozenset({READY}),
}

# crawl outcome (LastCrawl.Status)
CRAWL_SUCCEEDED, CRAWL_CANCELLED, CRAWL_FAILED = "SUCCEEDED", "CANCELLED", "FAILED"

# job run JobRunState (GetJobRun)
STARTING, SUCCEEDED, FAILED, TIMEOUT, STOPPED = (
    "STARTING",
    "SUCCEEDED",
    "FAILED",
    "TIMEOUT",
    "STOPPED",
)
JOB_RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    STARTING: frozenset({RUNNING, STOPPING, FAILED}),
    RUNNING: frozenset({SUCCEEDED, FAILED, TIMEOUT, STOPPING}),
    STOPPING: frozenset({STOPPED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    TIMEOUT: frozenset(),
    STOPPED: frozenset(),
}
JOB_RUN_ACTIVE = frozenset({STARTING, RUNNING, STOPPING})


class IllegalTransition(RuntimeError):
    pass


@dataclass
class Lifecycle:
    """A state that only moves along ``transitions``."""

    state: str
    transitions: dict[str, frozenset[str]]

    def can(self, target: str) -> bool:
        return target in self.transitions[self.state]

    def move(self, target: str) -> None:
        if not self.can(target):
            raise IllegalTransition(f"{self.state} -> {target}")
        self.state = target
