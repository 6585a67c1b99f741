"""Concurrent job runs sharing the warm Spark driver: each run keeps its own arguments, output
and session; a run that fails, times out or is stopped ends alone, the others finish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from etl_local.glue.api import GlueApi
from etl_local.glue.jobrunner import JobRunner

from tests.integration.glue.conftest import GlueWorld, eventually

pytestmark = pytest.mark.integration

# Prints what this run sees, proves runs overlap (each waits until all have started), then
# runs a Spark job in its own pool and job group.
TOGETHER = """
import json, os, sys, time
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession
args = getResolvedOptions(sys.argv, ["JOB_NAME", "month", "gate"])
spark = SparkSession.builder.getOrCreate()
spark.conf.set("etl.month", args["month"])
open(os.path.join(args["gate"], args["month"]), "w").close()
deadline = time.time() + 120
while len(os.listdir(args["gate"])) < 3:
    assert time.time() < deadline, "the other runs never started"
    time.sleep(0.05)
context = spark.sparkContext
print("SEEN=" + json.dumps({
    "month": args["month"],
    "run": args["JOB_RUN_ID"],
    "argv_month": sys.argv[sys.argv.index("--month") + 1],
    "conf": spark.conf.get("etl.month"),
    "pool": context.getLocalProperty("spark.scheduler.pool"),
    "group": context.getLocalProperty("spark.jobGroup.id"),
    "rows": spark.range(int(args["month"]) * 1000).count(),
    "app": context.applicationId,
}))
"""

SPINS = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.range(0, 10**13).selectExpr("sum(id * id) AS s").collect()  # runs for hours
raise AssertionError("the cancelled Spark job returned")
"""

WAITS = "import time\nwhile True:\n    time.sleep(0.05)\n"

QUICK = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("APP=" + spark.sparkContext.applicationId)
print("ROWS=%d" % spark.range(10).count())
"""


@pytest.fixture
def world(world: GlueWorld, warm_runner: JobRunner) -> Iterator[GlueWorld]:
    """The test's API plane, with the session's warm driver running the jobs."""
    api = GlueApi(world.ctx, warm_runner)
    yield GlueWorld(world.ctx, api, world.bucket, world.events)
    api.close()


def _seen(runner: JobRunner, job: str, run_id: str) -> dict[str, Any]:
    log = (runner.workspace / job / run_id / "driver.log").read_text()
    line = next(x for x in log.splitlines() if x.startswith("SEEN="))
    return dict(json.loads(line.removeprefix("SEEN=")))


def _state(world: GlueWorld, job: str, run_id: str) -> str:
    return str(world.call("GetJobRun", JobName=job, RunId=run_id)["JobRun"]["JobRunState"])


def test_concurrent_runs_keep_their_own_arguments_session_and_pool(
    world: GlueWorld, warm_runner: JobRunner, tmp_path: Any
) -> None:
    job = world.create_job("together", TOGETHER, ExecutionProperty={"MaxConcurrentRuns": 3})
    gate = tmp_path / "gate"
    gate.mkdir()
    started = {
        month: world.call(
            "StartJobRun", JobName=job, Arguments={"--month": month, "--gate": str(gate)}
        )["JobRunId"]
        for month in ("1", "2", "3")
    }
    for month, run_id in started.items():
        finished = world.api.jobs.wait(job, run_id, timeout=300)
        assert finished["JobRunState"] == "SUCCEEDED", finished.get("ErrorMessage")
        seen = _seen(warm_runner, job, run_id)
        assert (seen["month"], seen["argv_month"], seen["conf"]) == (month, month, month)
        assert seen["run"] == run_id
        assert seen["rows"] == int(month) * 1000
        assert seen["pool"] == seen["group"]  # its own FAIR pool and job group
    seen_all = [_seen(warm_runner, job, r) for r in started.values()]
    assert len({s["app"] for s in seen_all}) == 1  # all three ran on one SparkContext, together
    assert len({s["pool"] for s in seen_all}) == 3


def test_a_timed_out_run_is_cancelled_alone(world: GlueWorld, warm_runner: JobRunner) -> None:
    world.api.jobs.seconds_per_minute = 4.0  # Timeout 1 (minute) lasts 4 s here
    spinning = world.create_job("spins", SPINS, Timeout=1)
    quick = world.create_job("quick", QUICK, ExecutionProperty={"MaxConcurrentRuns": 2})
    spin_id = world.call("StartJobRun", JobName=spinning)["JobRunId"]
    eventually(lambda: _state(world, spinning, spin_id) == "RUNNING")
    before = world.call("StartJobRun", JobName=quick)["JobRunId"]
    assert world.api.jobs.wait(quick, before, timeout=300)["JobRunState"] == "SUCCEEDED"
    ended = world.api.jobs.wait(spinning, spin_id, timeout=300)
    assert ended["JobRunState"] == "TIMEOUT"
    assert ended["ErrorMessage"] == "Job run timed out after 4 seconds"
    after = world.call("StartJobRun", JobName=quick)["JobRunId"]
    assert world.api.jobs.wait(quick, after, timeout=300)["JobRunState"] == "SUCCEEDED"
    logs = [(warm_runner.workspace / quick / r / "driver.log").read_text() for r in (before, after)]
    apps = [next(x for x in log.splitlines() if x.startswith("APP=")) for log in logs]
    assert apps[0] == apps[1]  # the driver survived the timeout: not restarted
    # the spinning run was ended in the driver too, not left running on the shared cores
    result = warm_runner.workspace / spinning / spin_id / "result.json"
    eventually(result.exists, timeout=60)
    assert json.loads(result.read_text())["ok"] is False


def test_stopping_one_run_leaves_the_others_running(
    world: GlueWorld, warm_runner: JobRunner
) -> None:
    waiting = world.create_job("waits", WAITS, ExecutionProperty={"MaxConcurrentRuns": 2})
    failing = world.create_job("fails", "raise ValueError('bad month: 13')\n")
    runs = [world.call("StartJobRun", JobName=waiting)["JobRunId"] for _ in range(2)]
    failed = world.call("StartJobRun", JobName=failing)["JobRunId"]
    for run_id in runs:
        eventually(lambda run_id=run_id: _state(world, waiting, run_id) == "RUNNING")
    stopped = world.call("BatchStopJobRun", JobName=waiting, JobRunIds=[runs[0]])
    assert stopped["SuccessfulSubmissions"] == [{"JobName": waiting, "JobRunId": runs[0]}]
    assert world.api.jobs.wait(waiting, runs[0], timeout=60)["JobRunState"] == "STOPPED"
    failure = world.api.jobs.wait(failing, failed, timeout=300)
    assert (failure["JobRunState"], failure["ErrorMessage"]) == (
        "FAILED",
        "ValueError: bad month: 13",
    )
    assert _state(world, waiting, runs[1]) == "RUNNING"  # still going after both ended
    world.call("BatchStopJobRun", JobName=waiting, JobRunIds=[runs[1]])
    assert world.api.jobs.wait(waiting, runs[1], timeout=60)["JobRunState"] == "STOPPED"


def test_prewarm_starts_the_jvm_and_spark_session_before_any_run(tmp_path: Any) -> None:
    runner = JobRunner(None, tmp_path, warm=True)
    try:
        runner.prewarm()
        assert runner.ready(timeout=300)  # the worker says ready only once its session is up
        log = (tmp_path / "warm-driver.log").read_text()
        assert "Setting default log level" in log  # the JVM's own start-up output
        assert not list(tmp_path.glob("*/*/driver.log"))  # and no run was needed for it
    finally:
        runner.close()
