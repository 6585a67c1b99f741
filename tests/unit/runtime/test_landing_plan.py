"""Where ``etl-local run PATH`` puts each file in the raw bucket."""

from __future__ import annotations

from pathlib import Path

import pytest
from etl_local.runtime import dataset_of, plan_landings, raw_key

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
FLIGHTS = r"""name: flights
raw_prefix: raw/flights/
partition_keys: [year, month]
key_pattern: '^raw/flights/year=(?P<year>\d{4})/month=(?P<month>\d{2})/[^/]+\.csv$'
"""


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "flights.yaml").write_text(FLIGHTS)
    (folder / "airlines.yaml").write_text("name: airlines\nraw_prefix: raw/airlines/\n")
    return folder


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("flights_2013_01.csv", "flights"),
        ("weather_2013_12.csv", "weather"),
        ("airlines.csv", "airlines"),
        ("my_table_v2.csv", "my_table_v2"),
        ("2013_only.csv", "2013_only"),
    ],
)
def test_dataset_from_file_name(name: str, expected: str) -> None:
    assert dataset_of(Path(name)) == expected


@pytest.mark.parametrize(
    ("file_name", "dataset", "expected"),
    [
        ("flights_2013_01.csv", "flights", "raw/flights/year=2013/month=01/flights_2013_01.csv"),
        (
            "flights.csv",
            "flights",
            "raw/flights/flights.csv",
        ),  # no partition values: rejected later
        ("airlines.csv", "airlines", "raw/airlines/airlines.csv"),
        ("x.csv", "unknown", "raw/unknown/x.csv"),
    ],
    ids=["partitioned", "no-values", "reference", "unknown-dataset"],
)
def test_single_file_key(datasets: Path, file_name: str, dataset: str, expected: str) -> None:
    assert raw_key(file_name, dataset, datasets) == expected


def test_folder_lands_as_laid_out(tmp_path: Path, datasets: Path) -> None:
    (tmp_path / "raw" / "airlines").mkdir(parents=True)
    (tmp_path / "raw" / "airlines" / "airlines.csv").write_text("carrier,name\n")
    (tmp_path / "raw" / ".hidden").write_text("")
    single = tmp_path / "flights_2013_02.csv"
    single.write_text("x\n")
    plan = plan_landings([tmp_path / "raw", single], None, datasets)
    assert [key for _, key in plan] == [
        "airlines/airlines.csv",
        "raw/flights/year=2013/month=02/flights_2013_02.csv",
    ]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        plan_landings([tmp_path / "nope.csv"], None, None)


def test_real_dataset_configs_place_monthly_files() -> None:
    key = raw_key("weather_2013_07.csv", "weather", REPO / "datasets")
    assert key == "raw/weather/year=2013/month=07/weather_2013_07.csv"
