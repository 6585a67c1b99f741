"""DataBrew job runs: the lifecycle DescribeJobRun shows, and the work a run does.

    STARTING -> RUNNING -> SUCCEEDED | FAILED | TIMEOUT | STOPPING -> STOPPED

A recipe job reads its dataset, applies the recipe version it references (compiled to one
DuckDB query) and writes each output; a profile job writes the dataset's profile report.
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from etl_local.awserrors import AwsError, ValidationException
from etl_local.databrew import profile, storage
from etl_local.databrew.base import ident, lit
from etl_local.databrew.recipe import check_recipe, compile_recipe
from etl_local.databrew.render import render_html, render_png

TRANSITIONS: dict[str, frozenset[str]] = {
    "STARTING": frozenset({"RUNNING", "STOPPED", "FAILED", "TIMEOUT"}),
    "RUNNING": frozenset({"SUCCEEDED", "FAILED", "STOPPING", "TIMEOUT"}),
    "STOPPING": frozenset({"STOPPED", "FAILED", "SUCCEEDED"}),
    "SUCCEEDED": frozenset(),
    "FAILED": frozenset(),
    "STOPPED": frozenset(),
    "TIMEOUT": frozenset(),
}
ACTIVE = frozenset({"STARTING", "RUNNING", "STOPPING"})
INPUT = "brew_input"
CACHED = "brew_input_rows"


class RunStopped(Exception):
    """The run was stopped or timed out while its query ran."""


@dataclass
class JobRun:
    """One run of a job, as DescribeJobRun reports it."""

    job_name: str
    job: Mapping[str, Any]
    run_id: str = field(default_factory=lambda: "db_" + uuid.uuid4().hex)
    state: str = "STARTING"
    started_on: float = field(default_factory=time.time)
    completed_on: float | None = None
    error_message: str | None = None
    cancel_state: str | None = None  # STOPPED or TIMEOUT, once asked
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    connection: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def move(self, state: str, error: str | None = None) -> None:
        with self.lock:
            if state not in TRANSITIONS[self.state]:
                return  # a late transition after stop/timeout loses
            self.state = state
            if error:
                self.error_message = error
            if not TRANSITIONS[state]:
                self.completed_on = time.time()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def cancel(self, final: str) -> None:
        """Stops the run's work; it ends in ``final`` (STOPPED or TIMEOUT)."""
        with self.lock:
            self.cancel_state = final
            con = self.connection
        if final == "STOPPED":
            self.move("STOPPING")
        if con is not None:
            con.interrupt()

    def describe(self) -> dict[str, Any]:
        job = self.job
        out: dict[str, Any] = {
            "Attempt": 0,
            "JobName": self.job_name,
            "RunId": self.run_id,
            "State": self.state,
            "StartedOn": self.started_on,
            "DatasetName": job.get("DatasetName"),
            "RecipeReference": job.get("RecipeReference"),
            "Outputs": job.get("Outputs"),
            "DataCatalogOutputs": job.get("DataCatalogOutputs"),
            "LogSubscription": job.get("LogSubscription"),
        }
        if job.get("Type") == "PROFILE":
            out["ProfileConfiguration"] = job.get("Configuration")
        if self.completed_on is not None:
            out["CompletedOn"] = self.completed_on
            out["ExecutionTime"] = int(round(self.completed_on - self.started_on))
        if self.error_message:
            out["ErrorMessage"] = self.error_message
        return {k: v for k, v in out.items() if v is not None}


# ----------------------------------------------------------------------------- the work


@dataclass
class Services:
    """What a run reads and writes through: boto3 clients and the S3 endpoint."""

    databrew: Any  # passthrough: the stored definitions
    s3: Any
    glue: Any
    endpoint_url: str
    region: str = "us-east-1"


def _client_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response:
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return str(exc)


