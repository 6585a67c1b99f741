"""Hive bucketing (version 1): the hash Hive, Trino and Athena agree on."""

from __future__ import annotations

import datetime as dt

import pytest
from etl_local.athena.bucketing import bucket_file_name, bucket_of, hive_hash

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, 0, id="null"),
        pytest.param(5, 5, id="int-is-itself"),
        pytest.param(-7, -7, id="negative-int"),
        pytest.param(2**32 + 1, 0, id="bigint-folds-high-and-low-words"),
        pytest.param(True, 1, id="boolean"),
        pytest.param("a", 128, id="string-31h-plus-byte-from-1"),
        pytest.param("ab", 31 * 128 + 98, id="two-byte-string"),
        pytest.param("é", 31 * (31 * 1 + (0xC3 - 256)) + (0xA9 - 256), id="utf8-signed-bytes"),
        pytest.param(dt.date(1970, 1, 11), 10, id="date-days-since-epoch"),
    ],
)
def test_hive_hash(value, expected):
    assert hive_hash(value) == expected


@pytest.mark.parametrize(
    ("values", "buckets", "bucket"),
    [
        ((5,), 4, 1),
        ((-7,), 4, (-7 & 0x7FFFFFFF) % 4),
        (("a",), 4, 0),
        ((1, "a"), 4, (31 * 1 + 128) % 4),
    ],
)
def test_bucket_of(values, buckets, bucket):
    assert bucket_of(values, buckets) == bucket


def test_bucket_file_name_starts_with_the_bucket():
    assert bucket_file_name(3, "q1", "parquet") == "000003_0_q1.parquet"
