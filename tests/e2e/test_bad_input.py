"""Bad input end to end: each case ends in its documented outcome and the CLI says so.

One ``etl-local run`` lands four files together: a malformed flights month (quarantined with
an error report; the execution succeeds at the quarantine), a file of no dataset and an
empty file (both ignored by the trigger, with the reason), and a good reference file
(processed). Landing the good file again in a second run replaces its data: no duplicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CliResult, etl_local

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class BadRun:
    workspace: Path
    first: CliResult
    first_summary: dict[str, Any]
    second: CliResult

    @property
    def landed(self) -> dict[str, Any]:
        return dict(self.first_summary["landed"])


@pytest.fixture(scope="module")
def bad_run(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> BadRun:
    files = tmp_path_factory.mktemp("bad-input")
    real = (sample / "raw/flights/year=2013/month=03/flights_2013_03.csv").read_text().splitlines()
    (files / "flights_2013_03.csv").write_text("\n".join([*real[:50], "2013,3,1,517"]) + "\n")
    (files / "unknown_2013.csv").write_text("a,b\n1,2\n")
    (files / "planes.csv").write_bytes(b"")
    airlines = sample / "raw/airlines/airlines.csv"
    workspace = tmp_path_factory.mktemp("bad-workspace") / ".etl-local"
    paths = [str(files / n) for n in ("flights_2013_03.csv", "unknown_2013.csv", "planes.csv")]
    first = etl_local(workspace, "run", *paths, str(airlines))
    summary_file = workspace / "run-summary.json"
    first_summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    second = etl_local(workspace, "run", str(airlines))
    return BadRun(workspace, first, first_summary, second)


def test_first_run_has_no_failed_execution(bad_run: BadRun) -> None:
    assert bad_run.first.exit_code == 0, str(bad_run.first)


@pytest.mark.parametrize(
    ("key", "action", "reason"),
    [
        ("raw/unknown/unknown_2013.csv", "ignored", "outside every dataset prefix"),
        ("raw/planes/planes.csv", "ignored", "zero-byte"),
    ],
    ids=["unknown-dataset", "empty-file"],
)
def test_ignored_with_reason(bad_run: BadRun, key: str, action: str, reason: str) -> None:
    assert bad_run.landed[key]["action"] == action, str(bad_run.first)
    assert reason in bad_run.landed[key]["reason"]
    assert action in bad_run.first.stdout


def test_good_file_landing_with_the_bad_ones_is_processed(bad_run: BadRun) -> None:
    outcome = bad_run.landed["raw/airlines/airlines.csv"]
    assert outcome["action"] == "started"
    statuses = {e["name"]: e["status"] for e in bad_run.first_summary["executions"]}
    assert statuses[outcome["execution"]] == "SUCCEEDED"


def test_malformed_file_is_quarantined_with_a_report(bad_run: BadRun) -> None:
    key = "raw/flights/year=2013/month=03/flights_2013_03.csv"
    outcome = bad_run.landed[key]
    assert outcome["action"] == "started"
    statuses = {e["name"]: e["status"] for e in bad_run.first_summary["executions"]}
    assert statuses[outcome["execution"]] == "SUCCEEDED"  # Catch -> quarantine -> Succeed
    reports = list((bad_run.workspace / "lake").glob("*-lake-*/quarantine/flights/**/*.json"))
    assert reports, "no quarantine report in the lake"
    report = json.loads(reports[0].read_text())
    assert "column" in json.dumps(report).lower()


def test_relanding_replaces_instead_of_duplicating(bad_run: BadRun, sample: Path) -> None:
    import duckdb

    assert bad_run.second.exit_code == 0, str(bad_run.second)
    expected = len((sample / "raw/airlines/airlines.csv").read_text().splitlines()) - 1
    with duckdb.connect(str(bad_run.workspace / "lake.duckdb"), read_only=True) as con:
        (rows,) = con.execute("SELECT count(*) FROM curated.airlines").fetchone() or (0,)
    assert rows == expected
