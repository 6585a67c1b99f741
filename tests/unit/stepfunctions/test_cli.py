"""``sfn run``: one JSON object on stdout, exit 0 whatever the execution status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from etl_local.stepfunctions.cli import sfn

pytestmark = pytest.mark.unit

CASES: list[tuple[str, dict[str, Any], Any, dict[str, Any]]] = [
    (
        "succeeded",
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}},
        {},
        {"status": "SUCCEEDED", "output": {"ok": True}, "error": None, "cause": None},
    ),
    (
        "failed",
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "because"}}},
        {},
        {"status": "FAILED", "output": None, "error": "Bad", "cause": "because"},
    ),
    (
        "timed-out",
        {
            "TimeoutSeconds": 1,
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}},
        },
        {},
        {
            "status": "TIMED_OUT",
            "output": None,
            "error": "States.Timeout",
            "cause": "Execution timed out.",
        },
    ),
]


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


@pytest.mark.parametrize(
    ("definition", "data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_run_prints_one_json_object(
    tmp_path: Path, definition: dict[str, Any], data: Any, expected: dict[str, Any]
) -> None:
    args = [
        "run",
        "--definition",
        write(tmp_path, "d.json", definition),
        "--input",
        write(tmp_path, "i.json", data),
        "--virtual-clock",
    ]
    result = CliRunner().invoke(sfn, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected


def test_history_flag(tmp_path: Path) -> None:
    definition = write(tmp_path, "d.json", CASES[0][1])
    result = CliRunner().invoke(sfn, ["run", "--definition", definition, "--history"])
    report = json.loads(result.output)
    assert [e["type"] for e in report["history"]] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


USAGE = [
    ("invalid-definition", {"StartAt": "Missing", "States": {"P": {"Type": "Pass", "End": True}}}),
    ("not-a-definition", "just a string"),
]


@pytest.mark.parametrize("definition", [u[1] for u in USAGE], ids=[u[0] for u in USAGE])
def test_usage_errors_exit_non_zero(tmp_path: Path, definition: Any) -> None:
    result = CliRunner().invoke(sfn, ["run", "--definition", write(tmp_path, "d.json", definition)])
    assert result.exit_code != 0


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert (
        CliRunner().invoke(sfn, ["run", "--definition", str(tmp_path / "none.json")]).exit_code == 2
    )


VALIDATE = [
    ("ok", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, 0, "OK"),
    ("fail", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "X"}}}, 1, "FAIL"),
]


@pytest.mark.parametrize(
    ("definition", "code", "verdict"), [v[1:] for v in VALIDATE], ids=[v[0] for v in VALIDATE]
)
def test_validate(tmp_path: Path, definition: Any, code: int, verdict: str) -> None:
    result = CliRunner().invoke(
        sfn, ["validate", "--definition", write(tmp_path, "d.json", definition)]
    )
    assert result.exit_code == code
    assert json.loads(result.output)["result"] == verdict
