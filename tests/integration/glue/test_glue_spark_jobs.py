"""Real PySpark runs through the Glue API: S3 staging in and out, and the pipeline's own
``glue/jobs/flights_enrich.py`` unchanged. One warm Spark driver serves the whole module
(the JVM starts once, booted early by conftest); the API and moto state are per test."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from etl_local.glue.api import GlueApi
from etl_local.glue.jobrunner import JobRunner

from tests.integration.glue.conftest import GlueWorld

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def world(world: GlueWorld, warm_runner: JobRunner) -> Iterator[GlueWorld]:
    """The test's API plane, with the module's warm driver running the jobs."""
    api = GlueApi(world.ctx, warm_runner)
    yield GlueWorld(world.ctx, api, world.bucket, world.events)
    api.close()


def _log(runner: JobRunner, job: str, run_id: str) -> str:
    return (runner.workspace / job / run_id / "driver.log").read_text()


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _job(world: GlueWorld, script: Path, **extra: Any) -> str:
    return world.create_job(script.stem, script.read_bytes(), **extra)


def _flights_inputs(world: GlueWorld) -> dict[str, str]:
    base = f"s3://{world.bucket}/curated"
    hour = dt.datetime(2013, 1, 1, 5, tzinfo=dt.UTC)
    flights = pa.table(
        {
            "flight_date": [dt.date(2013, 1, 1)] * 3,
            "carrier": ["UA", "AA", "UA"],
            "origin": ["EWR", "JFK", "EWR"],
            "dest": ["IAH", "MIA", "IAH"],
            "tailnum": ["N1", "N2", None],
            "time_hour": pa.array([hour] * 3, pa.timestamp("us", tz="UTC")),
            "dep_delay": [2.0, -1.0, None],
            "arr_delay": [11.0, 30.0, None],
            "cancelled": [False, False, True],
            "distance": [1400.0, 1089.0, 1400.0],
        }
    )
    world.put("curated/flights/year=2013/month=1/part-0.parquet", _parquet(flights))
    world.put(
        "curated/airlines/a.parquet",
        _parquet(pa.table({"carrier": ["UA", "AA"], "name": ["United", "American"]})),
    )
    world.put(
        "curated/airports/a.parquet",
        _parquet(
            pa.table(
                {
                    "faa": ["EWR", "JFK", "IAH", "MIA"],
                    "name": ["e", "j", "i", "m"],
                    "lat": [1.0] * 4,
                    "lon": [2.0] * 4,
                    "tzone": ["t"] * 4,
                }
            )
        ),
    )
    world.put(
        "curated/planes/p.parquet",
        _parquet(
            pa.table(
                {
                    "tailnum": ["N1", "N2"],
                    "year_built": [2000, 2001],
                    "manufacturer": ["B", "A"],
                    "model": ["x", "y"],
                    "engines": [2, 2],
                    "seats": [150, 180],
                }
            )
        ),
    )
    names = ("flights", "airlines", "airports", "planes", "weather")
    arguments = {f"--input_{n}": f"{base}/{n}/" for n in names}  # no weather: an empty prefix
    for output in ("enriched", "carrier_daily", "route_monthly"):
        arguments[f"--output_{output}"] = f"s3://{world.bucket}/analytics/{output}/_runs/r1/"
    return arguments


def test_flights_enrich_runs_unchanged(world: GlueWorld, warm_runner: JobRunner) -> None:
    job = _job(world, REPO / "glue" / "jobs" / "flights_enrich.py")
    arguments = _flights_inputs(world)
    run_id = world.call("StartJobRun", JobName=job, Arguments=arguments)["JobRunId"]
    finished = world.api.jobs.wait(job, run_id, timeout=300)
    log = _log(warm_runner, job, run_id)
    assert finished["JobRunState"] == "SUCCEEDED", log[-3000:]
    assert finished["ExecutionTime"] >= 1
    enriched = world.keys("analytics/enriched/_runs/r1/")
    assert any(k.startswith("year=2013/month=1/") and k.endswith(".parquet") for k in enriched)
    assert not any(k.endswith(".crc") for k in enriched)
    daily = world.keys("analytics/carrier_daily/_runs/r1/")
    assert any(k.endswith(".parquet") for k in daily)
    assert "'enriched': 3" in log
    assert "[etl-local staging] --input_airlines s3://" in log and "(1 objects)" in log


def test_failed_spark_run_uploads_nothing(world: GlueWorld, tmp_path: Path) -> None:
    script = tmp_path / "bad_read.py"
    script.write_text(
        "import sys\nfrom awsglue.utils import getResolvedOptions\n"
        "from pyspark.sql import SparkSession\n"
        "args = getResolvedOptions(sys.argv, ['input_x', 'output_y'])\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "spark.range(3).write.parquet(args['output_y'])\n"
        "spark.read.parquet(args['input_x']).count()\n"
    )
    job = _job(world, script)
    arguments = {
        "--input_x": f"s3://{world.bucket}/nothing/here/",
        "--output_y": f"s3://{world.bucket}/out/y/",
    }
    run_id = world.call("StartJobRun", JobName=job, Arguments=arguments)["JobRunId"]
    finished = world.api.jobs.wait(job, run_id, timeout=300)
    assert finished["JobRunState"] == "FAILED"
    message = finished["ErrorMessage"]
    assert message.startswith("AnalysisException: [PATH_NOT_FOUND] Path does not exist:")
    assert f"s3://{world.bucket}/nothing/here" in message  # staging paths shown as S3 URIs
    assert world.keys("out/y/") == []


def test_warm_driver_is_reused_with_a_fresh_session(
    world: GlueWorld, warm_runner: JobRunner, tmp_path: Path
) -> None:
    script = tmp_path / "app_id.py"
    script.write_text(
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "print('CONF=' + spark.conf.get('etl.test', 'unset'))\n"
        "spark.conf.set('etl.test', 'set')\n"
        "print('APP=' + spark.sparkContext.applicationId)\n"
    )
    job = _job(world, script, ExecutionProperty={"MaxConcurrentRuns": 2})
    run_ids = [world.call("StartJobRun", JobName=job)["JobRunId"] for _ in range(2)]
    logs = []
    for run_id in run_ids:  # started together: the second queues for the warm driver
        assert world.api.jobs.wait(job, run_id, timeout=300)["JobRunState"] == "SUCCEEDED"
        logs.append(_log(warm_runner, job, run_id))
    apps = [next(x for x in log.splitlines() if x.startswith("APP=")) for log in logs]
    assert apps[0] == apps[1]  # one SparkContext served both runs
    assert all("CONF=unset" in log for log in logs)  # each run had its own SQL session


def test_a_script_stopping_spark_does_not_break_the_next_run(
    world: GlueWorld, tmp_path: Path
) -> None:
    script = tmp_path / "stops.py"
    script.write_text(
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "assert spark.range(3).count() == 3\n"
        "spark.stop()\n"
    )
    job = _job(world, script)
    for _ in range(2):
        run_id = world.call("StartJobRun", JobName=job)["JobRunId"]
        assert world.api.jobs.wait(job, run_id, timeout=300)["JobRunState"] == "SUCCEEDED"
