"""tools/prepare_sample.py and tools/generate_flights.py on small inputs."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import generate_flights  # noqa: E402
import prepare_sample  # noqa: E402

pytestmark = pytest.mark.unit

SMALL = [t for t in prepare_sample.TABLES if t.name in {"weather", "airlines"}]


def header(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample")
    return out, prepare_sample.prepare(out, SMALL)


def test_sample_layout_is_the_raw_bucket_layout(prepared: tuple[Path, list[Path]]) -> None:
    root, paths = prepared
    keys = sorted(str(p.relative_to(root)) for p in paths)
    assert keys[0] == "raw/airlines/airlines.csv"
    monthly = keys[1:]
    assert monthly == [
        f"raw/weather/year=2013/month={m:02d}/weather_2013_{m:02d}.csv" for m in range(1, 13)
    ]


def test_monthly_files_do_not_repeat_the_partition_columns(
    prepared: tuple[Path, list[Path]],
) -> None:
    path = prepared[0] / "raw/weather/year=2013/month=03/weather_2013_03.csv"
    columns = header(path)
    assert "year" not in columns and "month" not in columns
    assert columns[:3] == ["origin", "day", "hour"]


def test_rows_and_missing_values_are_kept(prepared: tuple[Path, list[Path]]) -> None:
    lines = [
        line
        for path in (prepared[0] / "raw/weather").rglob("*.csv")
        for line in path.read_text().splitlines()[1:]
    ]
    source = (prepare_sample.SOURCE_DIR / "weather.csv").read_text().splitlines()[1:]
    assert len(lines) == len(source) == 26_115
    assert sum(",NA," in line for line in lines) == sum(",NA," in line for line in source)


def test_prepare_is_idempotent(prepared: tuple[Path, list[Path]]) -> None:
    root = prepared[0]
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*.csv")}
    prepare_sample.prepare(root, SMALL)
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*.csv")} == before


@pytest.mark.parametrize(
    ("minutes", "hhmm"),
    [(0, 2400), (1, 1), (59, 59), (60, 100), (23 * 60 + 59, 2359), (24 * 60 + 5, 5), (-10, 2350)],
    ids=["midnight-is-2400", "00:01", "00:59", "01:00", "23:59", "next-day", "previous-day"],
)
def test_hhmm_clock(minutes: int, hhmm: int) -> None:
    import numpy as np

    assert generate_flights.to_hhmm(np.array([minutes]))[0] == hhmm
