"""What the crawler reads: an abstract object listing and a ranged reader.

The crawler core only sees ``ObjectStore``: S3 (through a boto3 client) and a local folder
(``etl-local crawl DIR``) both feed it, so the same inference runs on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str  # relative to the store's root, "/"-separated
    size: int


class ObjectStore(Protocol):
    def uri(self, key: str) -> str:
        """The location Glue records for ``key`` (an object or a folder ending in "/")."""
        ...

    def list(self, prefix: str) -> Iterator[StoredObject]: ...

    def read(self, key: str, max_bytes: int | None = None) -> bytes:
        """The first ``max_bytes`` bytes of ``key`` (the whole object when None)."""
        ...


class S3Store:
    """One bucket, read through a boto3 s3 client."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def list(self, prefix: str) -> Iterator[StoredObject]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"], int(item["Size"]))

    def read(self, key: str, max_bytes: int | None = None) -> bytes:
        extra = {"Range": f"bytes=0-{max_bytes - 1}"} if max_bytes else {}
        body = self._client.get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        return bytes(body.read())


class LocalStore:
    """A local folder standing in for a bucket; keys are paths relative to ``root``."""

    def __init__(self, root: Path, uri_prefix: str | None = None) -> None:
        self.root = root.resolve()
        self._uri_prefix = uri_prefix or self.root.as_uri().rstrip("/") + "/"

    def uri(self, key: str) -> str:
        return self._uri_prefix + key

    def list(self, prefix: str) -> Iterator[StoredObject]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield StoredObject(key, path.stat().st_size)

    def read(self, key: str, max_bytes: int | None = None) -> bytes:
        with open(self.root / key, "rb") as handle:
            return handle.read(max_bytes if max_bytes else -1)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ("bucket", "a/b")."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key
