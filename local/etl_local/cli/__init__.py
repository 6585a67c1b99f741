"""``etl-local``: the whole pipeline on one machine.

etl-local run data/sample                 land files, run every execution to its end
etl-local up                              a long-running local AWS endpoint
etl-local invoke TriggerFunction -e events/x.json
etl-local executions | history NAME | redrive NAME | graph NAME
etl-local query "SELECT count(*) FROM curated.flights"
"""

from __future__ import annotations

import importlib
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from etl_local.cli.views import (
    execution_table,
    live_view,
    query_output,
    summary_tables,
)
from etl_local.runtime import DEFAULT_PORT, TERMINAL, LocalRuntime, dumps

console = Console(stderr=True)
out = Console()

REPO_OPTION = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The SAM application (folder with template.yaml).",
)
WORKSPACE_OPTION = click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder (default: <repo>/.etl-local).",
)
OVERRIDES_OPTION = click.option(
    "--parameter-overrides", "overrides", multiple=True, help="Key=Value, as for sam deploy."
)


def _quiet_logs(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # "Connection pool is full, discarding connection": busy clients, not a problem
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


@contextmanager
def _runtime(
    repo: Path,
    workspace: Path | None,
    overrides: tuple[str, ...] = (),
    port: int = 0,
    host: str = "127.0.0.1",
    export: bool = True,
    prewarm: bool = False,
) -> Iterator[LocalRuntime]:
    from etl_local.stack.template import parse_overrides

    runtime = LocalRuntime(
        repo,
        workspace,
        host=host,
        port=port,
        overrides=parse_overrides(overrides),
        prewarm=prewarm,
    )
    with console.status("starting the local AWS (API plane, engines, stack)..."):
        started = time.perf_counter()
        runtime.start()
    report = runtime.report
    console.print(
        f"[dim]local AWS at {runtime.endpoint_url} in {time.perf_counter() - started:.1f}s; "
        f"stack {runtime.stack.name if runtime.stack else '?'}; "
        f"restored {report.restored_objects} objects, {report.restored_tables} tables[/dim]"
    )
    for service, how in report.apis.items():
        if how != "project engine":
            console.print(f"[yellow]{service}: {how}[/yellow]")
    if runtime.lambda_api:
        notes = {p.python_note for p in runtime.lambda_api.runner.pools()}
        for note in sorted(notes):
            console.print(f"[dim]functions run on {note}[/dim]")
        console.print(
            "[dim]one environment per function is pre-started in the background "
            "(sam local --warm-containers EAGER): its INIT runs before the first invoke, "
            "which reports it[/dim]"
        )
    if runtime.stack:
        for problem in runtime.stack.unsupported:
            console.print(f"[red]not provisioned:[/red] {problem}")
    try:
        yield runtime
    finally:
        with console.status("exporting the lake to the workspace..."):
            runtime.stop(export=export)


@click.group(help="The ETL pipeline on one machine: local AWS, same artifacts as sam deploy.")
@click.option("-v", "--verbose", is_flag=True, help="Log what the runtime does.")
def cli(verbose: bool) -> None:
    _quiet_logs(verbose)


# --------------------------------------------------------------------------- run


@cli.command(help="Land files in the raw bucket and run the pipeline to its end.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", help="Dataset of a single file (default: from its name).")
@click.option("--timeout", default=900.0, show_default=True, help="Seconds to wait.")
@REPO_OPTION
@WORKSPACE_OPTION
@OVERRIDES_OPTION
def run(
    paths: tuple[Path, ...],
    dataset: str | None,
    timeout: float,
    repo: Path,
    workspace: Path | None,
    overrides: tuple[str, ...],
) -> None:
    with _runtime(repo, workspace, overrides, prewarm=True) as runtime:
        since = time.time()
        landings = runtime.land(list(paths), dataset)
        console.print(f"landed {len(landings)} object(s) in s3://{runtime.raw_bucket}/")
        try:
            with live_view(console) as refresh:
                executions = runtime.wait(
                    timeout, on_poll=lambda e: refresh(runtime, e), since=since
                )
        except TimeoutError as exc:
            console.print(f"[red]{exc}: stopping (the runs stay RUNNING in the workspace)[/red]")
            executions = runtime.executions(since)
        failed = _report(runtime, executions, landings)
        _write_summary(runtime, executions, landings)
    _exported(runtime)
    sys.exit(1 if failed else 0)


SUMMARY_FILE = "run-summary.json"


def _write_summary(
    runtime: LocalRuntime, executions: list[dict[str, Any]], landings: list[Any]
) -> None:
    """The run's outcome as JSON in the workspace (for scripts and CI)."""
    summary = {
        "executions": [
            {k: e.get(k) for k in ("name", "executionArn", "status", "startDate", "stopDate")}
            for e in executions
        ],
        "landed": runtime.landing_outcomes(landings),
        "outputs": runtime.stack.outputs if runtime.stack else {},
    }
    (runtime.workspace.root / SUMMARY_FILE).write_text(dumps(summary))


def _exported(runtime: LocalRuntime) -> None:
    out.print(
        f"lake exported to {runtime.workspace.lake}; catalogue: {runtime.workspace.database} "
        "(duckdb: one schema per Glue database, one view per table)"
    )


def _report(runtime: LocalRuntime, executions: list[dict[str, Any]], landings: list[Any]) -> bool:
    for table in summary_tables(runtime, executions, landings):
        out.print(table)
    failed = [e for e in executions if e["status"] != "SUCCEEDED"]
    if failed:
        out.print(
            f"[red]{len(failed)} execution(s) did not succeed[/red]: "
            "see `etl-local history NAME`, fix, then `etl-local redrive NAME`"
        )
    return bool(failed)


# --------------------------------------------------------------------------- up


@cli.command(help="Serve the local AWS endpoint until Ctrl-C; landed files trigger runs.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@REPO_OPTION
@WORKSPACE_OPTION
@OVERRIDES_OPTION
def up(
    host: str, port: int, repo: Path, workspace: Path | None, overrides: tuple[str, ...]
) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[red]warning: binding to {host}: the endpoint has no authentication[/red]")
    stop = threading.Event()
    # SIGINT too: a shell starting `up` in the background hands it SIGINT ignored, and Ctrl-C
    # (or a supervisor's SIGINT) must still stop it cleanly
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with _runtime(repo, workspace, overrides, port=port, host=host, prewarm=True) as runtime:
        console.print(
            f"[bold]local AWS endpoint {runtime.endpoint_url}[/bold] (no authentication: "
            "loopback only)\n"
            f"  export AWS_ENDPOINT_URL={runtime.endpoint_url} AWS_ACCESS_KEY_ID=local "
            "AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1\n"
            f"  aws s3 cp FILE s3://{runtime.raw_bucket}/raw/<dataset>/...   (Ctrl-C to stop)"
        )
        seen: dict[str, str] = {}
        while not stop.wait(1.0):
            for execution in runtime.executions():
                if seen.get(execution["executionArn"]) != execution["status"]:
                    seen[execution["executionArn"]] = execution["status"]
                    console.print(f"{execution['name']}: {execution['status']}")
        console.print("stopping...")


# --------------------------------------------------------------------------- invoke


@cli.command(help="Invoke a function of the template with events (sam local invoke).")
@click.argument("function")
@click.option(
    "-e",
    "--event",
    "event_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Event JSON file; repeat to invoke once per file, in order, in one warm runtime.",
)
@click.option("--timeout", default=300.0, show_default=True, help="Wait for started runs.")
@REPO_OPTION
@WORKSPACE_OPTION
def invoke(
    function: str, event_files: tuple[Path, ...], timeout: float, repo: Path, workspace: Path | None
) -> None:
    payloads = [path.read_bytes() for path in event_files] or [b"{}"]
    failed = False
    with _runtime(repo, workspace) as runtime:
        since = time.time()
        for payload in payloads:
            try:
                invocation = runtime.invoke(function, payload)
            except KeyError as exc:
                raise click.ClickException(str(exc.args[0])) from exc
            console.print(invocation.log_text, end="", markup=False, highlight=False)
            click.echo(invocation.result.decode() or "null")  # one JSON document per line
            failed = failed or bool(invocation.error)
        # executions the invocations started run to their end, so the workspace stays whole
        started = runtime.wait(timeout, since=since)
        for execution in started:
            console.print(f"execution {execution['name']}: {execution['status']}")
    sys.exit(1 if failed else 0)


# --------------------------------------------------------------------------- inspection


@cli.command(help="List the executions kept in the workspace.")
@REPO_OPTION
@WORKSPACE_OPTION
def executions(repo: Path, workspace: Path | None) -> None:
    with _runtime(repo, workspace, export=False) as runtime:
        out.print(execution_table(runtime.executions()))


@cli.command(help="Print an execution's history events (JSON).")
@click.argument("execution")
@REPO_OPTION
@WORKSPACE_OPTION
def history(execution: str, repo: Path, workspace: Path | None) -> None:
    with _runtime(repo, workspace, export=False) as runtime:
        events = runtime.history(runtime.resolve_execution(execution))
    click.echo(dumps(events))  # plain JSON: no console wrapping


@cli.command(help="Redrive a failed execution: resume at the failed state.")
@click.argument("execution")
@click.option("--timeout", default=900.0, show_default=True)
@REPO_OPTION
@WORKSPACE_OPTION
def redrive(execution: str, timeout: float, repo: Path, workspace: Path | None) -> None:
    with _runtime(repo, workspace, prewarm=True) as runtime:
        arn = runtime.resolve_execution(execution)
        since = time.time()
        try:
            runtime.client("stepfunctions").redrive_execution(executionArn=arn)
        except Exception as exc:
            raise click.ClickException(str(exc)) from exc
        with live_view(console) as refresh:
            runtime.wait(timeout, on_poll=lambda e: refresh(runtime, e), since=since)
        status = runtime.client("stepfunctions").describe_execution(executionArn=arn)
        executions_now = [e for e in runtime.executions() if e["executionArn"] == arn]
        failed = _report(runtime, executions_now, [])
    _exported(runtime)
    console.print(f"{status['name']}: {status['status']}")
    sys.exit(1 if failed else 0)


@cli.command(help="Run Athena SQL against the local catalogue.")
@click.argument("sql")
@click.option("--database", default="default", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@REPO_OPTION
@WORKSPACE_OPTION
def query(sql: str, database: str, fmt: str, repo: Path, workspace: Path | None) -> None:
    with _runtime(repo, workspace, export=False) as runtime:
        result = run_query(runtime, sql, database)
    query_output(out, result, fmt)


def run_query(runtime: LocalRuntime, sql: str, database: str) -> dict[str, Any]:
    """Through the Athena API on the plane: StartQueryExecution, wait, GetQueryResults."""
    assert runtime.stack is not None
    athena = runtime.client("athena")
    workgroups = runtime.stack.of_type("AWS::Athena::WorkGroup")
    params: dict[str, Any] = {
        "QueryString": sql,
        "QueryExecutionContext": {"Database": database},
    }
    if workgroups:
        params["WorkGroup"] = next(iter(workgroups.values())).ref
    query_id = athena.start_query_execution(**params)["QueryExecutionId"]
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.05)
    if status["State"] != "SUCCEEDED":
        raise click.ClickException(f"query {status['State']}: {status.get('StateChangeReason')}")
    rows: list[list[Any]] = []
    columns: list[str] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        if not columns:
            columns = [c["Name"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
        rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
    if rows and rows[0] == columns:
        rows = rows[1:]  # Athena repeats the header as the first row of a SELECT
    # GetQueryResults carries strings only; --format json prints typed values (numbers,
    # booleans, lists, objects), which the engine behind the plane still holds.
    typed = runtime.athena_result(query_id)
    json_rows = typed.json_rows() if typed is not None else rows
    return {"columns": columns, "rows": rows, "json_rows": json_rows}


@cli.command(help="Draw an execution: states coloured by status, with durations (SVG + HTML).")
@click.argument("execution")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@REPO_OPTION
@WORKSPACE_OPTION
def graph(execution: str, output: Path | None, repo: Path, workspace: Path | None) -> None:
    from etl_local.graph import render_execution

    with _runtime(repo, workspace, export=False) as runtime:
        arn = runtime.resolve_execution(execution)
        sfn = runtime.client("stepfunctions")
        described = sfn.describe_execution(executionArn=arn)
        definition = sfn.describe_state_machine_for_execution(executionArn=arn)["definition"]
        events = runtime.history(arn)
        target = output or runtime.workspace.root / "graphs" / f"{described['name']}.svg"
    svg_path, html_path = render_execution(json.loads(definition), events, described, target)
    out.print(f"{svg_path}\n{html_path}")


# --------------------------------------------------------------------------- engines' commands

# "module:object" of click commands the engines contribute (ARCHITECTURE.md, CLI)
ENGINE_COMMANDS = (
    "etl_local.stepfunctions.cli:sfn",
    "etl_local.glue.cli:crawl",
    "etl_local.databrew.cli:databrew",
)


def _register_engine_commands() -> None:
    for spec in ENGINE_COMMANDS:
        module_name, _, name = spec.partition(":")
        try:
            command = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            continue  # that engine has not contributed its command yet
        cli.add_command(command)


_register_engine_commands()


def main() -> None:
    cli(prog_name="etl-local")


__all__ = ["TERMINAL", "cli", "main", "run_query"]
