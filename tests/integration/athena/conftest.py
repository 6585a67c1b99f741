"""One local API plane (moto + AthenaApi) and one engine for the whole Athena test session.

moto keeps its state in-process, so the session has exactly one server."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.athena.api import AthenaApi
from etl_local.athena.engine import AthenaEngine
from etl_local.athena.results import QueryResult
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext


@dataclass
class AthenaWorld:
    endpoint: str
    s3: Any
    glue: Any
    engine: AthenaEngine
    results: str = "s3://athena-t-out/"
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
        return f"s3://athena-t-lake/{name}_{next(self._ids)}/"


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
    # moto's state is process-wide: other suites' servers in this session may share it.
    for bucket in ("athena-t-results", "athena-t-lake", "athena-t-out"):
        with contextlib.suppress(ClientError):
            ctx.client("s3").create_bucket(Bucket=bucket)
    with contextlib.suppress(ClientError):
        ctx.client("glue").create_database(DatabaseInput={"Name": "default"})
    yield AthenaPlane(ctx, api, events)
    server.stop()


@pytest.fixture(scope="session")
def athena(plane: AthenaPlane) -> Iterator[AthenaWorld]:
    """The engine itself (no API), on the same plane."""
    s3, glue = plane.client("s3"), plane.client("glue")
    engine = AthenaEngine(glue, s3, plane.ctx.endpoint_url)
    yield AthenaWorld(plane.ctx.endpoint_url, s3, glue, engine)
    engine.close()
