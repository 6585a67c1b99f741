"""glue/recipes/*.json through the project's recipe engine (etl_local.databrew), checked
against pandas on the same rows."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from content_lake import LocalLake
from etl_local.databrew.recipe import compile_recipe

pytestmark = pytest.mark.integration


def recipe(name: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((REPO / f"glue/recipes/{name}.json").read_text())


def apply(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    con.register("dirty", frame)
    return con.sql(compile_recipe(con, "dirty", recipe(name)).sql).df()


@pytest.fixture(scope="module")
def january(lake: LocalLake) -> pd.DataFrame:
    return lake.con.sql(
        "SELECT * FROM staging.flights WHERE month = '01' ORDER BY ALL LIMIT 400"
    ).df()


@pytest.fixture(scope="module")
def dirty(january: pd.DataFrame) -> pd.DataFrame:
    """Padded and lower-case codes, a missing tail number, an exact duplicate of a padded row."""
    frame = january.copy()
    frame.loc[0:9, "carrier"] = "  " + frame.loc[0:9, "carrier"].str.lower() + " "
    frame.loc[10:19, "origin"] = frame.loc[10:19, "origin"].str.lower()
    frame.loc[20, "tailnum"] = None
    duplicates = frame.iloc[[0, 30, 31]]
    return pd.concat([frame, duplicates], ignore_index=True)


@pytest.fixture(scope="module")
def cleaned(dirty: pd.DataFrame) -> pd.DataFrame:
    return apply(duckdb.connect(), dirty, "flights")


def test_codes_are_trimmed_and_upper_cased(cleaned: pd.DataFrame, january: pd.DataFrame) -> None:
    assert set(cleaned.carrier) == set(january.carrier)
    assert set(cleaned.origin) == set(january.origin)


def test_exact_duplicates_are_removed(cleaned: pd.DataFrame, january: pd.DataFrame) -> None:
    assert len(cleaned) == len(january)


def test_missing_tailnum_is_flagged_and_filled(cleaned: pd.DataFrame) -> None:
    flagged = cleaned[cleaned.tailnum_missing == "true"]
    assert len(flagged) == 1
    assert flagged.tailnum.tolist() == ["UNKNOWN"]
    assert cleaned.tailnum.notna().all()


@pytest.mark.parametrize("column", ["dep_delay", "arr_delay"])
def test_delay_outliers_are_flagged_by_z_score(cleaned: pd.DataFrame, column: str) -> None:
    values = cleaned[column].astype(float)
    z = (values - values.mean()).abs() / values.std(ddof=1)
    expected = np.where(z > 3, "true", "false")
    assert (cleaned[f"{column}_outlier"].to_numpy() == expected).all()
    assert (expected == "true").sum() > 0


def test_date_parts(cleaned: pd.DataFrame) -> None:
    dates = pd.to_datetime(cleaned.flight_date)
    assert (cleaned.day_of_week.to_numpy() == (dates.dt.dayofweek + 1) % 7 + 1).all()
    assert (cleaned.week_of_year.to_numpy() == dates.dt.isocalendar().week.to_numpy()).all()


def test_curated_months_keep_every_distinct_flight(
    lake: LocalLake, raw_flights: pd.DataFrame
) -> None:
    got = lake.con.sql("SELECT month, count(*) AS n FROM curated.flights GROUP BY 1").df()
    raw = raw_flights.drop_duplicates()
    expected = raw.groupby("month").size()
    assert {int(m): n for m, n in zip(got.month, got.n, strict=True)} == expected.to_dict()


def test_weather_recipe(lake: LocalLake, raw_weather: pd.DataFrame) -> None:
    curated = lake.con.sql("SELECT * FROM curated.weather").df()
    assert len(curated) == len(raw_weather.drop_duplicates())
    assert curated.precip.notna().all()
    assert (curated.wind_gust_missing == "true").sum() == raw_weather.wind_gust.isna().sum()
