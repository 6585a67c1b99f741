"""The one place where a job's ``s3://`` arguments meet local paths.

Spark has no ``hadoop-aws`` offline, so by convention:

- ``--input_<name> s3://b/p`` : everything under ``s3://b/p`` is downloaded to a local
  folder before the run and the argument becomes that folder (an empty prefix becomes a
  path that does not exist, as an empty S3 prefix does for Spark);
- ``--extra-py-files s3://b/a.py,s3://b/lib.zip``: each object is downloaded and the argument
  becomes the comma-separated local paths (the driver puts them on ``sys.path``);
- ``--output_<name> s3://b/p``: the argument becomes a local folder, seeded with what is
  already there (absent when the prefix is empty, so Spark's default save mode behaves as on
  S3); after a successful run the folder is synchronised back (new and changed
  files uploaded, files the job removed deleted), so overwrite and append both behave as on
  S3. Spark's local checksum files (``.crc``) are not uploaded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from etl_local.glue.storage import split_s3_uri

INPUT_PREFIX = "--input_"
EXTRA_PY_FILES = "--extra-py-files"
OUTPUT_PREFIX = "--output_"
LOCAL_ONLY_SUFFIXES = (".crc",)


@dataclass(frozen=True)
class Mapping:
    argument: str
    uri: str
    local: Path

    @property
    def bucket_and_prefix(self) -> tuple[str, str]:
        return split_s3_uri(self.uri)


@dataclass
class StagingPlan:
    inputs: list[Mapping] = field(default_factory=list)
    outputs: list[Mapping] = field(default_factory=list)
    py_files: list[Mapping] = field(default_factory=list)  # one per --extra-py-files item

    def rewrite(self, arguments: dict[str, str]) -> dict[str, str]:
        local = {m.argument: str(m.local) for m in [*self.inputs, *self.outputs]}
        if self.py_files:
            local[EXTRA_PY_FILES] = ",".join(
                str(m.local / m.uri.rpartition("/")[2]) for m in self.py_files
            )
        return {key: local.get(key, value) for key, value in arguments.items()}

    def to_remote(self, text: str) -> str:
        """Local staging paths in ``text`` (an error message) shown as their s3:// URIs."""
        for mapping in [*self.inputs, *self.outputs]:
            uri = mapping.uri.rstrip("/")
            text = text.replace(f"file:{mapping.local}", uri).replace(str(mapping.local), uri)
        return text


def plan_staging(arguments: dict[str, str], root: Path) -> StagingPlan:
    plan = StagingPlan()
    for index, uri in enumerate(arguments.get(EXTRA_PY_FILES, "").split(",")):
        if uri.strip().startswith("s3://"):
            plan.py_files.append(Mapping(EXTRA_PY_FILES, uri.strip(), root / "py" / str(index)))
    for key, value in arguments.items():
        if not value.startswith("s3://"):
            continue
        if key.startswith(INPUT_PREFIX):
            plan.inputs.append(Mapping(key, value, root / "in" / key[len(INPUT_PREFIX) :]))
        elif key.startswith(OUTPUT_PREFIX):
            plan.outputs.append(Mapping(key, value, root / "out" / key[len(OUTPUT_PREFIX) :]))
    return plan


def _objects(s3: Any, uri: str) -> Iterator[tuple[str, str]]:
    """(key, path relative to the URI) of every object under ``uri`` (or the object itself)."""
    bucket, prefix = split_s3_uri(uri)
    folder = prefix if prefix.endswith("/") or not prefix else prefix + "/"
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key == prefix:
                yield key, key.rpartition("/")[2]
            elif key.startswith(folder) and not key.endswith("/"):
                yield key, key[len(folder) :]


TRANSFER_THREADS = 8  # objects moved at once (boto3 clients are thread-safe)


def _in_parallel(calls: list[Callable[[], object]]) -> None:
    """Run the transfers concurrently; the first failure is raised."""
    if len(calls) <= 1:
        for call in calls:
            call()
        return
    with ThreadPoolExecutor(min(TRANSFER_THREADS, len(calls))) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def _download_calls(s3: Any, mapping: Mapping) -> list[Callable[[], object]]:
    bucket, _ = mapping.bucket_and_prefix
    calls: list[Callable[[], object]] = []
    for key, rel in _objects(s3, mapping.uri):
        target = mapping.local / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        calls.append(partial(s3.download_file, bucket, key, str(target)))
    return calls


def stage_in(s3: Any, plan: StagingPlan) -> list[str]:
    """Download inputs (and what outputs already hold), all objects concurrently; one report
    line per argument."""
    report, calls = [], []
    for mapping in [*plan.py_files, *plan.inputs, *plan.outputs]:  # empty prefix: no folder
        found = _download_calls(s3, mapping)
        calls += found
        report.append(f"{mapping.argument} {mapping.uri} -> {mapping.local} ({len(found)} objects)")
    _in_parallel(calls)
    return report


def _local_files(root: Path) -> Iterator[tuple[Path, str]]:
    for dirpath, _, names in os.walk(root):
        for name in names:
            if not name.endswith(LOCAL_ONLY_SUFFIXES):
                path = Path(dirpath) / name
                yield path, path.relative_to(root).as_posix()


def stage_out(s3: Any, plan: StagingPlan) -> int:
    """Synchronise every output folder back to S3 (uploads concurrent); returns the number of
    objects written."""
    uploads: list[Callable[[], object]] = []
    for mapping in plan.outputs:
        bucket, prefix = mapping.bucket_and_prefix
        folder = prefix if prefix.endswith("/") or not prefix else prefix + "/"
        before = {rel: key for key, rel in _objects(s3, mapping.uri)}
        after = dict(_local_files(mapping.local)) if mapping.local.exists() else {}
        now = {rel for _, rel in after.items()}
        uploads += [
            partial(s3.upload_file, str(path), bucket, folder + rel) for path, rel in after.items()
        ]
        gone = [key for rel, key in before.items() if rel not in now]
        for start in range(0, len(gone), 1000):
            chunk = gone[start : start + 1000]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
    _in_parallel(uploads)
    return len(uploads)