def load_input(
    con: duckdb.DuckDBPyConnection,
    services: Services,
    dataset: Mapping[str, Any],
    view: str = INPUT,
) -> None:
    """Creates view ``view`` (default ``brew_input``) over the dataset's data."""
    source = dataset.get("Input") or {}
    options = dataset.get("FormatOptions") or {}
    if "S3InputDefinition" in source:
        s3_input = source["S3InputDefinition"]
        data_format = dataset.get("Format") or storage.format_of(s3_input["Key"])
        urls, values = storage.resolve_s3_input(
            services.s3, s3_input["Bucket"], s3_input.get("Key", ""), dataset.get("PathOptions")
        )
        if not urls:
            raise ValidationException(
                f"No input files at s3://{s3_input['Bucket']}/{s3_input.get('Key', '')}."
            )
        if data_format == "EXCEL":
            storage.register_excel(con, f"{view}_excel", _get(services, urls[0]), options)
            con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {view}_excel")
            return
        created = _created_parameters(dataset)
        if data_format == "ORC":
            files = [(url, _get(services, url)) for url in urls]
            storage.register_orc(con, f"{view}_orc", files)
            reader = f"{view}_orc" if created else f"(SELECT * EXCLUDE (filename) FROM {view}_orc)"
        else:
            reader = storage.reader_sql(urls, data_format, options, filename=bool(created))
        con.execute(f"CREATE OR REPLACE VIEW {view} AS {_with_parameters(reader, created, values)}")
        return
    if "DataCatalogInputDefinition" in source:
        catalog = source["DataCatalogInputDefinition"]
        table = services.glue.get_table(
            DatabaseName=catalog["DatabaseName"], Name=catalog["TableName"]
        )["Table"]
        location = table["StorageDescriptor"]["Location"]
        bucket, _, key = location[5:].partition("/")
        urls, _ = storage.resolve_s3_input(services.s3, bucket, key.rstrip("/") + "/")
        if _catalog_format(table) == "ORC":
            storage.register_orc(con, f"{view}_orc", [(u, _get(services, u)) for u in urls])
            reader = f"(SELECT * EXCLUDE (filename) FROM {view}_orc)"
        else:
            reader = storage.reader_sql(urls, _catalog_format(table), _catalog_options(table))
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {reader}")
        return
    raise ValidationException("Only S3 and Data Catalog dataset inputs are supported locally.")


def _get(services: Services, url: str) -> bytes:
    bucket, _, key = url[5:].partition("/")
    body: bytes = services.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def _created_parameters(dataset: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Dynamic-path parameters whose values become columns (``CreateColumn``), by group."""
    definitions = storage.parameter_definitions(dataset.get("PathOptions"))
    return {group: p for group, p in definitions.items() if p.get("CreateColumn")}


def _with_parameters(
    reader: str, created: Mapping[str, Mapping[str, Any]], values: Mapping[str, Mapping[str, str]]
) -> str:
    """SELECT over ``reader`` adding each created parameter's typed value (from the key)."""
    if not created:
        return f"SELECT * FROM {reader}"
    rows = ", ".join(
        "("
        + ", ".join(
            [lit(url)] + [storage.parameter_sql(v.get(g, ""), p) for g, p in created.items()]
        )
        + ")"
        for url, v in values.items()
    )
    names = ", ".join(["filename"] + [ident(p["Name"]) for p in created.values()])
    return (
        f"SELECT r.* EXCLUDE (filename), p.* EXCLUDE (filename) FROM {reader} AS r "
        f"JOIN (VALUES {rows}) AS p({names}) USING (filename)"
    )


def _catalog_format(table: Mapping[str, Any]) -> str:
    descriptor = table.get("StorageDescriptor") or {}
    text = " ".join(
        [
            descriptor.get("InputFormat", ""),
            (descriptor.get("SerdeInfo") or {}).get("SerializationLibrary", ""),
        ]
    ).lower()
    for token, data_format in (("parquet", "PARQUET"), ("json", "JSON"), ("orc", "ORC")):
        if token in text:
            return data_format
    return "CSV"


def _catalog_options(table: Mapping[str, Any]) -> dict[str, Any]:
    serde = ((table.get("StorageDescriptor") or {}).get("SerdeInfo") or {}).get("Parameters") or {}
    header = (table.get("Parameters") or {}).get("skip.header.line.count", "0") != "0"
    return {"Csv": {"Delimiter": serde.get("field.delim", ","), "HeaderRow": header}}


def _recipe_steps(services: Services, job: Mapping[str, Any]) -> list[dict[str, Any]]:
    reference = job.get("RecipeReference") or {}
    if not reference.get("Name"):
        raise ValidationException(
            "Recipe jobs without a RecipeReference (project jobs) are not supported locally."
        )
    kwargs = {"Name": reference["Name"]}
    if reference.get("RecipeVersion"):
        kwargs["RecipeVersion"] = reference["RecipeVersion"]
    steps: list[dict[str, Any]] = services.databrew.describe_recipe(**kwargs).get("Steps") or []
    return steps


def _clear(s3: Any, bucket: str, prefix: str) -> None:
    keys = [
        {"Key": o["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for o in page.get("Contents", [])
    ]
    for start in range(0, len(keys), 1000):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True}
        )


class SecondaryDatasets:
    """JOIN/UNION's other datasets: a DataBrew dataset by name, else the S3 location."""

    def __init__(self, con: duckdb.DuckDBPyConnection, services: Services) -> None:
        self.con, self.services = con, services
        self.loaded: dict[tuple[str | None, str | None], str] = {}

    def __call__(self, name: str | None, location: str | None) -> str:
        key = (name, location)
        if key in self.loaded:
            return self.loaded[key]
        view = f"brew_secondary_{len(self.loaded)}"
        dataset: dict[str, Any] | None = None
        if name:
            try:
                dataset = self.services.databrew.describe_dataset(Name=name)
            except Exception:  # not a stored dataset: fall back to the location
                dataset = None
        if dataset is None and location and location.startswith("s3://"):
            bucket, _, key_name = location[5:].partition("/")
            dataset = {"Input": {"S3InputDefinition": {"Bucket": bucket, "Key": key_name}}}
        if dataset is None:
            raise ValidationException(f"Secondary dataset {name or location} was not found.")
        load_input(self.con, self.services, dataset, view)
        self.loaded[key] = view
        return view


def run_recipe_job(con: duckdb.DuckDBPyConnection, services: Services, run: JobRun) -> None:
    job = run.job
    dataset = services.databrew.describe_dataset(Name=job["DatasetName"])
    steps = _recipe_steps(services, job)
    load_input(con, services, dataset)
    secondary = SecondaryDatasets(con, services)
    checked = check_recipe(con, INPUT, steps, secondary)  # every step, before any row is read
    outputs = _outputs(services, job)  # and every output
    # Read the input once: statistics at compile time would re-read S3 each time.
    con.execute(f"CREATE TEMP TABLE {CACHED} AS SELECT * FROM {INPUT}")
    compiled = compile_recipe(con, CACHED, steps, secondary=secondary, checked=checked)
    _check_partition_columns(outputs, [c.name for c in compiled.columns])
    query = compiled.sql
    if len(outputs) > 1:
        con.execute(f"CREATE TEMP TABLE brew_result AS {query}")
        query = "SELECT * FROM brew_result"
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(run.started_on))
    for output, fmt in outputs:
        location = output["Location"]
        prefix = location.get("Key", "")
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        if output.get("Overwrite"):
            _clear(services.s3, location["Bucket"], prefix)
        storage.write_output(
            con,
            query,
            f"s3://{location['Bucket']}/{prefix}",
            fmt,
            output.get("PartitionColumns"),
            f"{run.job_name}_{stamp}",
            put=lambda url, data: _put(services, url, data),
        )


