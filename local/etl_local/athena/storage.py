"""S3 as the engine sees it: listing data files the way Hive does, reading them through a
local copy, writing result objects."""

from __future__ import annotations

import bz2
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cramjam

# Local copies of data files kept for later queries (least recently used dropped first).
CACHE_BYTES = 8 * 1024**3


@dataclass(frozen=True)
class S3File:
    url: str
    size: int
    etag: str = ""


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


class Claims:
    """Keys held by running statements: a claim that overlaps a held one fails at once.

    Statements run concurrently (each on its own DuckDB cursor); a claim makes a
    check-then-write (an empty CTAS location, a new table name) atomic among them.
    """

    def __init__(self, overlaps: Callable[[str, str], bool]) -> None:
        self._overlaps = overlaps
        self._held: set[str] = set()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, key: str, conflict: Callable[[], Exception]) -> Iterator[None]:
        with self._lock:
            if any(self._overlaps(key, held) for held in self._held):
                raise conflict()
            self._held.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(key)


def hadoop_blocks(data: bytes, decompress: Callable[[bytes], bytes]) -> bytes:
    """Hadoop's block-compressed stream (SnappyCodec): blocks of [uncompressed length], then
    [compressed length][compressed bytes] chunks until that many bytes are produced."""
    out, pos = bytearray(), 0
    while pos + 4 <= len(data):
        expected = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        produced = 0
        while produced < expected:
            length = int.from_bytes(data[pos : pos + 4], "big")
            chunk = decompress(data[pos + 4 : pos + 4 + length])
            pos += 4 + length
            out += chunk
            produced += len(chunk)
    return bytes(out)


# Hadoop codecs Athena reads in text files and DuckDB does not, by file extension.
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    ".snappy": lambda data: hadoop_blocks(data, lambda b: bytes(cramjam.snappy.decompress_raw(b))),
    ".bz2": bz2.decompress,  # concatenated streams too
}


def _nested(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _safe_key(key: str) -> bool:
    """Whether a key maps to a path below the cache folder (no '', '.', '..', NUL segments)."""
    return all(part not in ("", ".", "..") for part in key.split("/")) and "\x00" not in key


CACHE_PREFIX = "etl-local-athena-"


def _remove_orphans() -> None:
    """Remove the copies left by engines whose process ended without closing them (killed)."""
    for path in Path(tempfile.gettempdir()).glob(f"{CACHE_PREFIX}*-*"):
        pid = path.name[len(CACHE_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            continue  # alive, another user's


class ObjectCache:
    """Local copies of S3 objects, one GET each, kept while their ETag holds.

    DuckDB reading ``s3://`` itself issues many ranged GETs per file, and the local API plane
    answers each by reading the whole object: a plain copy read from local disk is several
    times faster, and later queries over the same (unchanged) files read it again for free.
    Copies keep the key's folders (``year=2013/month=01/``), so Hive partition folders read
    the same. A copy in use by a running query is never evicted.
    """

    def __init__(self, s3: Any, capacity: int = CACHE_BYTES) -> None:
        self.s3 = s3
        self.capacity = capacity
        _remove_orphans()
        self.root = Path(tempfile.mkdtemp(prefix=f"{CACHE_PREFIX}{os.getpid()}-"))
        self._lock = threading.Lock()
        # url -> (etag, size, decoded) of the copy
        self._entries: OrderedDict[str, tuple[str, int, bool]] = OrderedDict()
        self._pins: dict[str, int] = {}
        self._loading: dict[str, threading.Lock] = {}

    def path(self, url: str) -> Path:
        bucket, key = split_url(url)
        return self.root / bucket / key

    def acquire(self, files: list[S3File], decode: bool = False) -> list[str]:
        """Local paths of ``files`` (fetched if missing or changed), pinned until ``release``.
        With ``decode``, text files in a Hadoop codec DuckDB cannot read (``.snappy``,
        ``.bz2``) are stored decompressed. A key that cannot be a local path is read from S3
        directly."""
        paths = []
        for file in files:
            bucket, key = split_url(file.url)
            if not file.etag or not _safe_key(key):
                paths.append(file.url)
                continue
            with self._lock:
                self._pins[file.url] = self._pins.get(file.url, 0) + 1
                loading = self._loading.setdefault(file.url, threading.Lock())
            with loading:
                if self._entries.get(file.url) != (file.etag, file.size, decode):
                    self._fetch(file, bucket, key, decode)
            with self._lock:
                self._entries.move_to_end(file.url)
            paths.append(str(self.path(file.url)))
        self._evict()
        return paths

    def release(self, urls: list[str]) -> None:
        with self._lock:
            for url in urls:
                if self._pins.get(url, 0) > 1:
                    self._pins[url] -= 1
                else:
                    self._pins.pop(url, None)

    def _fetch(self, file: S3File, bucket: str, key: str, decode: bool) -> None:
        target = self.path(file.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        response = self.s3.get_object(Bucket=bucket, Key=key)
        partial = target.with_name(f".{target.name}.{threading.get_ident()}.part")
        decoder = next((d for ext, d in DECODERS.items() if key.endswith(ext)), None)
        with partial.open("wb") as out:
            if decode and decoder is not None:
                out.write(decoder(response["Body"].read()))
            else:
                shutil.copyfileobj(response["Body"], out, 1024 * 1024)
        os.replace(partial, target)  # a reader with the old copy open keeps reading it
        with self._lock:  # the version read, which a later listing may show has changed
            version = (str(response.get("ETag", "")), int(response["ContentLength"]), decode)
            self._entries[file.url] = version

    def _evict(self) -> None:
        with self._lock:
            total = sum(entry[1] for entry in self._entries.values())
            for url in list(self._entries):
                if total <= self.capacity:
                    break
                if url in self._pins:
                    continue
                total -= self._entries.pop(url)[1]
                self.path(url).unlink(missing_ok=True)

    def staging(self, name: str) -> Path:
        """An empty local folder for files a statement writes before they are uploaded."""
        path = self.root / ".staging" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def adopt(self, local: Path, url: str, etag: str) -> None:
        """Keep a file just uploaded as ``url`` as its local copy (moved, not copied)."""
        bucket, key = split_url(url)
        if not _safe_key(key):
            local.unlink(missing_ok=True)
            return
        target = self.path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = local.stat().st_size
        os.replace(local, target)
        with self._lock:
            self._entries[url] = (etag, size, False)
        self._evict()

    def as_urls(self, text: str) -> str:
        """``text`` (an error message) with local copies named by their S3 URLs again."""
        return text.replace(f"{self.root}/", "s3://")

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class S3Storage:
    def __init__(self, s3: Any) -> None:
        self.s3 = s3
        self.cache = ObjectCache(s3)
        self.writing = Claims(_nested)  # folders a CTAS/UNLOAD is writing into

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
                url = f"s3://{bucket}/{obj['Key']}"
                files.append(S3File(url, int(obj.get("Size", 0)), str(obj.get("ETag", ""))))
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

    def read(self, path: str) -> bytes:
        """A file's bytes, from S3 or from its local copy."""
        return self.get(path) if path.startswith("s3://") else Path(path).read_bytes()

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

    def upload(self, local: Path, url: str) -> None:
        """PUT a local file as ``url``; the file becomes the object's cached copy."""
        bucket, key = split_url(url)
        with local.open("rb") as body:
            response = self.s3.put_object(Bucket=bucket, Key=key, Body=body)
        self.cache.adopt(local, url, str(response.get("ETag", "")))

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
