"""A moto server on loopback as the API plane for the interpreter's integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from etl_local.context import LocalContext
from etl_local.stepfunctions.api import StepFunctionsApi
from etl_local.stepfunctions.integrations import Clients, Integrations
from moto.server import ThreadedMotoServer

CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def aws(endpoint: str) -> Any:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)

    return client


@pytest.fixture(scope="session")
def integrations(endpoint: str) -> Integrations:
    return Integrations(Clients(endpoint, "us-east-1", credentials=CREDENTIALS))


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def api(endpoint: str, tmp_path: Path, events: list[dict[str, Any]]) -> Iterator[StepFunctionsApi]:
    ctx = LocalContext(endpoint_url=endpoint, workspace=tmp_path, publish_event=events.append)
    sfn = StepFunctionsApi(ctx, virtual_clock=True)
    yield sfn
    sfn.close()


@pytest.fixture
def bucket(aws: Any) -> str:
    name = f"sfn-test-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=name)
    return name
