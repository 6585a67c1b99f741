"""A crash of ``etl-local up`` (SIGKILL of its process group: no clean exit, no export) loses
nothing that landed or was produced: the workspace is written through as objects and the
catalogue change. The next start finds the landed raw files and the finished run's curated
data, ends the interrupted execution ABORTED, and ``etl-local redrive`` finishes it."""

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
AIRPORTS = "raw/airports/airports.csv"


def _start_up(workspace: Path, log_path: Path) -> tuple[subprocess.Popen[str], Endpoint]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
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
            # a long crawler poll: the second execution is surely mid-run when it is killed
            "--parameter-overrides",
            "CrawlerPollSeconds=15",
        ],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the Lambda workers and Spark die too
    )
    deadline = time.monotonic() + 300
    while "local AWS endpoint" not in log_path.read_text():
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "etl-local up did not become ready"
        time.sleep(0.5)
    return process, Endpoint(f"http://127.0.0.1:{port}", workspace, process)


def _execution(endpoint: Endpoint, dataset: str) -> dict[str, Any] | None:
    return next((e for e in endpoint.executions() if e["name"].startswith(f"{dataset}-")), None)


def _entered(endpoint: Endpoint, arn: str) -> list[str]:
    history = endpoint.client("stepfunctions").get_execution_history(
        executionArn=arn, maxResults=1000
    )["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
    ]


def _history(workspace: Path, name: str) -> list[dict[str, Any]]:
    result = etl_local(workspace, "history", name)
    assert result.exit_code == 0, str(result)
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


def _csv_rows(path: Path) -> int:
    return len(path.read_text().splitlines()) - 1


def test_sigkill_loses_no_landed_or_produced_data(tmp_path: Path, sample: Path) -> None:
    workspace = tmp_path / ".etl-local"
    process, endpoint = _start_up(workspace, tmp_path / "up.log")
    try:
        s3 = endpoint.client("s3")
        raw, lake = endpoint.bucket("raw"), endpoint.bucket("lake")
        s3.upload_file(str(sample / AIRLINES), raw, AIRLINES)
        deadline = time.monotonic() + 300
        while (first := _execution(endpoint, "airlines")) is None or first["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the airlines run did not finish"
            time.sleep(0.5)
        assert first["status"] == "SUCCEEDED", first

        s3.upload_file(str(sample / AIRPORTS), raw, AIRPORTS)
        deadline = time.monotonic() + 300
        while True:  # killed mid-run: past Prepare, before the end
            assert time.monotonic() < deadline, "the airports run never got going"
            second = _execution(endpoint, "airports")
            if second and "WaitForCrawler" in _entered(endpoint, second["executionArn"]):
                break
            time.sleep(0.2)
        assert second["status"] == "RUNNING"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

    # on disk, without any exit having run: the landed files and the first run's output
    assert not (workspace / "lake.duckdb").exists()
    landed = workspace / "lake" / raw
    assert (landed / AIRLINES).read_bytes() == (sample / AIRLINES).read_bytes()
    assert (landed / AIRPORTS).read_bytes() == (sample / AIRPORTS).read_bytes()
    curated = list((workspace / "lake" / lake / "curated" / "airlines").rglob("*.parquet"))
    assert curated, "the finished run's curated data was not written through"
    table = json.loads(
        (workspace / "catalog" / "curated" / "tables" / "airlines" / "table.json").read_text()
    )
    assert table["StorageDescriptor"]["Location"].startswith(f"s3://{lake}/curated/airlines/")

    listed = etl_local(workspace, "executions")  # the next start ends it
    assert listed.exit_code == 0, str(listed)
    assert "ABORTED" in listed.stdout and "SUCCEEDED" in listed.stdout, str(listed)
    assert _history(workspace, first["name"])[-1]["type"] == "ExecutionSucceeded"
    assert _history(workspace, second["name"])[-1]["type"] == "ExecutionAborted"

    # the abort's failure handling read the landed object by its version id, after the restart
    quarantined = workspace / "lake" / lake / "quarantine" / "airports" / second["name"]
    assert (quarantined / "airports.csv").read_bytes() == (sample / AIRPORTS).read_bytes()

    redriven = etl_local(workspace, "redrive", second["name"])
    assert redriven.exit_code == 0, str(redriven)
    history = _history(workspace, second["name"])
    assert history[-1]["type"] == "ExecutionSucceeded"
    resumed = next(i for i, e in enumerate(history) if e["type"] == "ExecutionRedriven")
    rerun = [
        e["stateEnteredEventDetails"]["name"]
        for e in history[resumed:]
        if e["type"].endswith("StateEntered")
    ]
    assert "Prepare" not in rerun, rerun  # the history on disk was past it
    with duckdb.connect(str(workspace / "lake.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM curated.airlines").fetchone() == (
            _csv_rows(sample / AIRLINES),
        )
        assert con.execute("SELECT count(*) FROM curated.airports").fetchone() == (
            _csv_rows(sample / AIRPORTS),
        )
