"""Every published number of the full local run (``pipeline_run``: all months of flights
and weather plus the reference tables, landing together) recomputed from the raw CSVs with
plain DuckDB (``raw_csv``), independently of the pipeline's code."""

from __future__ import annotations

import duckdb
import pytest

from tests.e2e.conftest import PipelineRun

pytestmark = pytest.mark.e2e

# Per-flight outcomes from the raw CSVs: cancelled = no dep_time, on time = < 15 min late.
OUTCOMES = """
    SELECT * REPLACE (CAST(year AS int) AS year, CAST(month AS int) AS month),
      make_date(CAST(year AS int), CAST(month AS int), day) AS flight_date,
      dep_time IS NULL AS cancelled,
      dep_time IS NOT NULL AND arr_delay IS NOT NULL AS completed,
      dep_time IS NOT NULL AND arr_delay IS NOT NULL AND arr_delay < 15 AS on_time
    FROM flights
"""


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.fixture(scope="module")
def lake(pipeline_run: PipelineRun) -> duckdb.DuckDBPyConnection:
    assert pipeline_run.result.exit_code == 0, str(pipeline_run.result)
    return pipeline_run.connect()


@pytest.fixture(scope="module")
def raw(raw_csv: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    raw_csv.execute(f"CREATE OR REPLACE VIEW outcomes AS {OUTCOMES}")
    return raw_csv


# (published number, SQL on the lake, SQL on the raw CSVs); results compared as sorted rows.
NUMBERS = [
    (
        "staging rows per month",
        "SELECT CAST(month AS int), count(*) FROM staging.flights GROUP BY 1",
        "SELECT month, count(*) FROM outcomes GROUP BY 1",
    ),
    (
        "enriched rows per month",
        "SELECT CAST(month AS int), count(*) FROM analytics.flights_enriched GROUP BY 1",
        "SELECT month, count(*) FROM outcomes GROUP BY 1",
    ),
    (
        "cancellations per carrier",
        "SELECT carrier, sum(cancelled_flights) FROM analytics.carrier_daily GROUP BY 1",
        "SELECT carrier, count_if(cancelled) FROM outcomes GROUP BY 1",
    ),
    (
        "on-time flights per carrier, day and origin",
        "SELECT flight_date, carrier, origin, on_time_flights, completed_flights, flights "
        "FROM analytics.carrier_daily",
        "SELECT flight_date, carrier, origin, count_if(on_time), count_if(completed), count(*) "
        "FROM outcomes GROUP BY ALL",
    ),
    (
        "on-time rate per carrier and day (rounded)",
        "SELECT flight_date, carrier, origin, round(on_time_rate, 9) FROM analytics.carrier_daily",
        "SELECT flight_date, carrier, origin, "
        "round(count_if(on_time) / nullif(count_if(completed), 0), 9) FROM outcomes GROUP BY ALL",
    ),
    (
        "mean delays per route and month (rounded)",
        "SELECT origin, dest, CAST(month AS int), flights, cancelled_flights, "
        "round(mean_dep_delay, 6), round(mean_arr_delay, 6) FROM analytics.route_monthly",
        "SELECT origin, dest, month, count(*), count_if(cancelled), round(avg(dep_delay), 6), "
        "round(avg(arr_delay), 6) FROM outcomes GROUP BY ALL",
    ),
    (
        "median and p90 arrival delay per route and month",
        "SELECT origin, dest, CAST(month AS int), round(p50_arr_delay, 6), round(p90_arr_delay, 6) "
        "FROM analytics.route_monthly",
        "SELECT origin, dest, month, round(quantile_cont(arr_delay, 0.5), 6), "
        "round(quantile_cont(arr_delay, 0.9), 6) FROM outcomes GROUP BY ALL",
    ),
    (
        "weather observations per month",
        "SELECT CAST(month AS int), count(*) FROM curated.weather GROUP BY 1",
        "SELECT CAST(month AS int), count(*) FROM weather GROUP BY 1",
    ),
]


@pytest.mark.parametrize(("name", "lake_sql", "raw_sql"), NUMBERS, ids=[n[0] for n in NUMBERS])
def test_published_number_matches_the_raw_csvs(
    lake: duckdb.DuckDBPyConnection,
    raw: duckdb.DuckDBPyConnection,
    name: str,
    lake_sql: str,
    raw_sql: str,
) -> None:
    assert rows(lake, lake_sql) == rows(raw, raw_sql), name


@pytest.mark.parametrize(
    ("check", "violations"),
    [
        (
            "scheduled departure in UTC = time_hour + minute",
            "sched_dep_utc <> time_hour + to_minutes(minute)",
        ),
        (
            "actual departure wall clock = dep_time",
            "dep_delay IS NOT NULL AND hour(dep_local) * 100 + minute(dep_local) <> dep_time % 2400",
        ),
        ("arrival after departure", "sched_arr_utc <= sched_dep_utc"),
        ("cancelled = no dep_time", "cancelled <> (dep_time IS NULL)"),
    ],
    ids=lambda v: v if " " in v and "<" not in v else "",
)
def test_staging_timestamps(lake: duckdb.DuckDBPyConnection, check: str, violations: str) -> None:
    (bad,) = lake.execute(
        f"SELECT count(*) FROM staging.flights WHERE {violations}"
    ).fetchone() or (1,)
    assert bad == 0, check


def test_no_rejects_in_the_real_sample(lake: duckdb.DuckDBPyConnection) -> None:
    """The real files are clean (a rejects table with no committed rows may not be exported)."""
    for schema, table in (("staging", "flights_rejects"), ("staging", "weather_rejects")):
        exported = lake.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()
        if exported == (1,):
            assert lake.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone() == (0,)
