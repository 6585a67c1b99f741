"""The crawl engine: objects -> classified files -> tables and partitions (Glue's shapes).

``plan_target`` is pure over an ``ObjectStore`` (S3 or a local folder); ``Crawler`` runs a
crawler definition against S3 and writes the result through the Glue API (``catalog``).
No moto here: everything goes through the boto3 clients it is given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from etl_local.glue.catalog import CatalogWriter, CrawlOutcome
from etl_local.glue.classifiers import TextClassifier, classify_object, custom_classifiers
from etl_local.glue.classifiers.base import UNKNOWN, Classification, unknown
from etl_local.glue.layout import (
    DataFile,
    TableGroup,
    excluded,
    glob_regex,
    group_by_level,
    group_tables,
    is_data_key,
    table_name,
    unique_names,
)
from etl_local.glue.sampling import plan_sample
from etl_local.glue.settings import CrawlerSettings, S3Target
from etl_local.glue.specs import PartitionSpec, TableSpec
from etl_local.glue.storage import ObjectStore, S3Store, StoredObject, split_s3_uri
from etl_local.glue.types import GlueType, merge, render

READ_THREADS = 8
CRAWLER_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Target:
    """One include path over a store: bucket-relative ``prefix``; ``name`` of its folder."""

    store: ObjectStore
    prefix: str
    name: str
    exclusions: tuple[str, ...] = ()
    sample_size: int | None = None

    @classmethod
    def from_s3(cls, client: Any, target: S3Target) -> Target:
        bucket, key = split_s3_uri(target.path)
        prefix = key.strip("/")
        name = prefix.rpartition("/")[2] or bucket
        return cls(S3Store(client, bucket), prefix, name, target.exclusions, target.sample_size)


# --------------------------------------------------------------------------- listing


def _listed(target: Target, seen: frozenset[str]) -> list[StoredObject]:
    base = f"{target.prefix}/" if target.prefix else ""
    patterns = [glob_regex(p) for p in target.exclusions]
    objects = []
    for obj in target.store.list(base):
        rel = obj.key[len(base) :]
        folder = obj.key.rpartition("/")[0]
        wanted = obj.size > 0 and is_data_key(rel) and not excluded(rel, patterns)
        if wanted and folder not in seen:
            objects.append(obj)
    return objects


def classify_all(
    target: Target, seen: frozenset[str] = frozenset(), custom: Sequence[TextClassifier] = ()
) -> list[DataFile]:
    objects = _listed(target, seen)
    sample = plan_sample(objects, target.sample_size)

    def classify(obj: StoredObject) -> Classification:
        try:
            return classify_object(target.store, obj, custom)
        except (OSError, ClientError):  # unreadable (permissions, gone since the listing)
            return unknown()

    with ThreadPoolExecutor(READ_THREADS) as pool:
        classified = pool.map(classify, sample.read)
        found = dict(zip((o.key for o in sample.read), classified, strict=True))
    base = len(target.prefix) + 1 if target.prefix else 0
    files = []
    for obj in objects:
        cls = found.get(obj.key) or dataclasses.replace(found[sample.donors[obj.key]], exact=False)
        files.append(DataFile(obj.key, obj.key[base:], obj.size, cls))
    return files


# --------------------------------------------------------------------------- specs


def merged_columns(files: list[DataFile]) -> list[tuple[str, GlueType]]:
    """Columns in order of first appearance; types merged across files (widening)."""
    merged: dict[str, GlueType] = {}
    for item in files:
        for name, kind in item.classification.columns:
            merged[name] = merge(merged[name], kind) if name in merged else kind
    return list(merged.items())


def statistics(files: list[DataFile]) -> dict[str, str]:
    sample_bytes = sum(f.classification.sample_bytes for f in files)
    sample_records = sum(f.classification.records for f in files)
    return {
        "recordCount": str(sum(f.classification.estimated_records(f.size) for f in files)),
        "averageRecordSize": str(round(sample_bytes / sample_records) if sample_records else 0),
        "objectCount": str(len(files)),
        "sizeKey": str(sum(f.size for f in files)),
    }


def parameters(crawler: str, cls: Classification, files: list[DataFile]) -> dict[str, str]:
    params = {
        "classification": cls.classification,
        "compressionType": cls.compression,
        "typeOfData": "file",
        "CrawlerSchemaDeserializerVersion": CRAWLER_SCHEMA_VERSION,
        "CrawlerSchemaSerializerVersion": CRAWLER_SCHEMA_VERSION,
        **cls.parameters,
        **statistics(files),
    }
    if crawler:
        params["UPDATED_BY_CRAWLER"] = crawler
    return params


def storage_descriptor(
    columns: list[tuple[str, GlueType]], location: str, cls: Classification, params: dict[str, str]
) -> dict[str, Any]:
    storage: dict[str, Any] = {
        "Columns": [{"Name": name, "Type": render(kind)} for name, kind in columns],
        "Location": location,
        "Compressed": cls.compression != "none",
        "NumberOfBuckets": -1,
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": params,
        "StoredAsSubDirectories": False,
    }
    if cls.storage:
        storage["InputFormat"] = cls.storage.input_format
        storage["OutputFormat"] = cls.storage.output_format
        storage["SerdeInfo"] = {
            "SerializationLibrary": cls.storage.serde,
            "Parameters": dict(cls.storage.serde_parameters),
        }
    return storage


def _location(store: ObjectStore, group: TableGroup, folder: str = "") -> str:
    if group.is_file:
        return store.uri(group.root)
    path = "/".join(p for p in (group.root, folder) if p)
    return store.uri(f"{path}/" if path else "")


def _representative(files: list[DataFile]) -> Classification:
    known = [f.classification for f in files if f.classification.classification != UNKNOWN]
    return known[0] if known else files[0].classification


def table_spec(
    store: ObjectStore, group: TableGroup, crawler: str, inherit: bool, prefix: str = ""
) -> TableSpec:
    cls = _representative(group.files)
    columns = merged_columns(group.files)
    params = parameters(crawler, cls, group.files)
    spec = TableSpec(
        prefix + group.name,
        columns,
        group.partition_keys,
        storage_descriptor(columns, _location(store, group), cls, params),
        params,
    )
    for values, files in sorted(group.partitions.items()):
        if not group.partition_keys:
            continue
        folder = "/".join(files[0].key.rpartition("/")[0].split("/")[-len(values) :])
        part_cls = _representative(files)
        part_columns = columns if inherit else merged_columns(files)
        part_params = parameters(crawler, part_cls, files)
        spec.partitions.append(
            PartitionSpec(
                list(values),
                storage_descriptor(
                    part_columns, _location(store, group, folder), part_cls, part_params
                ),
                part_params,
                files[0].key.rpartition("/")[0],
            )
        )
    return spec


def plan_target(
    target: Target,
    crawler: str = "",
    combine: bool = False,
    inherit: bool = False,
    table_prefix: str = "",
    table_level: int | None = None,
    seen: frozenset[str] = frozenset(),
    custom: Sequence[TextClassifier] = (),
) -> list[TableSpec]:
    """The tables (with partitions) a crawl of ``target`` defines."""
    files = classify_all(target, seen, custom)
    if table_level:
        groups = group_by_level(files, target.prefix, table_level, combine)
    else:
        groups = group_tables(files, target.prefix, table_name(target.name), combine)
    unique_names(groups)
    return [table_spec(target.store, g, crawler, inherit, table_prefix) for g in groups]


def plan(
    settings: CrawlerSettings,
    s3_client: Any,
    seen: frozenset[str] = frozenset(),
    classifiers: Sequence[dict[str, Any]] = (),
) -> list[TableSpec]:
    """``classifiers``: the definitions (GetClassifier shapes) of the crawler's Classifiers."""
    custom = custom_classifiers(classifiers)
    specs: list[TableSpec] = []
    for s3_target in settings.targets:
        specs += plan_target(
            Target.from_s3(s3_client, s3_target),
            settings.name,
            settings.combine_schemas,
            settings.inherit_from_table,
            settings.table_prefix,
            settings.table_level,
            seen if settings.new_folders_only else frozenset(),
            custom,
        )
    return _dedupe(specs)


