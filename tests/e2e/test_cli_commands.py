"""The inspection commands on the workspace the pipeline run left: they restore it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import PipelineRun, etl_local

pytestmark = pytest.mark.e2e


def test_executions_lists_the_runs_after_a_restart(pipeline_run: PipelineRun) -> None:
    result = etl_local(pipeline_run.workspace, "executions", timeout=300)
    assert result.exit_code == 0, str(result)
    assert "flights-" in result.stdout and "SUCCEEDED" in result.stdout


def test_query_reads_the_restored_catalogue(pipeline_run: PipelineRun) -> None:
    result = etl_local(
        pipeline_run.workspace,
        "query",
        "--format",
        "json",
        "SELECT count(*) AS n FROM curated.flights",
        timeout=300,
    )
    assert result.exit_code == 0, str(result)
    (row,) = json.loads(result.stdout)
    with pipeline_run.connect() as con:
        (expected,) = con.execute("SELECT count(*) FROM curated.flights").fetchone() or (0,)
    assert row == [expected]


def test_history_and_graph_of_an_execution(pipeline_run: PipelineRun) -> None:
    summary = json.loads((pipeline_run.workspace / "run-summary.json").read_text())
    name = next(e["name"] for e in summary["executions"] if e["name"].startswith("airlines-"))
    history = etl_local(pipeline_run.workspace, "history", name, timeout=300)
    assert history.exit_code == 0, str(history)
    types = [event["type"] for event in json.loads(history.stdout)]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    graph = etl_local(pipeline_run.workspace, "graph", name, timeout=300)
    assert graph.exit_code == 0, str(graph)
    svg_path, html_path = graph.stdout.split()
    assert "<svg" in Path(svg_path).read_text()
    assert "SUCCEEDED" in Path(html_path).read_text()


def test_query_needing_no_table_answers_before_any_run(tmp_path: Path) -> None:
    result = etl_local(
        tmp_path / ".etl-local", "query", "--format", "csv", "SELECT 1 + 1 AS two", timeout=300
    )
    assert result.exit_code == 0, str(result)
    assert result.stdout.splitlines() == ["two", "2"]
    typed = etl_local(
        tmp_path / ".etl-local",
        "query",
        "--format",
        "json",
        "SELECT 2 AS i, 'x' AS s, true AS b, NULL AS n, ARRAY[1, 2] AS a, DATE '2013-01-31' AS d",
        timeout=300,
    )
    assert typed.exit_code == 0, str(typed)
    assert json.loads(typed.stdout) == [[2, "x", True, None, [1, 2], "2013-01-31"]]
