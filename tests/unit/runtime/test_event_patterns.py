"""EventBridge event patterns, one line per behaviour (EventBridge user guide, "Event patterns"
and "Content filtering")."""

from __future__ import annotations

from typing import Any

import pytest
from etl_local.eventbus import matches

pytestmark = pytest.mark.unit

EVENT: dict[str, Any] = {
    "source": "aws.s3",
    "detail-type": "Object Created",
    "resources": ["arn:aws:s3:::raw-bucket"],
    "detail": {
        "bucket": {"name": "raw-bucket"},
        "object": {"key": "raw/flights/year%3D2013/f.csv", "size": 120},
        "reason": "PutObject",
        "source-ip-address": "10.0.0.7",
        "tags": ["a", "b"],
        "nothing": None,
    },
}

CASES = [
    ("exact", {"source": ["aws.s3"]}, True),
    ("exact-miss", {"source": ["aws.states"]}, False),
    ("array-is-or", {"source": ["aws.states", "aws.s3"]}, True),
    ("nested", {"detail": {"bucket": {"name": ["raw-bucket"]}}}, True),
    ("nested-miss", {"detail": {"bucket": {"name": ["lake"]}}}, False),
    ("missing-field", {"detail": {"absent": ["x"]}}, False),
    ("event-array-any", {"resources": ["arn:aws:s3:::raw-bucket"]}, True),
    ("value-array-any", {"detail": {"tags": ["b"]}}, True),
    ("prefix", {"detail": {"object": {"key": [{"prefix": "raw/flights/"}]}}}, True),
    ("prefix-miss", {"detail": {"object": {"key": [{"prefix": "raw/weather/"}]}}}, False),
    (
        "prefix-ignore-case",
        {"detail": {"object": {"key": [{"prefix": {"equals-ignore-case": "RAW/"}}]}}},
        True,
    ),
    ("suffix", {"detail": {"object": {"key": [{"suffix": ".csv"}]}}}, True),
    ("suffix-miss", {"detail": {"object": {"key": [{"suffix": ".json"}]}}}, False),
    ("anything-but-value", {"detail": {"reason": [{"anything-but": "DeleteObject"}]}}, True),
    ("anything-but-list", {"detail": {"reason": [{"anything-but": ["PutObject", "Copy"]}]}}, False),
    (
        "anything-but-prefix",
        {"detail": {"object": {"key": [{"anything-but": {"prefix": "raw/"}}]}}},
        False,
    ),
    ("anything-but-missing", {"detail": {"absent": [{"anything-but": "x"}]}}, False),
    ("exists-true", {"detail": {"object": {"size": [{"exists": True}]}}}, True),
    ("exists-false", {"detail": {"object": {"etag": [{"exists": False}]}}}, True),
    ("exists-false-present", {"detail": {"object": {"size": [{"exists": False}]}}}, False),
    ("numeric-range", {"detail": {"object": {"size": [{"numeric": [">", 0, "<=", 120]}]}}}, True),
    ("numeric-miss", {"detail": {"object": {"size": [{"numeric": [">", 120]}]}}}, False),
    ("numeric-on-string", {"detail": {"reason": [{"numeric": [">", 0]}]}}, False),
    ("number-equality", {"detail": {"object": {"size": [120.0]}}}, True),
    ("equals-ignore-case", {"detail-type": [{"equals-ignore-case": "object created"}]}, True),
    ("wildcard", {"detail": {"object": {"key": [{"wildcard": "raw/*/f.csv"}]}}}, True),
    ("wildcard-miss", {"detail": {"object": {"key": [{"wildcard": "raw/*.json"}]}}}, False),
    ("cidr", {"detail": {"source-ip-address": [{"cidr": "10.0.0.0/24"}]}}, True),
    ("null-value", {"detail": {"nothing": [None]}}, True),
    ("or", {"$or": [{"source": ["aws.states"]}, {"detail": {"reason": ["PutObject"]}}]}, True),
    ("or-miss", {"$or": [{"source": ["x"]}, {"detail": {"reason": ["y"]}}]}, False),
    ("all-fields-and", {"source": ["aws.s3"], "detail-type": ["Object Deleted"]}, False),
]


@pytest.mark.parametrize(("pattern", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pattern(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, EVENT) is expected


def test_unknown_operator_is_an_error() -> None:
    with pytest.raises(ValueError, match="unsupported event pattern operator"):
        matches({"source": [{"regex": "x"}]}, EVENT)
