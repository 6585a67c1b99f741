"""Which files a crawl reads: SampleSize per leaf folder and partition sampling per stratum."""

from __future__ import annotations

import pytest
from etl_local.glue.sampling import plan_sample, spread, stratum
from etl_local.glue.storage import StoredObject

pytestmark = pytest.mark.unit

SPREADS = [
    ("fewer-than-count", list(range(3)), 5, [0, 1, 2]),
    ("first-and-last", list(range(10)), 3, [0, 4, 9]),
    ("one", list(range(10)), 1, [0]),
]


@pytest.mark.parametrize(
    ("items", "count", "picked"), [s[1:] for s in SPREADS], ids=[s[0] for s in SPREADS]
)
def test_spread(items: list[int], count: int, picked: list[int]) -> None:
    assert spread(items, count) == picked


STRATA = [
    ("hive-values-dropped", "raw/flights/year=2013/month=01", "raw/flights"),
    ("unnamed-kept", "raw/flights/2013/01", "raw/flights/2013/01"),
]


@pytest.mark.parametrize(
    ("folder", "expected"), [s[1:] for s in STRATA], ids=[s[0] for s in STRATA]
)
def test_stratum(folder: str, expected: str) -> None:
    assert stratum(folder) == expected


def _objects(keys: list[str]) -> list[StoredObject]:
    return [StoredObject(key, 10) for key in keys]


def test_partition_sampling_reads_a_bounded_spread() -> None:
    keys = [f"t/year={y}/month={m:02d}/f.csv" for y in range(2000, 2010) for m in range(1, 13)]
    keys.append("other/a.csv")
    plan = plan_sample(_objects(keys), None, partition_sample=4)
    read = [o.key for o in plan.read]
    assert read == [
        "other/a.csv",
        "t/year=2000/month=01/f.csv",
        "t/year=2003/month=05/f.csv",
        "t/year=2006/month=08/f.csv",
        "t/year=2009/month=12/f.csv",
    ]
    assert plan.donors["t/year=2000/month=02/f.csv"] == "t/year=2000/month=01/f.csv"
    assert plan.donors["t/year=2009/month=11/f.csv"] == "t/year=2006/month=08/f.csv"
    assert len(plan.read) + len(plan.donors) == len(keys)


def test_sample_size_limits_files_per_folder() -> None:
    plan = plan_sample(_objects(["t/a.csv", "t/b.csv", "t/c.csv"]), 2)
    assert [o.key for o in plan.read] == ["t/a.csv", "t/b.csv"]
    assert plan.donors == {"t/c.csv": "t/a.csv"}
