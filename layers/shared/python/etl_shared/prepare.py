"""Prepare: validate the landed object and plan the run (every later state reads this plan).

Rejections raise :class:`InputRejected` (the state machine quarantines the object); missing
dependencies raise :class:`DependencyNotReady` (retried). Everything rendered into SQL or job
arguments goes through :mod:`etl_shared.sql` with strict per-kind patterns.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from etl_shared.config import ConfigStore, DatasetConfig
from etl_shared.errors import ConfigError, DependencyNotReady, InputRejected, UnsafeValue
from etl_shared.objects import LandedObject
from etl_shared.runid import run_table
from etl_shared.settings import RUNS_SEGMENT, Settings
from etl_shared.sql import Placeholders, check, render, single_statement

HEAD_BYTES = 64 * 1024
DATABREW_NAME_MAX = 240


@dataclass(frozen=True)
class Head:
    size: int
    first_bytes: bytes


def _validate_csv(config: DatasetConfig, head: Head) -> None:
    decoder = codecs.getincrementaldecoder(config.csv.encoding)()
    try:
        text = decoder.decode(head.first_bytes, final=head.size <= len(head.first_bytes))
    except UnicodeDecodeError as exc:
        raise InputRejected("encoding", f"not valid {config.csv.encoding}: {exc.reason}") from exc
    lines = text.splitlines()
    if head.size > len(head.first_bytes):
        lines = lines[:-1]  # the last line may be cut by the range read
    rows = list(csv.reader(lines, delimiter=config.csv.delimiter, quotechar=config.csv.quote))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputRejected("format", "no CSV header line")
    if config.csv.header and len(rows) < 2:
        raise InputRejected("empty", "the CSV file has a header but no data rows")
    width = len(rows[0])
    if width < 2:
        raise InputRejected("format", f"header has one column; delimiter {config.csv.delimiter!r}?")
    ragged = [i + 1 for i, row in enumerate(rows) if row and len(row) != width]
    if ragged:
        raise InputRejected("format", f"rows {ragged[:5]} do not have {width} columns")


FORMAT_VALIDATORS: dict[str, Callable[[DatasetConfig, Head], None]] = {"csv": _validate_csv}


def read_head(s3: Any, obj: LandedObject) -> Head:
    """HEAD + first bytes of exactly the landed version."""
    version = {"VersionId": obj.version_id} if obj.version_id else {}
    try:
        meta = s3.head_object(Bucket=obj.bucket, Key=obj.key, **version)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NoSuchVersion", "403"}:
            raise InputRejected("missing", f"s3://{obj.bucket}/{obj.key} is not readable") from exc
        raise
    size = int(meta["ContentLength"])
    if size == 0:
        return Head(0, b"")
    body = s3.get_object(
        Bucket=obj.bucket, Key=obj.key, Range=f"bytes=0-{HEAD_BYTES - 1}", **version
    )["Body"].read()
    return Head(size, body)


def validate(config: DatasetConfig, obj: LandedObject, head: Head) -> dict[str, str]:
    """Partition values of an acceptable object; InputRejected otherwise."""
    partition = config.match_key(obj.key)
    if partition is None:
        raise InputRejected("key", f"{obj.key} does not match {config.key_pattern}")
    if head.size == 0:
        raise InputRejected("empty", "zero-byte object")
    if head.size > config.max_bytes:
        raise InputRejected("size", f"{head.size} bytes exceeds max_bytes {config.max_bytes}")
    FORMAT_VALIDATORS[config.format](config, head)
    try:
        for value in partition.values():
            check("partition_value", value)
    except UnsafeValue as exc:
        raise InputRejected("partition", str(exc)) from exc
    return partition


def _dependency_locations(config: DatasetConfig, settings: Settings, glue: Any) -> dict[str, str]:
    locations = {}
    for qualified in config.depends_on:
        zone, table = qualified.split(".", 1)
        try:
            found = glue.get_table(DatabaseName=settings.database(zone), Name=table)["Table"]
        except glue.exceptions.EntityNotFoundException as exc:
            raise DependencyNotReady(f"{config.name} needs {qualified}, not there yet") from exc
        location = found["StorageDescriptor"]["Location"]
        # The table exists from its dataset's first DDL step on, but it holds data only once
        # a run has committed (pointed it at that run's location).
        if RUNS_SEGMENT not in location:
            raise DependencyNotReady(f"{config.name} needs {qualified}, not committed yet")
        locations[f"{zone}_{table}_location"] = location
    return locations


def _placeholders(
    config: DatasetConfig,
    settings: Settings,
    run_id: str,
    partition: dict[str, str],
    dependencies: dict[str, str],
) -> Placeholders:
    typed: dict[str, tuple[str, str]] = {
        f"{zone}_database": ("identifier", db) for zone, db in settings.databases().items()
    }
    typed |= {
        "dataset": ("identifier", config.name),
        "raw_table": ("identifier", config.raw_table),
        "run_id": ("run_id", run_id),
        "run_table": ("identifier", run_table(config.name, run_id)),
        "run_location": ("location", settings.table_location("staging", config.name, run_id)),
        "lake_bucket": ("bucket", settings.lake_bucket),
    }
    typed |= {name: ("location", value) for name, value in dependencies.items()}
    for target in config.commit:
        location = settings.table_location(target.zone, target.name, run_id)
        typed[f"{target.zone}_{target.name}_location"] = ("location", location)
    typed |= {key: ("partition_value", value) for key, value in partition.items()}
    return Placeholders.build(typed)


def _s3_parts(location: str) -> dict[str, str]:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return {"Bucket": bucket, "Key": key}


def _quote(identifier: str) -> str:
    return '"' + check("identifier", identifier) + '"'


def _count_sql(database: str, table: str, keys: tuple[str, ...], partition: dict[str, str]) -> str:
    where = " AND ".join(f"{_quote(k)} = '{check('partition_value', partition[k])}'" for k in keys)
    sql = f"SELECT count(*) AS row_count FROM {_quote(database)}.{_quote(table)}"  # noqa: S608
    return f"{sql} WHERE {where}" if where else sql


def plan_run(
    config: DatasetConfig,
    store: ConfigStore,
    settings: Settings,
    obj: LandedObject,
    run_id: str,
    execution_arn: str,
    partition: dict[str, str],
    glue: Any,
) -> dict[str, Any]:
    check("run_id", run_id)
    dependencies = _dependency_locations(config, settings, glue)
    values = _placeholders(config, settings, run_id, partition, dependencies)
    try:
        steps = [
            {
                "name": path.rsplit("/", 1)[-1].removesuffix(".sql"),
                "sql": single_statement(render(store.read_text(path), values)),
            }
            for path in config.athena_steps
        ]
    except UnsafeValue as exc:
        raise ConfigError(f"{config.name}: {exc}") from exc
    dbs = settings.databases()
    commit = []
    for target in config.commit:
        location = settings.table_location(target.zone, target.name, run_id)
        missing = [k for k in target.partition_keys if k not in partition]
        if missing:
            raise ConfigError(f"{target.table}: partition keys {missing} not in the key pattern")
        values_in_order = {k: partition[k] for k in target.partition_keys}
        suffix = "".join(f"{k}={v}/" for k, v in values_in_order.items())
        commit.append(
            {
                "table": target.table,
                "database": dbs[target.zone],
                "name": target.name,
                "location": location + suffix,
                "partition": values_in_order,
            }
        )
    raw_keys = tuple(config.partition_keys)
    counts = [
        {"stage": "raw", "sql": _count_sql(dbs["raw"], config.raw_table, raw_keys, partition)}
    ]
    counts += [
        {
            "stage": c["table"],
            "sql": _count_sql(c["database"], c["name"], tuple(c["partition"]), partition),
        }
        for c in commit
    ]
    name = f"{settings.resource_prefix}-{run_id}"[:DATABREW_NAME_MAX]
    databrew: dict[str, Any] = {}
    if config.databrew is not None:
        brew = config.databrew
        output = settings.table_location(*brew.output.split(".", 1), run_id)
        databrew = {
            "dataset_name": name,
            "job_name": name,
            "recipe_name": f"{settings.resource_prefix}-{brew.recipe}",
            "input": _s3_parts(render(brew.input, values)),
            "output": {
                "Location": _s3_parts(output),
                "Format": "PARQUET",
                "Overwrite": True,
                **(
                    {"PartitionColumns": list(brew.partition_columns)}
                    if brew.partition_columns
                    else {}
                ),
            },
        }
    glue_job: dict[str, Any] = {}
    if config.glue_job is not None:
        arguments = {k: render(v, values) for k, v in config.glue_job.arguments.items()}
        glue_job = {"arguments": {"--run_id": run_id, "--dataset": config.name, **arguments}}
    return {
        "run_id": run_id,
        "execution_arn": execution_arn,
        "dataset": config.name,
        "object": obj.to_dict(),
        "partition": partition,
        "databases": dbs,
        "stages": {"databrew": bool(databrew), "glue_job": bool(glue_job)},
        "crawl": {
            "database": dbs["raw"],
            "table": config.raw_table,
            "partition": [partition[k] for k in raw_keys],
            "poll_seconds": settings.crawler_poll_seconds,
            "max_polls": settings.crawler_max_polls,
            "polls": 0,
        },
        "athena": {"steps": steps},
        "databrew": databrew,
        "glue_job": glue_job,
        "commit": commit,
        "quality": {
            "counts": counts,
            "input": "raw",
            "output": config.output_table,
            "min_rows": config.quality.min_rows,
            "max_rejected_ratio": config.quality.max_rejected_ratio,
        },
    }


def prepare(
    event: dict[str, Any], store: ConfigStore, settings: Settings, s3: Any, glue: Any
) -> dict[str, Any]:
    """The Prepare state: event = {dataset?, object, run_id, execution_arn}."""
    obj = LandedObject.from_dict(event["object"])
    config = store.for_key(obj.key)
    if config is None:
        raise InputRejected("prefix", f"{obj.key} is outside every dataset prefix")
    if event.get("dataset") and event["dataset"] != config.name:
        raise InputRejected(
            "dataset", f"{obj.key} belongs to {config.name}, not {event['dataset']}"
        )
    partition = validate(config, obj, read_head(s3, obj))
    return plan_run(
        config,
        store,
        settings,
        obj,
        event["run_id"],
        event.get("execution_arn", ""),
        partition,
        glue,
    )
