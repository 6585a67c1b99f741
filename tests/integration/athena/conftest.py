"""One moto server (S3 + Glue) and one engine for the whole Athena test session."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from etl_local.athena.api import AthenaApi
from etl_local.athena.engine import AthenaEngine
from etl_local.athena.results import QueryResult
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from moto.server import ThreadedMotoServer


@dataclass
class AthenaWorld:
    endpoint: str
    s3: Any
    glue: Any
    engine: AthenaEngine
    results: str = "s3://athena-results/"
    _ids: Iterator[int] = itertools.count()

    def run(self, sql: str, database: str = "default") -> QueryResult:
        return self.engine.execute(sql, database=database, output_location=self.results)

    def rows(self, sql: str, database: str = "default") -> list[list[str | None]]:
        return self.run(sql, database).text_rows()

    def put(self, url: str, body: bytes | str) -> None:
        bucket, _, key = url[5:].partition("/")
        self.s3.put_object(
            Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body
        )

    def keys(self, url: str) -> list[str]:
        bucket, _, prefix = url[5:].partition("/")
        response = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return sorted(o["Key"] for o in response.get("Contents", []))

    def database(self, prefix: str) -> str:
        """A fresh Glue database for one test."""
        name = f"{prefix}_{next(self._ids)}"
        self.glue.create_database(DatabaseInput={"Name": name})
        return name

    def location(self, name: str) -> str:
        return f"s3://lake/{name}_{next(self._ids)}/"


@pytest.fixture(scope="session")
def athena() -> Iterator[AthenaWorld]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    kwargs: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    s3 = boto3.client("s3", **kwargs)
    glue = boto3.client("glue", **kwargs)
    for bucket in ("lake", "athena-results"):
        s3.create_bucket(Bucket=bucket)
    glue.create_database(DatabaseInput={"Name": "default"})
    engine = AthenaEngine(glue, s3, endpoint)
    yield AthenaWorld(endpoint, s3, glue, engine)
    engine.close()
    server.stop()


@dataclass
class AthenaPlane:
    """The local API plane with AthenaApi attached: what boto3/awswrangler clients see."""

    ctx: LocalContext
    api: AthenaApi
    events: list[dict[str, Any]]

    def client(self, service: str) -> Any:
        return self.ctx.client(service)


@pytest.fixture(scope="session")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AthenaPlane]:
    server = ApiPlane().start()
    events: list[dict[str, Any]] = []
    ctx = LocalContext(
        server.endpoint_url, tmp_path_factory.mktemp("athena-plane"), publish_event=events.append
    )
    api = AthenaApi(ctx)
    server.register("athena", api)
    ctx.client("s3").create_bucket(Bucket="results")
    ctx.client("s3").create_bucket(Bucket="data")
    ctx.client("glue").create_database(DatabaseInput={"Name": "default"})
    yield AthenaPlane(ctx, api, events)
    server.stop()