def _put(services: Services, url: str, data: bytes) -> None:
    bucket, _, key = url[5:].partition("/")
    services.s3.put_object(Bucket=bucket, Key=key, Body=data)


MAX_OUTPUT_FILES = 999  # DataBrew's range for MaxOutputFiles: 1..999


def _outputs(
    services: Services, job: Mapping[str, Any]
) -> list[tuple[Mapping[str, Any], storage.OutputFormat]]:
    """Every output the job writes (S3, Data Catalog), checked before any row is read."""
    for database_output in job.get("DatabaseOutputs") or []:
        _check_database_output(services, database_output)
    outputs = list(job.get("Outputs") or [])
    outputs += [_catalog_output(services, o) for o in job.get("DataCatalogOutputs") or []]
    if not outputs:
        raise ValidationException("The job has no Outputs or DataCatalogOutputs.")
    checked = []
    for number, output in enumerate(outputs, start=1):
        if not (output.get("Location") or {}).get("Bucket"):
            raise ValidationException(f"Output {number} has no Location with a Bucket.")
        files = output.get("MaxOutputFiles")
        if files is not None and not 1 <= int(files) <= MAX_OUTPUT_FILES:
            raise ValidationException(
                f"Value '{files}' at 'outputs.{number}.member.maxOutputFiles' failed to satisfy "
                f"constraint: Member must have value between 1 and {MAX_OUTPUT_FILES}"
            )
        fmt = storage.output_format(
            output.get("Format"), output.get("CompressionFormat"), output.get("FormatOptions")
        )
        checked.append((output, fmt))
    return checked


def _check_partition_columns(
    outputs: list[tuple[Mapping[str, Any], storage.OutputFormat]], columns: list[str]
) -> None:
    """Partition columns must be columns of the recipe's output (known once it is compiled:
    one-hot encoding's columns depend on the data)."""
    for number, (output, _) in enumerate(outputs, start=1):
        for column in output.get("PartitionColumns") or []:
            if column not in columns:
                raise ValidationException(
                    f"Partition column '{column}' of output {number} is not a column of the "
                    "recipe's output."
                )


