"""GlueApi behind the project's API plane (etl_local.awsapi), driven by plain boto3: the
responses parse (timestamps, shapes) and errors arrive with AWS's codes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.glue.api import GlueApi
from etl_local.glue.jobrunner import JobRunner

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalContext]:
    plane = ApiPlane().start()
    ctx = LocalContext(endpoint_url=plane.endpoint_url, workspace=tmp_path_factory.mktemp("plane"))
    runner = JobRunner(ctx.client("s3"), ctx.workspace / "jobs", warm=False)
    plane.register("glue", GlueApi(ctx, runner))
    yield ctx
    plane.stop()


def _until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("not reached in time")


def test_crawl_through_boto3(ctx: LocalContext) -> None:
    s3, glue = ctx.client("s3"), ctx.client("glue")
    s3.create_bucket(Bucket="plane-raw")
    s3.put_object(Bucket="plane-raw", Key="raw/t/year=2013/a.csv", Body=b"a,b\n1,x\n2,y\n")
    glue.create_crawler(
        Name="plane-c",
        Role="r",
        DatabaseName="plane_db",
        Targets={"S3Targets": [{"Path": "s3://plane-raw/raw/t/"}]},
    )
    glue.start_crawler(Name="plane-c")
    crawler = _until(
        lambda: (c := glue.get_crawler(Name="plane-c")["Crawler"]).get("LastCrawl") and c
    )
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert crawler["LastCrawl"]["StartTime"].year >= 2024  # parsed as a datetime
    assert glue.get_partitions(DatabaseName="plane_db", TableName="t")["Partitions"][0][
        "Values"
    ] == ["2013"]
    metrics = glue.get_crawler_metrics(CrawlerNameList=["plane-c"])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 1
    with pytest.raises(ClientError) as caught:
        glue.stop_crawler(Name="plane-c")
    assert caught.value.response["Error"]["Code"] == "CrawlerNotRunningException"


def test_job_run_through_boto3(ctx: LocalContext, tmp_path: Path) -> None:
    s3, glue = ctx.client("s3"), ctx.client("glue")
    s3.create_bucket(Bucket="plane-art")
    s3.put_object(Bucket="plane-art", Key="fail.py", Body=b"raise RuntimeError('no data')\n")
    glue.create_job(
        Name="plane-job",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": "s3://plane-art/fail.py"},
    )
    run_id = glue.start_job_run(JobName="plane-job")["JobRunId"]
    run = _until(
        lambda: (
            (r := glue.get_job_run(JobName="plane-job", RunId=run_id)["JobRun"])["JobRunState"]
            == "FAILED"
            and r
        )
    )
    assert run["ErrorMessage"] == "RuntimeError: no data"
    assert run["StartedOn"] <= run["CompletedOn"]
    with pytest.raises(ClientError) as caught:
        glue.start_job_run(JobName="no-such-job")
    assert caught.value.response["Error"]["Code"] == "EntityNotFoundException"
