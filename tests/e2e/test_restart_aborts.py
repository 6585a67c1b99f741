"""An execution running when ``etl-local up`` stops (Ctrl-C) ends ABORTED at the next start,
as the service would end it: ExecutionAborted in its history, the status-change event through
the template's failure rule (the failure handler writes its failure manifest), and
``etl-local redrive`` resumes it at the state it was in, without rerunning the ones before."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import CLI, REPO, etl_local
from tests.e2e.test_up_and_redrive import Endpoint, _free_port

pytestmark = pytest.mark.e2e

AIRLINES = "raw/airlines/airlines.csv"
RUNTIME_STOPPED = "The local runtime stopped while this execution was running."


def _entered(history: list[dict[str, Any]]) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
    ]


def _history(workspace: Path, name: str) -> list[dict[str, Any]]:
    result = etl_local(workspace, "history", name)
    assert result.exit_code == 0, str(result)
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


def test_execution_left_running_by_ctrl_c_is_aborted_then_redriven(
    tmp_path: Path, sample: Path
) -> None:
    workspace = tmp_path / ".etl-local"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                *CLI,
                "up",
                "--port",
                str(port),
                "--workspace",
                str(workspace),
                "--repo",
                str(REPO),
                # a long crawler poll: the execution is surely in its Wait when Ctrl-C comes
                "--parameter-overrides",
                "CrawlerPollSeconds=20",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 300
            while "local AWS endpoint" not in log_path.read_text():
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "etl-local up did not become ready"
                time.sleep(0.5)
            endpoint = Endpoint(f"http://127.0.0.1:{port}", workspace, process)
            endpoint.client("s3").upload_file(
                str(sample / AIRLINES), endpoint.bucket("raw"), AIRLINES
            )
            sfn = endpoint.client("stepfunctions")
            deadline = time.monotonic() + 300
            while True:
                assert time.monotonic() < deadline, "the execution never reached its Wait"
                executions = endpoint.executions()
                if executions:
                    arn = executions[0]["executionArn"]
                    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)
                    if "WaitForCrawler" in _entered(history["events"]):
                        break
                time.sleep(0.2)
            name = executions[0]["name"]
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=300) == 0, log_path.read_text()

    listed = etl_local(workspace, "executions")  # the next start ends it
    assert listed.exit_code == 0, str(listed)
    assert "ABORTED" in listed.stdout, str(listed)
    history = _history(workspace, name)
    assert history[-1]["type"] == "ExecutionAborted"
    assert history[-1]["executionAbortedEventDetails"] == {"cause": RUNTIME_STOPPED}
    stopped_at = _entered(history)[-1]  # the Wait, unless shutting down outlasted it
    assert "Prepare" in _entered(history) and stopped_at != "Prepare"
    manifests = list(workspace.glob(f"lake/*/_manifests/airlines/{name}/failure-0.json"))
    assert len(manifests) == 1, "the failure rule's handler did not record the abort"
    assert "ABORTED" in manifests[0].read_text()

    redriven = etl_local(workspace, "redrive", name)
    assert redriven.exit_code == 0, str(redriven)
    history = _history(workspace, name)
    assert history[-1]["type"] == "ExecutionSucceeded"
    resumed = next(i for i, e in enumerate(history) if e["type"] == "ExecutionRedriven")
    rerun = _entered(history[resumed:])
    assert rerun[0] == stopped_at and "Prepare" not in rerun
    expected = len((sample / AIRLINES).read_text().splitlines()) - 1
    with duckdb.connect(str(workspace / "lake.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM curated.airlines").fetchone() == (expected,)