def _check_database_output(services: Services, output: Mapping[str, Any]) -> None:
    """A JDBC output through a Glue connection: its shape and connection are checked as
    DataBrew checks them; the write itself needs a database the local runtime does not
    have, so the run fails saying so instead of pretending the rows were written."""
    name = output.get("GlueConnectionName")
    table = (output.get("DatabaseOptions") or {}).get("TableName")
    missing = [
        key
        for key, value in (("GlueConnectionName", name), ("DatabaseOptions.TableName", table))
        if not value
    ]
    if missing:
        raise ValidationException(f"DatabaseOutputs: missing required {', '.join(missing)}.")
    mode = output.get("DatabaseOutputMode", "NEW_TABLE")
    if mode != "NEW_TABLE":
        raise ValidationException(
            f"Value '{mode}' at 'databaseOutputs.member.databaseOutputMode' failed to satisfy "
            "constraint: Member must satisfy enum value set: [NEW_TABLE]"
        )
    try:
        services.glue.get_connection(Name=name)
    except Exception as exc:
        raise ValidationException(
            f"Glue connection {name} of a DatabaseOutput was not found ({_client_error(exc)})."
        ) from exc
    raise ValidationException(
        f"DatabaseOutputs (table {table} through Glue connection {name}) are not supported by "
        "the local DataBrew runtime: it has no JDBC databases. Use Outputs or "
        "DataCatalogOutputs to write to S3."
    )


def _catalog_output(services: Services, output: Mapping[str, Any]) -> dict[str, Any]:
    """A DataCatalogOutput as an S3 output: the table's location (or ``S3Options``), its
    format and partition keys."""
    table = services.glue.get_table(DatabaseName=output["DatabaseName"], Name=output["TableName"])[
        "Table"
    ]
    location = (output.get("S3Options") or {}).get("Location")
    if location is None:
        bucket, _, key = table["StorageDescriptor"]["Location"][5:].partition("/")
        location = {"Bucket": bucket, "Key": key}
    partitions = [k["Name"] for k in table.get("PartitionKeys") or []]
    return {
        "Location": location,
        "Format": _catalog_format(table),
        "Overwrite": bool(output.get("Overwrite")),
        **({"PartitionColumns": partitions} if partitions else {}),
    }


DEFAULT_PROFILE_ROWS = 20_000  # JobSample's default: CUSTOM_ROWS of this size


def run_profile_job(con: duckdb.DuckDBPyConnection, services: Services, run: JobRun) -> None:
    job = run.job
    dataset = services.databrew.describe_dataset(Name=job["DatasetName"])
    load_input(con, services, dataset)
    # JobSample: DataBrew profiles the first 20,000 rows unless told otherwise. The sample is
    # taken once, so every statistic describes the same rows.
    sample = job.get("JobSample") or {}
    limit = ""
    if sample.get("Mode", "CUSTOM_ROWS") == "CUSTOM_ROWS":
        limit = f" LIMIT {int(sample.get('Size') or DEFAULT_PROFILE_ROWS)}"
    con.execute(f"CREATE TEMP TABLE brew_sample AS SELECT * FROM {INPUT}{limit}")
    report = profile.profile(
        con,
        "brew_sample",
        dataset_name=job["DatasetName"],
        job_name=run.job_name,
        run_id=run.run_id,
        profile_columns=(job.get("Configuration") or {}).get("ProfileColumns"),
    )
    location = job.get("OutputLocation") or {}
    prefix = location.get("Key", "")
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(run.started_on))
    stem = f"{prefix}{job['DatasetName']}_{stamp}_{run.run_id}"
    # DataBrew's JSON report, and next to it the pictures a person can look at
    files = {
        ".json": json.dumps(report, indent=1).encode(),
        ".html": render_html(report).encode(),
        ".png": render_png(report),
    }
    for suffix, body in files.items():
        services.s3.put_object(Bucket=location["Bucket"], Key=stem + suffix, Body=body)


WORK: dict[str, Callable[[duckdb.DuckDBPyConnection, Services, JobRun], None]] = {
    "RECIPE": run_recipe_job,
    "PROFILE": run_profile_job,
}


def execute(run: JobRun, services: Services) -> None:
    """Runs the job to a final state (called on the run's own thread)."""
    try:
        con = storage.connect(services.endpoint_url, services.region)
    except Exception as exc:  # even a failure to start ends the run
        _finish(run, f"The job run could not start: {exc}")
        return
    with run.lock:
        run.connection = con
        cancelled = run.cancel_state is not None
    try:
        if cancelled:
            _finish(run, None)
            return
        run.move("RUNNING")
        WORK[run.job.get("Type", "RECIPE")](con, services, run)
    except AwsError as exc:
        _finish(run, f"{exc.code}: {exc.message}")
    except duckdb.InterruptException:
        _finish(run, None)
    except Exception as exc:  # the run fails with the cause, as DataBrew reports it
        _finish(run, _client_error(exc))
    else:
        if run.cancel_state:
            _finish(run, None)
        else:
            run.move("SUCCEEDED")
    finally:
        with run.lock:
            run.connection = None
        con.close()


def _finish(run: JobRun, error: str | None) -> None:
    if run.cancel_state == "TIMEOUT":
        minutes = run.job.get("Timeout")
        run.move("TIMEOUT", f"Job run timed out after {minutes} minutes." if minutes else None)
    elif run.cancel_state == "STOPPED":
        run.move("STOPPED")
    else:
        run.move("FAILED", error or "The job run failed.")
