"""``etl-local sfn run``: run a definition and print one JSON object.

Output: {"status", "output", "error", "cause"} (+ "history" with --history). The exit code
is 0 whatever the execution's status; only usage errors (bad files, invalid definition
or input JSON) exit non-zero. External conformance suites drive this contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from etl_local.stepfunctions.errors import DefinitionError
from etl_local.stepfunctions.execution import run_definition
from etl_local.stepfunctions.machine import parse_json
from etl_local.stepfunctions.validation import validate


@click.group(help="The local Step Functions interpreter.")
def sfn() -> None:
    """Step Functions commands."""


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{what} is not valid JSON: {exc}") from exc


@sfn.command("run", help="Run a state machine definition to its end.")
@click.option(
    "--definition",
    "definition_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--input", "input_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--virtual-clock", is_flag=True, help="Waits, retries and timeouts take no real time."
)
@click.option("--history", "with_history", is_flag=True, help="Add the execution history events.")
@click.option("--name", default=None, help="Execution name.")
def run_command(
    definition_file: Path,
    input_file: Path | None,
    virtual_clock: bool,
    with_history: bool,
    name: str | None,
) -> None:
    definition = definition_file.read_text()
    execution_input = _read_json(input_file, "--input") if input_file else {}
    try:
        result = run_definition(definition, execution_input, virtual_clock=virtual_clock, name=name)
    except DefinitionError as exc:
        raise click.UsageError(str(exc)) from exc
    report = result.summary()
    if with_history:
        report["history"] = result.history
    click.echo(json.dumps(report, default=str))


@sfn.command("validate", help="Check a definition as ValidateStateMachineDefinition does.")
@click.option(
    "--definition",
    "definition_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
def validate_command(definition_file: Path) -> None:
    try:
        diagnostics = validate(parse_json(definition_file.read_text()))
    except DefinitionError as exc:
        diagnostics = exc.diagnostics
    failed = any(d["severity"] == "ERROR" for d in diagnostics)
    click.echo(json.dumps({"result": "FAIL" if failed else "OK", "diagnostics": diagnostics}))
    if failed:
        raise SystemExit(1)
