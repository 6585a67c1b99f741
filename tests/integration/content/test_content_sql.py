"""The datasets' Athena SQL (run via sqlglot on DuckDB) against numbers computed
independently from the raw CSVs with pandas."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from content_lake import LocalLake

pytestmark = pytest.mark.integration


def frame(lake: LocalLake, sql: str) -> pd.DataFrame:
    return lake.con.sql(sql).df()


def test_rows_per_month_match_the_raw_files(lake: LocalLake, raw_flights: pd.DataFrame) -> None:
    got = frame(
        lake, "SELECT CAST(month AS int) AS month, count(*) AS n FROM staging.flights GROUP BY 1"
    )
    expected = raw_flights.groupby("month").size()
    assert dict(zip(got.month, got.n, strict=True)) == expected.to_dict()
    assert int(got.n.sum()) == 336_776


def test_cancellations_per_carrier(lake: LocalLake, raw_flights: pd.DataFrame) -> None:
    got = frame(lake, "SELECT carrier, count_if(cancelled) AS n FROM staging.flights GROUP BY 1")
    expected = raw_flights[raw_flights.dep_time.isna()].groupby("carrier").size()
    got_map = {c: n for c, n in zip(got.carrier, got.n, strict=True) if n}
    assert got_map == expected.to_dict()


@pytest.mark.parametrize(
    ("name", "sql"),
    [
        (
            "scheduled departure in UTC = time_hour + minute",
            "sched_dep_utc <> time_hour + to_minutes(minute)",
        ),
        (
            "actual departure's wall clock = dep_time (2400 -> 00:00)",
            "dep_delay IS NOT NULL AND hour(dep_local) * 100 + minute(dep_local) <> dep_time % 2400",
        ),
        (
            "actual arrival's wall clock = arr_time",
            "arr_delay IS NOT NULL AND hour(arr_local) * 100 + minute(arr_local) <> arr_time % 2400",
        ),
        ("scheduled arrival after scheduled departure (UTC)", "sched_arr_utc <= sched_dep_utc"),
        (
            "block time covers the air time",
            "date_diff('minute', dep_utc, arr_utc) < air_time",
        ),
        ("cancelled exactly when dep_time is missing", "cancelled <> (dep_time IS NULL)"),
        ("flight date is in the partition's month", "month(flight_date) <> CAST(month AS int)"),
    ],
    ids=lambda v: v if " " in str(v) and "<" not in str(v) else "",
)
def test_timestamps_are_consistent(lake: LocalLake, name: str, sql: str) -> None:
    bad = frame(lake, f"SELECT count(*) AS n FROM staging.flights WHERE {sql}").n[0]
    assert bad == 0, name


def test_red_eye_arrives_next_day(lake: LocalLake) -> None:
    """Scheduled to leave after 23:00 and land before 05:00 local: the arrival is the next day."""
    counts = frame(
        lake,
        "SELECT count(*) AS n, count_if(CAST(sched_arr_local AS date) <> flight_date + 1) AS bad "
        "FROM staging.flights WHERE sched_dep_time >= 2300 AND sched_arr_time < 500",
    )
    assert counts.n[0] > 100
    assert counts.bad[0] == 0


def test_westbound_late_departure_lands_same_day_local(lake: LocalLake) -> None:
    """EWR 21:00 -> LAX lands ~23:xx Pacific: same local day (a naive 'arr < dep' rule works,
    but e.g. 23:00 -> DEN 00:30 Mountain needs the time zones; both are checked in UTC)."""
    rows = frame(
        lake,
        "SELECT count(*) AS n FROM staging.flights WHERE dest = 'LAX' AND sched_arr_utc IS NOT NULL "
        "AND date_diff('minute', sched_dep_utc, sched_arr_utc) NOT BETWEEN 240 AND 480",
    )
    assert rows.n[0] == 0


def test_stage_balance_holds_for_every_run(lake: LocalLake) -> None:
    """rows_in = rows_out + rows_rejected for each monthly run; the real sample has no rejects."""
    balances = [
        run.results["30_stage_counts"][0]
        for run in lake.runs
        if run.dataset in {"flights", "weather"}
    ]
    assert len(balances) == 24
    assert all(rows_in == rows_out and rejected == 0 for rows_in, rows_out, rejected in balances)


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("1,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15", "missing time_hour"),
        (
            "1,517,515,abc,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01T10:00:00Z",
            "non-numeric dep_delay",
        ),
        (
            "1,2561,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01T10:00:00Z",
            "invalid dep_time",
        ),
        (
            "day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,arr_delay,carrier,flight,tailnum,origin,dest,air_time,distance,hour,minute,time_hour",
            "non-numeric day",
        ),
        (
            "32,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01T10:00:00Z",
            "invalid day",
        ),
        (
            "1,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,extra,227,1400,5,15,2013-01-01T10:00:00Z",
            "non-numeric air_time",
        ),
    ],
    ids=[
        "short-row",
        "non-numeric-delay",
        "impossible-time-2561",
        "stray-header",
        "day-32",
        "extra-field",
    ],
)
def test_bad_rows_are_rejected_with_raw_content(
    sample: Path, tmp_path: Path, bad_line: str, reason: str
) -> None:
    lake = LocalLake(tmp_path / "lake")
    lake.land("raw/airports/airports.csv", sample / "raw/airports/airports.csv")
    source = (
        (sample / "raw/flights/year=2013/month=02/flights_2013_02.csv").read_text().splitlines()
    )
    lines = [*source[:100], bad_line, *source[100:200]]
    path = tmp_path / "flights_2013_02.csv"
    path.write_text("\n".join(lines) + "\n")
    run = lake.land("raw/flights/year=2013/month=02/flights_2013_02.csv", path)
    (rows_in, rows_out, rows_rejected) = run.results["30_stage_counts"][0]
    assert (rows_in, rows_out, rows_rejected) == (200, 199, 1)
    rejects = frame(
        lake, "SELECT raw_line, reject_reason, year, month FROM staging.flights_rejects"
    )
    assert rejects.reject_reason.tolist() == [reason]
    assert rejects.raw_line[0].split(",")[:3] == bad_line.split(",")[:3]
    assert (rejects.year[0], rejects.month[0]) == ("2013", "02")


def test_quality_checks_pass_on_the_real_sample(lake: LocalLake) -> None:
    results = [
        run.results["40_quality_checks"][0]
        for run in lake.runs
        if "40_quality_checks" in run.results
    ]
    assert len(results) == 24
    assert all(all(value == 0 for value in row[1:]) for row in results)


def _replace_field(line: str, index: int, value: str) -> str:
    fields = line.split(",")
    fields[index] = value
    return ",".join(fields)


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (lambda lines: [*lines, lines[5]], None),  # an exact duplicate: the recipe removes it
        (lambda lines: [*lines, _replace_field(lines[5], 9, "N99999")], "flight_key_unique"),
        (
            lambda lines: [*lines[:50], _replace_field(lines[50], 3, "5000"), *lines[51:]],
            "dep_delay_range",
        ),
        (
            lambda lines: [
                lines[0],
                *[_replace_field(x, 1, "NA") for x in lines[1:80]],
                *lines[80:],
            ],
            "cancelled_rate",
        ),
    ],
    ids=["exact-duplicate-passes", "key-conflict", "delay-out-of-range", "too-many-cancelled"],
)
def test_quality_check_fails_the_run_naming_it(
    sample: Path, tmp_path: Path, edit, check: str | None
) -> None:  # type: ignore[no-untyped-def]
    lake = LocalLake(tmp_path / "lake")
    lake.land("raw/airports/airports.csv", sample / "raw/airports/airports.csv")
    source = (
        (sample / "raw/flights/year=2013/month=02/flights_2013_02.csv").read_text().splitlines()
    )
    path = tmp_path / "flights_2013_02.csv"
    path.write_text("\n".join(edit(source[:200])) + "\n")
    key = "raw/flights/year=2013/month=02/flights_2013_02.csv"
    if check is None:
        run = lake.land(key, path)
        assert lake.con.sql("SELECT count(*) FROM curated.flights").fetchone() == (199,)
        assert all(v == 0 for v in run.results["40_quality_checks"][0][1:])
    else:
        with pytest.raises(duckdb.Error, match=f"quality check failed: {check}"):
            lake.land(key, path)
