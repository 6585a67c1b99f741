"""A moto server on loopback as the API plane, and the Glue API in front of it (in-process)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.awserrors import AwsError
from etl_local.context import LocalContext
from etl_local.glue.api import GlueApi
from etl_local.glue.jobrunner import JobRunner
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class GlueWorld:
    ctx: LocalContext
    api: GlueApi
    bucket: str
    events: list[dict[str, Any]]

    @property
    def s3(self) -> Any:
        return self.ctx.client("s3")

    @property
    def glue(self) -> Any:
        return self.ctx.client("glue")

    def put(self, key: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    def delete_prefix(self, prefix: str) -> None:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])
        for item in listed:
            self.s3.delete_object(Bucket=self.bucket, Key=item["Key"])

    def keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, relative to it."""
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"][len(prefix) :] for item in listed)

    def create_job(self, stem: str, script: bytes | str, **extra: Any) -> str:
        """A Glue 5 job whose script (uploaded to the bucket) is ``script``."""
        name = unique(stem)
        key = f"scripts/{name}.py"
        self.put(key, script)
        self.glue.create_job(
            Name=name,
            Role="arn:aws:iam::123456789012:role/glue",
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{self.bucket}/{key}"},
            GlueVersion="5.0",
            **extra,
        )
        return name

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        return self.api.dispatch(action, params)

    def error(self, action: str, **params: Any) -> AwsError:
        with pytest.raises(AwsError) as caught:
            self.api.dispatch(action, params)
        return caught.value

    def create_crawler(self, name: str, paths: list[str], **extra: Any) -> str:
        targets = [{"Path": f"s3://{self.bucket}/{p}"} for p in paths]
        self.glue.create_crawler(
            Name=name,
            Role="arn:aws:iam::123456789012:role/crawler",
            DatabaseName=name,
            Targets={"S3Targets": targets},
            **extra,
        )
        return name

    def crawl(self, name: str) -> dict[str, Any]:
        self.call("StartCrawler", Name=name)
        self.api.crawlers.wait(name)
        return self.call("GetCrawler", Name=name)["Crawler"]

    def table(self, database: str, name: str) -> dict[str, Any]:
        return dict(self.glue.get_table(DatabaseName=database, Name=name)["Table"])

    def tables(self, database: str) -> list[str]:
        try:
            return sorted(
                t["Name"] for t in self.glue.get_tables(DatabaseName=database)["TableList"]
            )
        except ClientError:
            return []

    def partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        found = self.glue.get_partitions(DatabaseName=database, TableName=table)["Partitions"]
        return sorted(found, key=lambda p: p["Values"])


@pytest.fixture(scope="session")
def warm_runner(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobRunner]:
    """One warm Spark driver for the Spark tests, started at the session's first Glue test
    so the JVM boots while the crawler tests run."""
    ctx = LocalContext(endpoint_url=endpoint, workspace=tmp_path_factory.mktemp("warm"))
    runner = JobRunner(ctx.client("s3"), ctx.workspace / "jobs", warm=True)
    runner.prewarm()
    yield runner
    runner.close()


@pytest.fixture(scope="session", autouse=True)
def _spark_boots_early(warm_runner: JobRunner) -> None:
    return None


@pytest.fixture(scope="session")
def clients() -> dict[tuple[str, bool], Any]:
    """boto3 clients shared by every test's context (creating clients is slow)."""
    return {}


@pytest.fixture
def world(
    endpoint: str, tmp_path: Path, clients: dict[tuple[str, bool], Any]
) -> Iterator[GlueWorld]:
    events: list[dict[str, Any]] = []
    ctx = LocalContext(
        endpoint_url=endpoint, workspace=tmp_path, publish_event=events.append, _clients=clients
    )
    bucket = f"glue-{uuid.uuid4().hex[:12]}"
    ctx.client("s3").create_bucket(Bucket=bucket)
    api = GlueApi(ctx, JobRunner(ctx.client("s3"), tmp_path / "glue" / "jobs", warm=False))
    yield GlueWorld(ctx, api, bucket, events)
    api.close()


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)
