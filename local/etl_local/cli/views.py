"""What the CLI shows: the live view of executions, summaries, query results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from etl_local.graph import StateRun, state_runs
from etl_local.runtime import TERMINAL, LocalRuntime

STYLES = {
    "SUCCEEDED": "green",
    "FAILED": "red",
    "TIMED_OUT": "red",
    "ABORTED": "red",
    "RUNNING": "cyan",
    "PENDING_REDRIVE": "yellow",
}

Refresh = Callable[[LocalRuntime, list[dict[str, Any]]], None]


def _seconds(execution: dict[str, Any]) -> str:
    start, stop = execution.get("startDate"), execution.get("stopDate")
    if start is None or stop is None:
        return ""
    return f"{(stop - start).total_seconds():.1f}s"


def _runs_line(runs: list[StateRun]) -> str:
    parts = []
    for run in runs:
        style = STYLES.get(run.status, "white")
        took = f" {run.seconds:.1f}s" if run.seconds is not None else " ..."
        parts.append(f"[{style}]{run.name}{took}[/{style}]")
    return " > ".join(parts[-12:])


def execution_view(
    runtime: LocalRuntime,
    executions: list[dict[str, Any]],
    cache: dict[str, list[StateRun]] | None = None,
) -> Table:
    """One row per execution with its states; ``cache`` keeps finished executions' runs."""
    cache = {} if cache is None else cache
    table = Table(title="executions", expand=True)
    table.add_column("execution", overflow="fold", ratio=2)
    table.add_column("status")
    table.add_column("time")
    table.add_column("states (status, duration)", ratio=5)
    for execution in executions:
        arn = execution["executionArn"]
        runs = cache.get(arn) or state_runs(runtime.history(arn))
        if execution["status"] in TERMINAL:
            cache[arn] = runs
        status = execution["status"]
        style = STYLES.get(status, "white")
        table.add_row(
            execution["name"], f"[{style}]{status}[/{style}]", _seconds(execution), _runs_line(runs)
        )
    return table


@contextmanager
def live_view(console: Console) -> Iterator[Refresh]:
    """A live table of the executions; ``refresh`` redraws it (throttled)."""
    state = {"last": 0.0}
    finished: dict[str, list[StateRun]] = {}
    with Live(Table(), console=console, refresh_per_second=4, transient=True) as live:

        def refresh(runtime: LocalRuntime, executions: list[dict[str, Any]]) -> None:
            import time

            now = time.monotonic()
            done = all(e["status"] in TERMINAL for e in executions)
            if now - state["last"] < 1.0 and not done:
                return
            state["last"] = now
            live.update(execution_view(runtime, executions, finished))

        yield refresh


def execution_table(executions: list[dict[str, Any]]) -> Table:
    table = Table(title="executions")
    for column in ("name", "status", "started", "time", "redrives"):
        table.add_column(column)
    for e in executions:
        style = STYLES.get(e["status"], "white")
        table.add_row(
            e["name"],
            f"[{style}]{e['status']}[/{style}]",
            e["startDate"].strftime("%Y-%m-%d %H:%M:%S"),
            _seconds(e),
            str(e.get("redriveCount", 0)),
        )
    return table


def _numbers(document: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(document, int | float) and not isinstance(document, bool):
        yield prefix, document


def _manifests(runtime: LocalRuntime) -> dict[str, dict[str, Any]]:
    """Run manifests in the lake bucket, by run folder (``_manifests/<dataset>/<run>/``)."""
    s3 = runtime.client("s3")
    found: dict[str, dict[str, Any]] = {}
    try:
        lake = runtime.bucket("LakeBucket")
    except KeyError:
        return found
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=lake, Prefix="_manifests/"):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".json"):
                body = s3.get_object(Bucket=lake, Key=obj["Key"])["Body"].read()
                try:
                    found[obj["Key"]] = json.loads(body)
                except json.JSONDecodeError:
                    continue
    return found


def summary_tables(
    runtime: LocalRuntime, executions: list[dict[str, Any]], landings: list[Any]
) -> list[Any]:
    view = execution_view(runtime, executions)
    view.title = "pipeline runs"
    counts = Table(title="row counts (run manifests)")
    counts.add_column("manifest", overflow="fold")
    counts.add_column("count", overflow="fold")
    names = {e["name"] for e in executions}
    for key, document in sorted(_manifests(runtime).items()):
        if names and not any(n in json.dumps(document) for n in names):
            continue
        lines = [f"{k} = {v}" for k, v in _numbers(document) if _is_count(k)]
        if lines:
            counts.add_row(key, "\n".join(lines[:20]))
    tables = Table(title="catalogue (outputs)")
    for column in ("table", "location", "partitions"):
        tables.add_column(column, overflow="fold")
    glue = runtime.client("glue")
    for database in ("curated", "analytics"):
        try:
            listing = glue.get_tables(DatabaseName=database)["TableList"]
        except Exception:
            continue
        for table in listing:
            parts = glue.get_partitions(DatabaseName=database, TableName=table["Name"])
            tables.add_row(
                f"{database}.{table['Name']}",
                table.get("StorageDescriptor", {}).get("Location", ""),
                str(len(parts["Partitions"])),
            )
    failures = Table(title="failures")
    for column in ("execution", "state", "error", "cause"):
        failures.add_column(column, overflow="fold")
    for execution in executions:
        if execution["status"] == "SUCCEEDED":
            continue
        for run in state_runs(runtime.history(execution["executionArn"])):
            if run.status == "FAILED":
                error, _, cause = (run.error or "").partition(": ")
                failures.add_row(execution["name"], run.name, error, cause[:400])
    landed = Table(title="landed objects")
    for column in ("key", "outcome", "execution / reason"):
        landed.add_column(column, overflow="fold")
    statuses = {e["name"]: e["status"] for e in executions}
    for key, outcome in runtime.landing_outcomes(landings).items():
        action = outcome.get("action", "")
        execution = outcome.get("execution", "")
        detail = outcome.get("reason", "")
        if execution:
            detail = f"{execution} ({statuses.get(execution, 'earlier run')}) {detail}".strip()
        style = {"started": "green", "duplicate": "yellow"}.get(action, "red")
        landed.add_row(key, f"[{style}]{action}[/{style}]", detail)
    result: list[Any] = [view]
    if landed.row_count:
        result.append(landed)
    if failures.row_count:
        result.append(failures)
    if counts.row_count:
        result.append(counts)
    if tables.row_count:
        result.append(tables)
    if not executions and landings:
        result.append(
            "[yellow]no execution started: the trigger ignored every landed object "
            "(see logs in the workspace: logs/lambda/)[/yellow]"
        )
    return [Group(*result)]


def _is_count(path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1].lower()
    return any(word in leaf for word in ("row", "count", "rejected", "records", "in", "out"))


def query_output(console: Console, result: dict[str, Any], fmt: str) -> None:
    columns, rows = result["columns"], result["rows"]
    if fmt == "json":
        # A list of rows, each a list of JSON values (the stable contract of `query`).
        console.file.write(json.dumps(result["json_rows"]) + "\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        console.file.write(buffer.getvalue())  # plain CSV: no console wrapping
    else:
        table = Table()
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*["NULL" if v is None else str(v) for v in row])
        console.print(table)
