"""Where run records live in the lake bucket (one place for the layout)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

SAFE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def safe(part: str, fallback: str = "_unknown") -> str:
    return part if isinstance(part, str) and SAFE.fullmatch(part) else fallback


def manifest_key(dataset: str, run_id: str, name: str) -> str:
    return f"_manifests/{safe(dataset)}/{safe(run_id)}/{name}.json"


def quarantine_prefix(dataset: str, run_id: str) -> str:
    return f"quarantine/{safe(dataset)}/{safe(run_id)}/"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def put_json(s3: Any, bucket: str, key: str, document: dict[str, Any]) -> str:
    body = json.dumps(document, indent=2, sort_keys=True, default=str).encode("utf-8")
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return f"s3://{bucket}/{key}"