def _dedupe(specs: list[TableSpec]) -> list[TableSpec]:
    names: dict[str, int] = {}
    for spec in specs:
        names[spec.name] = names.get(spec.name, 0) + 1
        if names[spec.name] > 1:
            location = spec.storage["Location"]
            digest = hashlib.md5(location.encode(), usedforsecurity=False).hexdigest()[:8]
            spec.name = f"{spec.name}_{digest}"
    return specs


def folders(specs: list[TableSpec]) -> Iterator[str]:
    """Bucket-qualified leaf folders the specs cover (an incremental crawl skips them later)."""
    for spec in specs:
        for partition in spec.partitions:
            yield partition.folder
        if not spec.partitions:
            location = spec.storage["Location"]
            yield re.sub(r"^s3://[^/]+/", "", location).rstrip("/")


@dataclass
class CrawlResult:
    outcome: CrawlOutcome
    folders: frozenset[str]  # leaf folders crawled (an incremental crawl skips them next time)
    tables: list[TableSpec]


def crawl(
    settings: CrawlerSettings,
    s3_client: Any,
    glue_client: Any,
    seen: frozenset[str] = frozenset(),
    classifiers: Sequence[dict[str, Any]] = (),
) -> CrawlResult:
    """Run one crawl of ``settings``' S3 targets and write the result to the catalog."""
    specs = plan(settings, s3_client, seen, classifiers)
    outcome = CatalogWriter(glue_client, settings).apply(specs, not settings.new_folders_only)
    return CrawlResult(outcome, frozenset(folders(specs)) | seen, specs)
