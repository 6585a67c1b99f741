"""Job runs through the Glue API: lifecycle, errors, retries, concurrency, stop, timeout.

The scripts here fail or wait before Spark starts, so no JVM is needed; the Spark runs are in
``test_spark_jobs.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from etl_local.glue.jobrunner import JobRunner

from tests.integration.glue.conftest import GlueWorld, eventually

pytestmark = pytest.mark.integration

SCRIPTS = {
    "fails": "raise ValueError('bad input: 42')\n",
    "needs_args": (
        "import sys\nfrom awsglue.utils import getResolvedOptions\n"
        "args = getResolvedOptions(sys.argv, ['JOB_NAME', 'day'])\nprint(args)\n"
    ),
    "echo": (
        "import json, sys\nfrom awsglue.utils import getResolvedOptions\n"
        "args = getResolvedOptions(sys.argv, ['JOB_NAME', 'day', 'mode'])\n"
        "print('ARGS=' + json.dumps(args, sort_keys=True))\n"
    ),
    "sleeps": "import time\ntime.sleep(60)\n",
    "exits_zero": "import sys\nsys.exit(0)\n",
}


def create_job(world: GlueWorld, script: str, **extra: Any) -> str:
    return world.create_job(script, SCRIPTS[script], **extra)


def run(world: GlueWorld, job: str, **params: Any) -> dict[str, Any]:
    run_id = world.call("StartJobRun", JobName=job, **params)["JobRunId"]
    return world.api.jobs.wait(job, run_id, timeout=120)


def test_python_exception_is_the_error_message(world: GlueWorld) -> None:
    job = create_job(world, "fails")
    finished = run(world, job)
    assert finished["JobRunState"] == "FAILED"
    assert finished["ErrorMessage"] == "ValueError: bad input: 42"
    assert finished["Attempt"] == 0
    assert finished["CompletedOn"] >= finished["StartedOn"]
    assert finished["GlueVersion"] == "5.0"
    states = [
        e["detail"]["state"] for e in world.events if e["detail-type"] == "Glue Job State Change"
    ]
    assert states == ["FAILED"]


def test_missing_argument_is_glue_argument_error(world: GlueWorld) -> None:
    finished = run(world, create_job(world, "needs_args"))
    assert finished["ErrorMessage"] == (
        "GlueArgumentError: the following arguments are required: --day"
    )


def test_default_arguments_merge_with_run_arguments(world: GlueWorld) -> None:
    job = create_job(world, "echo", DefaultArguments={"--day": "1", "--mode": "default"})
    finished = run(world, job, Arguments={"--mode": "run"})
    assert finished["JobRunState"] == "SUCCEEDED"
    assert finished["Arguments"] == {"--mode": "run"}
    log = (world.ctx.workspace / "glue" / "jobs" / job / finished["Id"] / "driver.log").read_text()
    line = next(x for x in log.splitlines() if x.startswith("ARGS="))
    assert '"day": "1"' in line and '"mode": "run"' in line
    assert f'"JOB_NAME": "{job}"' in line and f'"JOB_RUN_ID": "{finished["Id"]}"' in line


def test_extra_py_files_are_importable(world: GlueWorld) -> None:
    world.put("libs/helpers.py", "GREETING = 'hello from helpers'\n")
    script = "import helpers\nprint('SAYS=' + helpers.GREETING)\n"
    job = world.create_job(
        "uses_helpers",
        script,
        DefaultArguments={"--extra-py-files": f"s3://{world.bucket}/libs/helpers.py"},
    )
    finished = run(world, job)
    assert finished["JobRunState"] == "SUCCEEDED", finished.get("ErrorMessage")
    log = (world.ctx.workspace / "glue" / "jobs" / job / finished["Id"] / "driver.log").read_text()
    assert "SAYS=hello from helpers" in log


def test_sys_exit_zero_succeeds(world: GlueWorld) -> None:
    assert run(world, create_job(world, "exits_zero"))["JobRunState"] == "SUCCEEDED"


def test_failed_run_is_retried_up_to_max_retries(world: GlueWorld) -> None:
    job = create_job(world, "fails", MaxRetries=1)
    first = world.call("StartJobRun", JobName=job)["JobRunId"]
    last = world.api.jobs.wait(job, first, timeout=120)
    assert last["Id"] == f"{first}_attempt_1"
    assert (last["Attempt"], last["PreviousRunId"]) == (1, first)
    runs = world.call("GetJobRuns", JobName=job)["JobRuns"]
    assert [r["Id"] for r in runs] == [f"{first}_attempt_1", first]
    assert {r["JobRunState"] for r in runs} == {"FAILED"}


def test_concurrent_runs_exceeded_then_batch_stop(world: GlueWorld) -> None:
    job = create_job(world, "sleeps")
    run_id = world.call("StartJobRun", JobName=job)["JobRunId"]
    error = world.error("StartJobRun", JobName=job)
    assert (error.code, error.message) == (
        "ConcurrentRunsExceededException",
        f"Concurrent runs exceeded for {job}",
    )
    eventually(
        lambda: (
            world.call("GetJobRun", JobName=job, RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
        )
    )
    stopped = world.call("BatchStopJobRun", JobName=job, JobRunIds=[run_id, "jr_missing"])
    assert stopped["SuccessfulSubmissions"] == [{"JobName": job, "JobRunId": run_id}]
    assert stopped["Errors"][0]["JobRunId"] == "jr_missing"
    assert stopped["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    finished = world.api.jobs.wait(job, run_id, timeout=60)
    assert finished["JobRunState"] == "STOPPED"


def test_max_concurrent_runs_allows_parallel_runs(world: GlueWorld) -> None:
    job = create_job(world, "exits_zero", ExecutionProperty={"MaxConcurrentRuns": 2})
    first = world.call("StartJobRun", JobName=job)["JobRunId"]
    second = world.call("StartJobRun", JobName=job)["JobRunId"]
    assert world.api.jobs.wait(job, first)["JobRunState"] == "SUCCEEDED"
    assert world.api.jobs.wait(job, second)["JobRunState"] == "SUCCEEDED"


ERRORS = [
    (
        "start-unknown-job",
        "StartJobRun",
        {"JobName": "nope"},
        "EntityNotFoundException",
        "Failed to start job run due to missing metadata",
    ),
    (
        "get-unknown-run",
        "GetJobRun",
        {"JobName": "<job>", "RunId": "jr_x"},
        "EntityNotFoundException",
        "Job Run Id jr_x not found",
    ),
]


@pytest.mark.parametrize(
    ("action", "params", "code", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_job_errors(
    world: GlueWorld, action: str, params: dict[str, str], code: str, message: str
) -> None:
    job = create_job(world, "exits_zero")
    resolved = {k: (job if v == "<job>" else v) for k, v in params.items()}
    error = world.error(action, **resolved)
    assert (error.code, error.message) == (code, message)


def test_timeout_kills_the_driver(tmp_path: Path) -> None:
    script = tmp_path / "sleeps.py"
    script.write_text(SCRIPTS["sleeps"])
    result = JobRunner(None, tmp_path / "ws").run(script, "j", "jr_1", {}, timeout=1.0)
    assert result.state == "TIMEOUT"
    assert result.execution_time < 30
