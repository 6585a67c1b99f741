"""Quality gate Lambda: thresholds from the dataset config, manifest, success event."""

from __future__ import annotations

from typing import Any

import pytest
from etl_shared.errors import QualityGateFailed
from etl_shared.quality import judge

from .conftest import Invoke, World

pytestmark = pytest.mark.unit

RUN_ID = "flights-flights-2013-01-0123456789abcdef01234567"


def _event(counts: dict[str, int], **quality: Any) -> dict[str, Any]:
    return {
        "run_id": RUN_ID,
        "execution_arn": f"arn:aws:states:us-east-1:123456789012:execution:p:{RUN_ID}",
        "dataset": "flights",
        "object": {"bucket": "raw", "key": "raw/flights/year=2013/month=01/f.csv"},
        "partition": {"year": "2013", "month": "01"},
        "quality": {
            "input": "raw",
            "output": "curated.flights",
            "min_rows": 1,
            "max_rejected_ratio": 0.01,
        }
        | quality,
        "counts": [
            {"stage": stage, "sql": "SELECT 1", "count": {"value": str(n)}}
            for stage, n in counts.items()
        ],
        "commit_result": {"targets": [{"table": "curated.flights", "location": "s3://lake/x/"}]},
        "athena_results": [{"QueryExecutionId": "q-1", "State": "SUCCEEDED"}],
        "databrew_run": {"RunId": "db_1", "State": "SUCCEEDED"},
        "glue_run": {"Id": "jr_1", "JobRunState": "SUCCEEDED"},
    }


def test_passing_run_writes_the_manifest_and_reports_success(world: World, invoke: Invoke) -> None:
    result = invoke("QualityGateFunction", _event({"raw": 1000, "curated.flights": 995}))
    key = f"_manifests/flights/{RUN_ID}/manifest.json"
    assert result == {
        "manifest": f"s3://{world.lake}/{key}",
        "counts": {"raw": 1000, "curated.flights": 995},
        "passed": True,
    }
    manifest = world.read_json(world.lake, key)
    assert manifest["status"] == "SUCCEEDED"
    assert manifest["quality"]["rows_in"] == 1000 and manifest["quality"]["rejected"] == 5
    assert manifest["stages"] == {"athena": ["q-1"], "databrew_run": "db_1", "glue_run": "jr_1"}
    assert manifest["committed"] == [{"table": "curated.flights", "location": "s3://lake/x/"}]


FAILING = [
    (
        "too-many-rejected",
        {"raw": 1000, "curated.flights": 900},
        {},
        "rejected ratio 0.1000 > max_rejected_ratio 0.01",
    ),
    ("no-rows-out", {"raw": 0, "curated.flights": 0}, {}, "0 rows out < min_rows 1"),
    (
        "below-min-rows",
        {"raw": 5, "curated.flights": 5},
        {"min_rows": 10},
        "5 rows out < min_rows 10",
    ),
]


@pytest.mark.parametrize(
    ("counts", "quality", "message"), [f[1:] for f in FAILING], ids=[f[0] for f in FAILING]
)
def test_failing_run_fails_with_the_violation_and_still_leaves_a_manifest(
    world: World, invoke: Invoke, counts: dict[str, int], quality: dict[str, Any], message: str
) -> None:
    with pytest.raises(QualityGateFailed, match=message):
        invoke("QualityGateFunction", _event(counts, **quality))
    manifest = world.read_json(world.lake, f"_manifests/flights/{RUN_ID}/manifest.json")
    assert manifest["status"] == "QUALITY_FAILED"
    assert message in manifest["quality"]["violations"]


JUDGED = [
    ("all-kept", 100, 100, 0, 0.0, True),
    ("more-out-than-in", 100, 120, 0, 0.0, True),  # e.g. an exploding join: nothing rejected
    ("at-the-threshold", 100, 99, 1, 0.01, True),
]


@pytest.mark.parametrize(
    ("rows_in", "rows_out", "rejected", "ratio", "passed"),
    [j[1:] for j in JUDGED],
    ids=[j[0] for j in JUDGED],
)
def test_judge(rows_in: int, rows_out: int, rejected: int, ratio: float, passed: bool) -> None:
    quality = {"input": "raw", "output": "out", "min_rows": 1, "max_rejected_ratio": 0.01}
    verdict = judge({"raw": rows_in, "out": rows_out}, quality)
    assert (verdict.rejected, verdict.rejected_ratio, verdict.passed) == (rejected, ratio, passed)
