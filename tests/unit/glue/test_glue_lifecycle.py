"""Crawler and job-run lifecycles: only the transitions Glue shows are possible."""

from __future__ import annotations

import pytest
from etl_local.glue.lifecycle import (
    CRAWLER_TRANSITIONS,
    JOB_RUN_TRANSITIONS,
    IllegalTransition,
    Lifecycle,
)

pytestmark = pytest.mark.unit

PATHS = [
    ("crawl", CRAWLER_TRANSITIONS, ["READY", "RUNNING", "READY"], True),
    ("crawl-stopped", CRAWLER_TRANSITIONS, ["READY", "RUNNING", "STOPPING", "READY"], True),
    ("crawler-cannot-stop-when-ready", CRAWLER_TRANSITIONS, ["READY", "STOPPING"], False),
    ("run-succeeds", JOB_RUN_TRANSITIONS, ["STARTING", "RUNNING", "SUCCEEDED"], True),
    ("run-times-out", JOB_RUN_TRANSITIONS, ["STARTING", "RUNNING", "TIMEOUT"], True),
    ("run-stopped", JOB_RUN_TRANSITIONS, ["STARTING", "RUNNING", "STOPPING", "STOPPED"], True),
    ("terminal-is-final", JOB_RUN_TRANSITIONS, ["STARTING", "RUNNING", "FAILED", "RUNNING"], False),
    ("no-success-without-running", JOB_RUN_TRANSITIONS, ["STARTING", "SUCCEEDED"], False),
]


@pytest.mark.parametrize(
    ("transitions", "path", "legal"), [p[1:] for p in PATHS], ids=[p[0] for p in PATHS]
)
def test_paths(transitions: dict[str, frozenset[str]], path: list[str], legal: bool) -> None:
    lifecycle = Lifecycle(path[0], transitions)
    if legal:
        for state in path[1:]:
            lifecycle.move(state)
        assert lifecycle.state == path[-1]
    else:
        with pytest.raises(IllegalTransition):
            for state in path[1:]:
                lifecycle.move(state)
