"""S3 as the engine sees it: listing data files the way Hive does, writing result objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class S3File:
    url: str
    size: int


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url}")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def folder(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _hidden(relative_key: str) -> bool:
    # Hive skips files and folders whose name starts with '_' or '.' (e.g. _SUCCESS, .crc).
    return any(part.startswith(("_", ".")) for part in relative_key.split("/") if part)


class S3Storage:
    def __init__(self, s3: Any) -> None:
        self.s3 = s3

    def _objects(self, url: str) -> list[dict[str, Any]]:
        bucket, prefix = split_url(folder(url))
        objects: list[dict[str, Any]] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            objects.extend(page.get("Contents", []))
        return objects

    def data_files(self, url: str) -> list[S3File]:
        """Files under a table/partition location, recursively, hidden ones skipped."""
        bucket, prefix = split_url(folder(url))
        files = []
        for obj in self._objects(url):
            relative = obj["Key"][len(prefix) :]
            if relative and not relative.endswith("/") and not _hidden(relative):
                files.append(S3File(f"s3://{bucket}/{obj['Key']}", int(obj.get("Size", 0))))
        return files

    def is_empty(self, url: str) -> bool:
        bucket, prefix = split_url(folder(url))
        response = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return not response.get("Contents")

    def delete_all(self, urls: list[str]) -> None:
        by_bucket: dict[str, list[str]] = {}
        for url in urls:
            bucket, key = split_url(url)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            for start in range(0, len(keys), 1000):
                chunk = keys[start : start + 1000]
                self.s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
                )

    def get(self, url: str) -> bytes:
        bucket, key = split_url(url)
        return bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def move(self, source: str, target: str) -> None:
        source_bucket, source_key = split_url(source)
        bucket, key = split_url(target)
        self.s3.copy_object(
            Bucket=bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key}
        )
        self.s3.delete_object(Bucket=source_bucket, Key=source_key)

    def put(self, url: str, body: bytes, content_type: str = "binary/octet-stream") -> None:
        bucket, key = split_url(url)
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def subfolders(self, url: str) -> list[str]:
        """Every folder (relative path) that holds a data file under ``url``."""
        bucket, prefix = split_url(folder(url))
        found = set()
        for obj in self._objects(url):
            relative = obj["Key"][len(prefix) :]
            if "/" in relative and not _hidden(relative):
                found.add(relative.rsplit("/", 1)[0])
        return sorted(found)
