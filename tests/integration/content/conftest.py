"""Session fixtures for the content tests: the real sample, a lake built from it by the
datasets' own SQL, and the independent reference numbers computed from the raw CSVs."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tools"))

from content_lake import LocalLake  # noqa: E402
from prepare_sample import prepare  # noqa: E402

REFERENCE_ORDER = ("airlines", "airports", "planes")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    prepare(out)
    return out


def raw_keys(sample: Path, dataset: str) -> list[str]:
    return sorted(str(p.relative_to(sample)) for p in (sample / "raw" / dataset).rglob("*.csv"))


@pytest.fixture(scope="session")
def lake(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> LocalLake:
    """References first, then every month of weather and flights, through the SQL steps."""
    lake = LocalLake(tmp_path_factory.mktemp("lake"))
    for dataset in (*REFERENCE_ORDER, "weather", "flights"):
        for key in raw_keys(sample, dataset):
            lake.land(key, sample / key)
    return lake


@pytest.fixture(scope="session")
def raw_flights(sample: Path) -> pd.DataFrame:
    """The raw monthly files read independently with pandas ('NA' -> missing)."""
    frames = []
    for path in sorted((sample / "raw/flights").rglob("*.csv")):
        frame = pd.read_csv(path, na_values=["NA"], keep_default_na=False)
        frame["month"] = int(path.parent.name.split("=")[1])
        frame["year"] = int(path.parent.parent.name.split("=")[1])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """One local SparkSession for every content test (Glue 5 = Spark 3.5)."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("content-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def raw_weather(sample: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(path, na_values=["NA"], keep_default_na=False)
        for path in sorted((sample / "raw/weather").rglob("*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)
