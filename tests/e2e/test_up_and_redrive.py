"""``etl-local up`` as a long-running local AWS, driven with boto3 like a user would, and a
redrive after a mid-pipeline failure: the Glue job fails once (a broken script is published
over the packaged one), the execution fails *at* the job, the script is fixed, the redrive
resumes at the failed state without rerunning the successful ones, and the final data has
no duplicates. Ctrl-C (SIGINT) shuts the endpoint down cleanly and exports the lake."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from botocore.config import Config

from tests.e2e.conftest import CLI, REPO

pytestmark = pytest.mark.e2e

SCRIPT_KEY = "packaged/glue/jobs/flights_enrich.py"
MONTH = "raw/flights/year=2013/month=01/flights_2013_01.csv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Endpoint:
    url: str
    workspace: Path
    process: subprocess.Popen[str]

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local endpoint takes any
            config=Config(s3={"addressing_style": "path"}),
        )

    def bucket(self, role: str) -> str:
        names = [b["Name"] for b in self.client("s3").list_buckets()["Buckets"]]
        return next(n for n in names if f"-{role}-" in n)

    @property
    def state_machine(self) -> str:
        machines = self.client("stepfunctions").list_state_machines()["stateMachines"]
        return str(machines[0]["stateMachineArn"])

    def executions(self) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        return list(sfn.list_executions(stateMachineArn=self.state_machine)["executions"])

    def wait_for(self, predicate: Any, timeout: float = 600) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            executions = self.executions()
            if predicate(executions):
                return executions
            time.sleep(1)
        raise AssertionError(f"timed out; executions: {self.executions()}")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    folder = tmp_path_factory.mktemp("up")
    workspace = folder / ".etl-local"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = (folder / "up.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [*CLI, "up", "--port", str(port), "--workspace", str(workspace), "--repo", str(REPO)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Endpoint(f"http://127.0.0.1:{port}", workspace, process)
    deadline = time.monotonic() + 300
    # the endpoint is ready for landings when `up` says so (events attached, stack provisioned)
    while "local AWS endpoint" not in (folder / "up.log").read_text():
        assert process.poll() is None, (folder / "up.log").read_text()
        assert time.monotonic() < deadline, "etl-local up did not become ready"
        time.sleep(0.5)
    yield running
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=300)
    log.close()


def _by_name(executions: list[dict[str, Any]], dataset: str) -> list[dict[str, Any]]:
    return [e for e in executions if e["name"].startswith(f"{dataset}-")]


def _entered(history: list[dict[str, Any]]) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
    ]


def test_redrive_resumes_at_the_failed_glue_job(endpoint: Endpoint, sample: Path) -> None:
    s3, sfn = endpoint.client("s3"), endpoint.client("stepfunctions")
    artifacts, raw = endpoint.bucket("artifacts"), endpoint.bucket("raw")
    script = s3.get_object(Bucket=artifacts, Key=SCRIPT_KEY)["Body"].read()
    broken = b'raise RuntimeError("injected failure: the enrich job fails once")\n' + script
    s3.put_object(Bucket=artifacts, Key=SCRIPT_KEY, Body=broken)

    for dataset in ("airlines", "airports", "planes"):
        s3.upload_file(
            str(sample / f"raw/{dataset}/{dataset}.csv"), raw, f"raw/{dataset}/{dataset}.csv"
        )
    endpoint.wait_for(lambda ex: len(ex) == 3 and all(e["status"] == "SUCCEEDED" for e in ex))
    s3.upload_file(str(sample / MONTH), raw, MONTH)
    executions = endpoint.wait_for(
        lambda ex: any(e["status"] == "FAILED" for e in _by_name(ex, "flights"))
    )
    (flights,) = _by_name(executions, "flights")
    arn = flights["executionArn"]
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = _entered(history)
    assert "RunEnrichJob" in entered and entered[-1] == "RunEnrichJob"
    assert history[-1]["type"] == "ExecutionFailed"

    s3.put_object(Bucket=artifacts, Key=SCRIPT_KEY, Body=script)
    sfn.redrive_execution(executionArn=arn)
    endpoint.wait_for(lambda ex: all(e["status"] == "SUCCEEDED" for e in _by_name(ex, "flights")))
    after = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    redriven = next(i for i, e in enumerate(after) if e["type"] == "ExecutionRedriven")
    rerun = _entered(after[redriven:])
    assert rerun[0] == "RunEnrichJob"
    assert "Prepare" not in rerun and "RunAthenaSteps" not in rerun


def test_ctrl_c_exports_the_lake_without_duplicates(endpoint: Endpoint, sample: Path) -> None:
    endpoint.process.send_signal(signal.SIGINT)
    assert endpoint.process.wait(timeout=300) == 0
    raw = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{sample / MONTH}', header = true, nullstr = 'NA')"
    ).fetchone()
    with duckdb.connect(str(endpoint.workspace / "lake.duckdb"), read_only=True) as con:
        curated = con.execute("SELECT count(*) FROM curated.flights").fetchone()
        rejected = con.execute("SELECT count(*) FROM staging.flights_rejects").fetchone()
        enriched = con.execute("SELECT count(*) FROM analytics.flights_enriched").fetchone()
    assert raw and curated and rejected and enriched
    assert curated[0] + rejected[0] == raw[0]
    assert enriched[0] == curated[0]
