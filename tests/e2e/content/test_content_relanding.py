"""Landing again on top of the full run (a copy of its workspace): month 03 re-landed and a
month 02 file with bad rows, both at once. Re-landing must not change month 03's tables; the
bad rows must land in the rejects table with their raw content and the reason, be counted by
the quality gate, and the rest of month 02 must be processed as before."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import CliResult, PipelineRun, etl_local

pytestmark = pytest.mark.e2e

TABLES = (
    "staging.flights",
    "curated.flights",
    "analytics.flights_enriched",
    "analytics.carrier_daily",
    "analytics.route_monthly",
)
# (raw line, column its reject reason names): one of each kind the issue names, inserted into
# month 02, told apart by their tail numbers. The reason's wording depends on the types the
# crawler inferred (`non-numeric dep_delay` when raw columns are strings, `missing dep_delay`
# when a numeric column already read `abc` as NULL) - the column is named either way.
TEMPLATE = "1,517,515,2,830,819,11,UA,1545,{tail},EWR,IAH,227,1400,5,15,2013-02-01T10:00:00Z"
BAD_ROWS = [
    (TEMPLATE.format(tail="N0BAD1").rsplit(",", 1)[0], "time_hour"),  # a field short
    (TEMPLATE.format(tail="N0BAD2").replace(",2,830,", ",abc,830,"), "dep_delay"),
    (TEMPLATE.format(tail="N0BAD3").replace(",517,", ",2561,"), "dep_time"),  # impossible time
    (
        "day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,arr_delay,carrier,"
        "flight,tailnum,origin,dest,air_time,distance,hour,minute,time_hour",
        "day",
    ),  # a stray header line
]
TEXT_FIELDS = (7, 9, 10, 11)  # carrier, tailnum, origin, dest: text whatever the crawler infers


@dataclass(frozen=True)
class Relanded:
    before: PipelineRun
    workspace: Path
    result: CliResult

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.workspace / "lake.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def relanded(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Relanded:
    assert pipeline_run.result.exit_code == 0, str(pipeline_run.result)
    root = tmp_path_factory.mktemp("relanded")
    workspace = root / ".etl-local"
    shutil.copytree(pipeline_run.workspace, workspace)
    month02 = pipeline_run.sample / "raw/flights/year=2013/month=02/flights_2013_02.csv"
    lines = month02.read_text().splitlines()
    bad = root / "flights_2013_02.csv"
    bad.write_text("\n".join([*lines[:1000], *(r for r, _ in BAD_ROWS), *lines[1000:]]) + "\n")
    month03 = pipeline_run.sample / "raw/flights/year=2013/month=03/flights_2013_03.csv"
    result = etl_local(workspace, "run", str(month03), str(bad))
    return Relanded(pipeline_run, workspace, result)


def month_rows(con: duckdb.DuckDBPyConnection, table: str, month: str) -> list[tuple[object, ...]]:
    return sorted(
        con.execute(f"SELECT * FROM {table} WHERE month = '{month}'").fetchall(), key=repr
    )


def test_both_runs_succeed(relanded: Relanded) -> None:
    assert relanded.result.exit_code == 0, str(relanded.result)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("month", ["02", "03"], ids=["bad-rows-month", "relanded-month"])
def test_tables_are_the_same_as_after_one_landing(
    relanded: Relanded, table: str, month: str
) -> None:
    """No duplicates, nothing lost: the month's rows equal those of the first full run."""
    with relanded.before.connect() as before, relanded.connect() as after:
        assert month_rows(after, table, month) == month_rows(before, table, month)


def test_bad_rows_are_rejected_with_their_raw_content(relanded: Relanded) -> None:
    with relanded.connect() as con:
        rejects = con.execute(
            "SELECT raw_line, reject_reason FROM staging.flights_rejects WHERE month = '02'"
        ).fetchall()
    assert len(rejects) == len(BAD_ROWS)
    for line, column in BAD_ROWS:
        expected = [line.split(",")[i] for i in TEXT_FIELDS]
        found = [
            reason
            for raw_line, reason in rejects
            if [raw_line.split(",")[i] for i in TEXT_FIELDS] == expected
        ]
        assert len(found) == 1 and found[0].endswith(column), (line, found)


def test_quality_gate_counted_the_rejects(relanded: Relanded) -> None:
    manifests = [
        json.loads(path.read_text())
        for path in relanded.workspace.glob("lake/*/_manifests/flights/*/manifest.json")
    ]
    month02 = [m for m in manifests if m.get("partition", {}).get("month") == "02"]
    latest = max(month02, key=lambda m: m.get("written_at", ""))
    quality = latest["quality"]
    assert quality["rejected"] == len(BAD_ROWS)
    assert quality["rows_in"] == quality["rows_out"] + quality["rejected"]
