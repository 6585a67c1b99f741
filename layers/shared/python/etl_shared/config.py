"""Dataset configuration: ``datasets/<name>.yaml`` validated by ``datasets/schema.json``.

The bundle (datasets, SQL, recipes) is published to ``s3://<ArtifactsBucket>/<CONFIG_PREFIX>``
with repo-relative paths (``tools/publish_config.py``). Lambdas read it through
:class:`S3Source`; tools and tests read the working tree through :class:`DirectorySource`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import yaml

from etl_shared.errors import ConfigError

SCHEMA_PATH = "datasets/schema.json"
DATASETS_DIR = "datasets/"
ZONES = ("raw", "staging", "curated", "analytics")


class ConfigSource(Protocol):
    """Read-only view of the config bundle, addressed by repo-relative paths."""

    def read_text(self, path: str) -> str: ...

    def list(self, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class DirectorySource:
    root: Path

    def read_text(self, path: str) -> str:
        try:
            return (self.root / path).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root)).replace(os.sep, "/")
            for p in base.rglob("*")
            if p.is_file()
        )


@dataclass(frozen=True)
class S3Source:
    bucket: str
    prefix: str
    client: Any

    def _key(self, path: str) -> str:
        return f"{self.prefix.rstrip('/')}/{path}" if self.prefix.strip("/") else path

    def read_text(self, path: str) -> str:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(path))["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise ConfigError(
                f"config file not found: s3://{self.bucket}/{self._key(path)}"
            ) from exc
        return str(body.read().decode("utf-8"))

    def list(self, prefix: str) -> list[str]:
        strip = len(self._key(""))
        paginator = self.client.get_paginator("list_objects_v2")
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys += [obj["Key"][strip:] for obj in page.get("Contents", [])]
        return sorted(keys)


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    quote: str = '"'
    header: bool = True
    null_value: str = "NA"
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DataBrewConfig:
    recipe: str
    output: str
    input: str = "${run_location}"
    partition_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlueJobConfig:
    script: str
    arguments: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CommitTarget:
    table: str  # <zone>.<table>
    partition_keys: tuple[str, ...]

    @property
    def zone(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]


@dataclass(frozen=True)
class QualityConfig:
    min_rows: int = 1
    max_rejected_ratio: float = 0.0
    output: str | None = None


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    raw_prefix: str
    key_pattern: str
    format: str
    csv: CsvOptions
    max_bytes: int
    raw_table: str
    partition_keys: tuple[str, ...]
    reference: bool
    depends_on: tuple[str, ...]
    athena_steps: tuple[str, ...]
    databrew: DataBrewConfig | None
    glue_job: GlueJobConfig | None
    commit: tuple[CommitTarget, ...]
    quality: QualityConfig

    def match_key(self, key: str) -> dict[str, str] | None:
        """Partition values captured by ``key_pattern``, or None when the key does not match."""
        found = re.fullmatch(self.key_pattern, key)
        return None if found is None else {k: v for k, v in found.groupdict().items() if v}

    @property
    def output_table(self) -> str | None:
        if self.quality.output:
            return self.quality.output
        return self.commit[0].table if self.commit else None


def _build(doc: dict[str, Any]) -> DatasetConfig:
    partition_keys = tuple(doc.get("partition_keys", []))
    reference = bool(doc.get("reference", False))
    brew = doc.get("databrew")
    job = doc.get("glue_job")
    default_keys = () if reference else partition_keys
    return DatasetConfig(
        name=doc["name"],
        raw_prefix=doc["raw_prefix"],
        key_pattern=doc["key_pattern"],
        format=doc["format"],
        csv=CsvOptions(**doc.get("csv", {})),
        max_bytes=int(doc.get("max_bytes", 1 << 30)),
        raw_table=doc.get("raw_table", doc["name"]),
        partition_keys=partition_keys,
        reference=reference,
        depends_on=tuple(doc.get("depends_on", [])),
        athena_steps=tuple(doc.get("athena_steps", [])),
        databrew=None
        if brew is None
        else DataBrewConfig(
            recipe=brew["recipe"],
            output=brew["output"],
            input=brew.get("input", "${run_location}"),
            partition_columns=tuple(brew.get("partition_columns", [])),
        ),
        glue_job=None
        if job is None
        else GlueJobConfig(script=job["script"], arguments=dict(job.get("arguments", {}))),
        commit=tuple(
            CommitTarget(
                table=c["table"], partition_keys=tuple(c.get("partition_keys", default_keys))
            )
            for c in doc.get("commit", [])
        ),
        quality=QualityConfig(**doc.get("quality", {})),
    )


def _check_semantics(doc: dict[str, Any], path: str) -> None:
    """What JSON Schema cannot say: consistency between fields."""
    problems: list[str] = []
    if not path.endswith(f"/{doc['name']}.yaml"):
        problems.append(f"name {doc['name']!r} does not match the file name")
    try:
        groups = set(re.compile(doc["key_pattern"]).groupindex)
    except re.error as exc:
        problems.append(f"key_pattern is not a valid regex: {exc}")
        groups = set()
    if not doc["key_pattern"].startswith("^" + doc["raw_prefix"]):
        problems.append("key_pattern must start with ^ and the raw_prefix")
    keys = set(doc.get("partition_keys", []))
    if groups != keys:
        problems.append(f"key_pattern groups {sorted(groups)} != partition_keys {sorted(keys)}")
    if doc.get("reference") and keys:
        problems.append("a reference dataset has no partition_keys")
    commits = {c["table"] for c in doc.get("commit", [])}
    brew = doc.get("databrew")
    if brew and brew["output"] not in commits:
        problems.append(f"databrew.output {brew['output']} is not a commit table")
    output = doc.get("quality", {}).get("output")
    if output and output not in commits and output.split(".")[0] != "raw":
        problems.append(f"quality.output {output} is not a commit table")
    if set(doc.get("depends_on", [])) & commits:
        problems.append("a table cannot be both a dependency and a commit target")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))


class ConfigStore:
    """All dataset configurations of one bundle, validated once."""

    def __init__(self, source: ConfigSource) -> None:
        self.source = source
        self._schema = json.loads(source.read_text(SCHEMA_PATH))
        self._validator = jsonschema.Draft202012Validator(self._schema)
        self.datasets: dict[str, DatasetConfig] = {}
        for path in source.list(DATASETS_DIR):
            if path.endswith(".yaml"):
                config = self.parse(path, source.read_text(path))
                self.datasets[config.name] = config

    def parse(self, path: str, text: str) -> DatasetConfig:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        errors = sorted(self._validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [
                f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
            ]
            raise ConfigError(f"{path}: " + "; ".join(lines))
        _check_semantics(doc, path)
        return _build(doc)

    def get(self, name: str) -> DatasetConfig:
        try:
            return self.datasets[name]
        except KeyError as exc:
            raise ConfigError(f"unknown dataset {name!r}") from exc

    def for_key(self, key: str) -> DatasetConfig | None:
        """The dataset whose raw prefix owns ``key`` (longest prefix wins)."""
        owners = [d for d in self.datasets.values() if key.startswith(d.raw_prefix)]
        return max(owners, key=lambda d: len(d.raw_prefix)) if owners else None

    def read_text(self, path: str) -> str:
        return self.source.read_text(path)


@lru_cache(maxsize=4)
def _cached_store(bucket: str, prefix: str) -> ConfigStore:
    import boto3

    return ConfigStore(S3Source(bucket, prefix, boto3.client("s3")))


def load_store(env: dict[str, str] | None = None) -> ConfigStore:
    """The bundle named by CONFIG_BUCKET/CONFIG_PREFIX, cached per container."""
    env = dict(os.environ) if env is None else env
    bucket = env.get("CONFIG_BUCKET")
    if not bucket:
        raise ConfigError("CONFIG_BUCKET is not set")
    return _cached_store(bucket, env.get("CONFIG_PREFIX", "config/"))


def clear_cache() -> None:
    _cached_store.cache_clear()
