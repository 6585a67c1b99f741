"""tools/generate_flights.py: deterministic, flights-like, and clean for the pipeline's SQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO  # noqa: F401 - puts tools/ on sys.path
from content_lake import LocalLake
from generate_flights import generate

pytestmark = pytest.mark.integration

ROWS = 60_000


def digest(paths: list[Path]) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(paths))).hexdigest()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return generate(tmp_path_factory.mktemp("gen"), ROWS, seed=7)


def read(paths: list[Path]) -> pd.DataFrame:
    return pd.concat(
        [pd.read_csv(p, na_values=["NA"], keep_default_na=False) for p in paths], ignore_index=True
    )


def test_same_seed_same_bytes_other_seed_other_bytes(generated: list[Path], tmp_path: Path) -> None:
    assert digest(generate(tmp_path / "a", ROWS, seed=7)) == digest(generated)
    assert digest(generate(tmp_path / "b", ROWS, seed=8)) != digest(generated)


def test_rows_and_layout(generated: list[Path], sample: Path) -> None:
    assert len(generated) == 12
    assert sum(len(p.read_text().splitlines()) - 1 for p in generated) == ROWS
    real = (sample / "raw/flights/year=2013/month=01/flights_2013_01.csv").read_text()
    assert generated[0].read_text().splitlines()[0] == real.splitlines()[0]


@pytest.mark.parametrize(
    ("statistic", "tolerance"),
    [
        ("carrier_share", 0.01),
        ("origin_share", 0.01),
        ("cancelled_rate", 0.005),
        ("mean_arr_delay", 1.0),
    ],
    ids=lambda v: str(v),
)
def test_distributions_follow_the_real_year(
    generated: list[Path], raw_flights: pd.DataFrame, statistic: str, tolerance: float
) -> None:
    fake = read(generated)

    def stats(frame: pd.DataFrame) -> pd.Series:
        return {
            "carrier_share": frame.carrier.value_counts(normalize=True),
            "origin_share": frame.origin.value_counts(normalize=True),
            "cancelled_rate": pd.Series([frame.dep_time.isna().mean()]),
            "mean_arr_delay": pd.Series([frame.arr_delay.mean()]),
        }[statistic]

    got, want = stats(fake).align(stats(raw_flights), fill_value=0.0)
    assert (got - want).abs().max() < tolerance


def test_generated_month_passes_the_sql_without_rejects(
    generated: list[Path], sample: Path, tmp_path: Path
) -> None:
    lake = LocalLake(tmp_path / "lake")
    lake.land("raw/airports/airports.csv", sample / "raw/airports/airports.csv")
    path = next(p for p in generated if p.name == "flights_2013_03.csv")
    run = lake.land("raw/flights/year=2013/month=03/flights_2013_03.csv", path)
    rows_in, rows_out, rejected = run.results["30_stage_counts"][0]
    assert rows_in == rows_out > 0 and rejected == 0
