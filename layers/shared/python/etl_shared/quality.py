"""Quality gate + run manifest: row counts in/out/rejected, thresholds from the dataset config."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from etl_shared.errors import QualityGateFailed
from etl_shared.manifest import manifest_key, now, put_json


@dataclass(frozen=True)
class Verdict:
    rows_in: int
    rows_out: int
    rejected: int
    rejected_ratio: float
    passed: bool
    violations: list[str]


def counts_from(results: list[dict[str, Any]]) -> dict[str, int]:
    """The count Map's items: {stage, count: {value: "<n>"}} -> {stage: n}."""
    return {item["stage"]: int(item["count"]["value"]) for item in results}


def judge(counts: dict[str, int], quality: dict[str, Any]) -> Verdict:
    rows_in = counts[quality["input"]]
    rows_out = counts[quality["output"]] if quality.get("output") else rows_in
    rejected = max(rows_in - rows_out, 0)
    ratio = rejected / rows_in if rows_in else 0.0
    violations = []
    if rows_out < quality["min_rows"]:
        violations.append(f"{rows_out} rows out < min_rows {quality['min_rows']}")
    if ratio > quality["max_rejected_ratio"]:
        violations.append(
            f"rejected ratio {ratio:.4f} > max_rejected_ratio {quality['max_rejected_ratio']}"
        )
    return Verdict(rows_in, rows_out, rejected, round(ratio, 6), not violations, violations)


def gate(
    event: dict[str, Any], s3: Any, events: Any, lake_bucket: str, bus: str, source: str
) -> dict[str, Any]:
    """event = Prepare's plan + {commit_result, counts, athena_results?, databrew_run?, glue_run?}."""
    counts = counts_from(event["counts"])
    verdict = judge(counts, event["quality"])
    manifest = {
        "run_id": event["run_id"],
        "execution_arn": event.get("execution_arn", ""),
        "dataset": event["dataset"],
        "object": event["object"],
        "partition": event["partition"],
        "status": "SUCCEEDED" if verdict.passed else "QUALITY_FAILED",
        "counts": counts,
        "quality": asdict(verdict) | {"thresholds": event["quality"]},
        "committed": (event.get("commit_result") or {}).get("targets", []),
        "stages": {
            "athena": [
                r.get("QueryExecutionId")
                for r in event.get("athena_results", [])
                if isinstance(r, dict)
            ],
            "databrew_run": (event.get("databrew_run") or {}).get("RunId", ""),
            "glue_run": (event.get("glue_run") or {}).get("Id", ""),
        },
        "written_at": now(),
    }
    location = put_json(
        s3, lake_bucket, manifest_key(event["dataset"], event["run_id"], "manifest"), manifest
    )
    if not verdict.passed:
        raise QualityGateFailed("; ".join(verdict.violations) + f" (manifest {location})")
    events.put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": "ETL Run Succeeded",
                "Detail": json.dumps(
                    {"manifest": location}
                    | {k: manifest[k] for k in ("run_id", "dataset", "partition", "counts")}
                ),
                "EventBusName": bus,
            }
        ]
    )
    return {"manifest": location, "counts": counts, "passed": True}
