"""The datasets' Athena SQL (run via sqlglot on DuckDB) against numbers computed
independently from the raw CSVs with pandas."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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


def _utc(local: datetime, zone: str) -> datetime:
    """A local wall-clock time in UTC by Python's tz database (a repeated hour: the first one)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def test_utc_times_match_the_tz_database_on_every_row(lake: LocalLake) -> None:
    """Every scheduled departure and arrival in UTC, against zoneinfo (DST-change days and
    arrivals on the next day included; scheduled 2400s are not in the sample: see below)."""
    times = frame(
        lake,
        "SELECT o.tzone AS zone, f.sched_dep_local AS local, f.sched_dep_utc AS utc, "
        "  false AS next_day "
        "FROM staging.flights f JOIN curated.airports o ON o.faa = f.origin "
        "UNION ALL "
        "SELECT d.tzone, f.sched_arr_local, f.sched_arr_utc, "
        "  CAST(f.sched_arr_local AS date) > f.flight_date "
        "FROM staging.flights f JOIN curated.airports d ON d.faa = f.dest",
    )
    dst_days = {datetime(2013, 3, 10).date(), datetime(2013, 11, 3).date()}
    on_dst_days = times.local.dt.date.isin(dst_days)
    assert on_dst_days.sum() > 1000
    assert times.next_day.sum() > 100
    pairs = times[["zone", "local", "utc"]].drop_duplicates()
    wrong = [
        (zone, local, utc)
        for zone, local, utc in zip(pairs.zone, pairs.local, pairs.utc, strict=True)
        if _utc(local.to_pydatetime(), zone) != utc.to_pydatetime()
    ]
    assert wrong == []


def test_utc_times_are_null_where_the_zone_is_unknown(lake: LocalLake) -> None:
    """Airports missing from curated.airports (BQN, PSE, SJU, STT): NULL in UTC, local kept."""
    counts = frame(
        lake,
        "SELECT count(*) AS n, count(sched_arr_utc) AS utc, count(sched_arr_local) AS local "
        "FROM staging.flights f LEFT JOIN curated.airports d ON d.faa = f.dest "
        "WHERE d.tzone IS NULL",
    )
    assert counts.n[0] > 1000
    assert (counts.utc[0], counts.local[0]) == (0, counts.n[0])


@pytest.mark.parametrize(
    ("month", "day", "times", "route", "expected"),
    [
        # 2400 is midnight at the end of the day; LAX is still on PST at 00:00 on Mar 10
        ("03", 9, (2100, 2400), ("EWR", "LAX"), ("2013-03-10 02:00", "2013-03-10 08:00")),
        # Mar 10, New York: EST before 02:00, EDT after
        ("03", 10, (100, 400), ("EWR", "ORD"), ("2013-03-10 06:00", "2013-03-10 09:00")),
        ("03", 10, (600, 800), ("EWR", "ORD"), ("2013-03-10 10:00", "2013-03-10 13:00")),
        # a red-eye landing at 01:30 on the change day in Denver: the next day (MST)
        ("03", 9, (2330, 130), ("EWR", "DEN"), ("2013-03-10 04:30", "2013-03-10 08:30")),
        # 2400 on the month's last day leaves on Apr 1; landing "earlier" is on the next day
        ("03", 31, (2400, 300), ("EWR", "LAX"), ("2013-04-01 04:00", "2013-04-01 10:00")),
        # 02:30 does not exist on Mar 10 in New York: read as 03:30 EDT
        ("03", 10, (230, 530), ("EWR", "ORD"), ("2013-03-10 07:30", "2013-03-10 10:30")),
        # Nov 3: EDT until 02:00 in New York, CST by 04:00 in Chicago
        ("11", 3, (30, 400), ("JFK", "ORD"), ("2013-11-03 04:30", "2013-11-03 10:00")),
        ("11", 2, (2300, 2400), ("JFK", "SFO"), ("2013-11-03 03:00", "2013-11-03 07:00")),
    ],
    ids=[
        "2400-arrival-next-utc-day",
        "dst-day-before-change",
        "dst-day-after-change",
        "red-eye-into-dst-day",
        "2400-departure-month-end",
        "nonexistent-hour",
        "fall-back-day",
        "2400-arrival-into-fall-back-day",
    ],
)
def test_edge_times_convert_to_utc(
    sample: Path,
    tmp_path: Path,
    month: str,
    day: int,
    times: tuple[int, int],
    route: tuple[str, str],
    expected: tuple[str, str],
) -> None:
    lake = LocalLake(tmp_path / "lake")
    lake.land("raw/airports/airports.csv", sample / "raw/airports/airports.csv")
    source = (
        (sample / f"raw/flights/year=2013/month={month}/flights_2013_{month}.csv")
        .read_text()
        .splitlines()
    )
    (dep, arr), (origin, dest) = times, route
    hour, minute = divmod(dep % 2400, 100)
    line = (
        f"{day},{dep},{dep},0,{arr},{arr},0,UA,9999,N14228,{origin},{dest},300,2000,"
        f"{hour},{minute},2013-{month}-{day:02d}T{hour:02d}:00:00Z"
    )
    path = tmp_path / f"flights_2013_{month}.csv"
    path.write_text("\n".join([*source[:100], line]) + "\n")
    lake.land(f"raw/flights/year=2013/month={month}/flights_2013_{month}.csv", path)
    got = frame(
        lake,
        "SELECT strftime(sched_dep_utc, '%Y-%m-%d %H:%M') AS dep, "
        "strftime(sched_arr_utc, '%Y-%m-%d %H:%M') AS arr, sched_dep_local, sched_arr_local "
        "FROM staging.flights WHERE flight = 9999",
    )
    assert (got.dep[0], got.arr[0]) == expected
    zones = {"EWR": "America/New_York", "JFK": "America/New_York", "ORD": "America/Chicago"}
    zones |= {"DEN": "America/Denver", "LAX": "America/Los_Angeles"}
    zones |= {"SFO": "America/Los_Angeles"}
    by_tz_database = (
        _utc(got.sched_dep_local[0].to_pydatetime(), zones[origin]).strftime("%Y-%m-%d %H:%M"),
        _utc(got.sched_arr_local[0].to_pydatetime(), zones[dest]).strftime("%Y-%m-%d %H:%M"),
    )
    assert by_tz_database == expected


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
