"""Deterministic execution names: one landing of one object = one execution.

Step Functions names allow 1-80 characters; we use only ``[a-z0-9-]`` so the name is also a
valid run id in S3 paths, DataBrew names and (with '-' -> '_') SQL identifiers.
"""

from __future__ import annotations

import hashlib
import re

from etl_shared.objects import LandedObject

MAX_NAME = 80
DIGEST_CHARS = 24


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def execution_name(dataset: str, obj: LandedObject) -> str:
    """``<dataset>-<file stem>-<digest>``; the digest covers bucket, key and version/etag."""
    identity = "\n".join((obj.bucket, obj.key, obj.identity()))
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:DIGEST_CHARS]
    stem = _slug(obj.key.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    head = _slug(dataset)
    room = MAX_NAME - len(digest) - 2 - len(head)
    parts = [head, stem[: max(room, 0)].strip("-"), digest]
    return "-".join(p for p in parts if p)[:MAX_NAME]


def run_table(dataset: str, run_id: str) -> str:
    """The CTAS temp table of a run: ``<dataset>__run_<run_id>`` (an identifier)."""
    return f"{dataset}__run_{run_id.replace('-', '_')}"
