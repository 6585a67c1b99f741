"""glue/jobs/flights_enrich.py on a local SparkSession, fed with the lake the datasets' SQL
built; every published number is recomputed from the raw CSVs with pandas."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from content_lake import LocalLake

pytestmark = pytest.mark.integration

INPUT_TABLES = {
    "flights": "curated.flights",
    "airlines": "curated.airlines",
    "airports": "curated.airports",
    "planes": "curated.planes",
    "weather": "curated.weather",
}
# One month keeps the Spark run short; November has the DST fall-back hour twice in the weather.
MONTHS = ("11",)


def load_job() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "flights_enrich", REPO / "glue/jobs/flights_enrich.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


job = load_job()


@pytest.fixture(scope="session")
def outputs(
    lake: LocalLake, spark, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("glue")
    args = {}
    for name, table in INPUT_TABLES.items():
        folder = root / "in" / name
        partitioned = table.endswith(("flights", "weather"))
        options = (
            " (FORMAT parquet, PARTITION_BY (year, month))" if partitioned else " (FORMAT parquet)"
        )
        target = folder if partitioned else folder / "data.parquet"
        folder.mkdir(parents=True)
        months = ", ".join(f"'{m}'" for m in MONTHS)
        where = f" WHERE month IN ({months})" if partitioned else ""
        lake.con.execute(f"COPY (SELECT * FROM {table}{where}) TO '{target}'{options}")
        args[f"input_{name}"] = str(folder)
    args |= {f"output_{name}": str(root / "out" / name) for name in job.OUTPUTS}
    counts = job.run(spark, args)
    frames = {name: spark.read.parquet(args[f"output_{name}"]).toPandas() for name in job.OUTPUTS}
    assert counts == {name: len(frame) for name, frame in frames.items()}
    return frames


@pytest.fixture(scope="session")
def flights(raw_flights: pd.DataFrame) -> pd.DataFrame:
    """The raw flights of the months the job is run on."""
    return raw_flights[raw_flights.month.isin([int(m) for m in MONTHS])]


@pytest.fixture(scope="session")
def expected(flights: pd.DataFrame) -> pd.DataFrame:
    """Per-flight outcomes from the raw CSVs, independently of the pipeline."""
    flights = flights.copy()
    flights["cancelled"] = flights.dep_time.isna()
    flights["completed"] = flights.arr_delay.notna() & ~flights.cancelled
    flights["on_time"] = flights.completed & (flights.arr_delay < 15)
    flights["flight_date"] = pd.to_datetime(flights[["year", "month", "day"]]).dt.date
    return flights


def test_enriched_keeps_every_flight_once(
    outputs: dict[str, pd.DataFrame], flights: pd.DataFrame
) -> None:
    enriched = outputs["enriched"]
    assert len(enriched) == len(flights)
    per_month = enriched.groupby("month").size()
    assert {int(m): n for m, n in per_month.items()} == flights.groupby("month").size().to_dict()
    assert set(enriched.month) == set(MONTHS)


def test_carrier_names_and_airports_are_joined(
    outputs: dict[str, pd.DataFrame], sample: Path
) -> None:
    enriched = outputs["enriched"]
    airlines = pd.read_csv(sample / "raw/airlines/airlines.csv")
    names = dict(zip(airlines.carrier, airlines.name, strict=True))
    assert (enriched.carrier_name == enriched.carrier.map(names)).all()
    assert enriched.origin_tzone.eq("America/New_York").all()
    assert enriched.loc[enriched.dest.isin(["SJU", "BQN", "STT", "PSE"]), "dest_name"].isna().all()


def test_weather_at_origin_matches_the_raw_observation(
    outputs: dict[str, pd.DataFrame], raw_weather: pd.DataFrame
) -> None:
    enriched = outputs["enriched"]
    weather = raw_weather.assign(
        time_hour=pd.to_datetime(raw_weather.time_hour).dt.tz_localize(None)
    )
    merged = enriched[["origin", "time_hour", "weather_temp"]].merge(
        weather[["origin", "time_hour", "temp"]], on=["origin", "time_hour"], how="left"
    )
    assert len(merged) == len(enriched)
    both = merged.dropna(subset=["temp"])
    assert len(both) > 0.99 * len(enriched)
    assert np.allclose(both.weather_temp, both.temp)


def test_delay_buckets_partition_the_flights(
    outputs: dict[str, pd.DataFrame], expected: pd.DataFrame
) -> None:
    buckets = outputs["enriched"].delay_bucket.value_counts().to_dict()
    delay = expected.arr_delay
    assert buckets["cancelled"] == int(expected.cancelled.sum())
    assert buckets["diverted"] == int((~expected.cancelled & delay.isna()).sum())
    assert buckets["on_time"] == int(expected.on_time.sum())
    assert buckets["late_15_59"] == int(delay.between(15, 59).sum())
    assert buckets["late_60_179"] == int(delay.between(60, 179).sum())
    assert buckets["late_180_plus"] == int((delay >= 180).sum())


def test_carrier_daily_on_time_rates(
    outputs: dict[str, pd.DataFrame], expected: pd.DataFrame
) -> None:
    keys = ["flight_date", "carrier", "origin"]
    want = expected.groupby(keys).agg(
        flights=("flight", "size"),
        cancelled_flights=("cancelled", "sum"),
        on_time_flights=("on_time", "sum"),
        completed_flights=("completed", "sum"),
        mean_arr_delay=("arr_delay", "mean"),
    )
    want["on_time_rate"] = want.on_time_flights / want.completed_flights.replace(0, np.nan)
    got = outputs["carrier_daily"].set_index(keys).sort_index()
    want = want.sort_index()
    assert len(got) == len(want)
    for column in ("flights", "cancelled_flights", "on_time_flights", "completed_flights"):
        assert (got[column].to_numpy() == want[column].to_numpy()).all(), column
    for column in ("mean_arr_delay", "on_time_rate"):
        assert np.allclose(got[column].astype(float), want[column], equal_nan=True), column


def test_route_monthly_statistics(outputs: dict[str, pd.DataFrame], expected: pd.DataFrame) -> None:
    keys = ["origin", "dest", "month"]
    grouped = expected.groupby(keys)
    want = grouped.agg(
        flights=("flight", "size"),
        cancelled_flights=("cancelled", "sum"),
        mean_arr_delay=("arr_delay", "mean"),
        mean_dep_delay=("dep_delay", "mean"),
    )
    want["p50_arr_delay"] = grouped.arr_delay.quantile(0.5)
    want["p90_arr_delay"] = grouped.arr_delay.quantile(0.9)
    want["p90_dep_delay"] = grouped.dep_delay.quantile(0.9)
    want["cancellation_rate"] = want.cancelled_flights / want.flights
    got = (
        outputs["route_monthly"]
        .assign(month=lambda f: f.month.astype(int))
        .set_index(keys)
        .sort_index()
    )
    want = want.sort_index()
    assert len(got) == len(want)
    assert (got.flights.to_numpy() == want.flights.to_numpy()).all()
    assert (got.cancelled_flights.to_numpy() == want.cancelled_flights.to_numpy()).all()
    for column in (
        "mean_arr_delay",
        "mean_dep_delay",
        "p50_arr_delay",
        "p90_arr_delay",
        "p90_dep_delay",
        "cancellation_rate",
    ):
        assert np.allclose(got[column].astype(float), want[column], equal_nan=True), column


@pytest.mark.parametrize(
    ("cancelled", "arr_delay", "bucket"),
    [
        (True, None, "cancelled"),
        (False, None, "diverted"),
        (False, -20, "on_time"),
        (False, 14, "on_time"),
        (False, 15, "late_15_59"),
        (False, 59, "late_15_59"),
        (False, 60, "late_60_179"),
        (False, 180, "late_180_plus"),
    ],
    ids=["cancelled", "diverted", "early", "14-late-is-on-time", "15", "59", "60", "180"],
)
def test_delay_bucket_bounds(spark, cancelled: bool, arr_delay: int | None, bucket: str) -> None:  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    frame = spark.createDataFrame([(cancelled, arr_delay)], "cancelled boolean, arr_delay int")
    got = frame.select(job.delay_bucket(F.col("cancelled"), F.col("arr_delay"))).first()[0]
    assert got == bucket
