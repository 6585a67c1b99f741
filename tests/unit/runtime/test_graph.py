"""Execution pictures: state runs read from a history, drawn coloured by status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from etl_local.graph import STATUS_COLOURS, render_execution, state_runs

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _event(seconds: float, kind: str, **details: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"timestamp": T0 + dt.timedelta(seconds=seconds), "type": kind}
    if details:
        key = kind[0].lower() + kind[1:]
        if kind.endswith("StateEntered"):
            key = "stateEntered"
        elif kind.endswith("StateExited"):
            key = "stateExited"
        event[f"{key}EventDetails"] = details
    return event


HISTORY = [
    _event(0, "ExecutionStarted"),
    _event(0, "TaskStateEntered", name="Prepare"),
    _event(1.5, "TaskStateExited", name="Prepare"),
    _event(1.5, "WaitStateEntered", name="Wait"),
    _event(2.5, "WaitStateExited", name="Wait"),
    _event(2.5, "TaskStateEntered", name="Enrich"),
    _event(9, "TaskFailed", error="Glue.Failed", cause="boom"),
    _event(9, "ExecutionFailed", error="Glue.Failed", cause="boom"),
]
DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Enrich"},
        "Enrich": {"Type": "Task", "End": True, "Catch": [{"Next": "Quarantine"}]},
        "Quarantine": {"Type": "Succeed"},
    },
}


def test_state_runs_from_history() -> None:
    runs = state_runs(HISTORY)
    assert [(r.name, r.type, r.status, r.seconds) for r in runs] == [
        ("Prepare", "Task", "SUCCEEDED", 1.5),
        ("Wait", "Wait", "SUCCEEDED", 1.0),
        ("Enrich", "Task", "FAILED", 6.5),
    ]
    assert runs[-1].error == "Glue.Failed: boom"


def test_still_running_state_has_no_end() -> None:
    (run,) = state_runs(HISTORY[:2])
    assert (run.status, run.seconds) == ("RUNNING", None)


def test_svg_and_html_written(tmp_path: Path) -> None:
    svg, html = render_execution(
        DEFINITION, HISTORY, {"name": "x", "status": "FAILED"}, tmp_path / "x.svg"
    )
    text = svg.read_text()
    assert text.startswith("<svg") and text.count("<rect") == 4
    assert STATUS_COLOURS["FAILED"] in text and STATUS_COLOURS["NOT_RUN"] in text
    assert "6.50s" in text
    assert "Glue.Failed: boom" in html.read_text()
