"""One API plane for the runtime's unit tests (moto in-process on a loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext


@pytest.fixture(scope="session")
def plane() -> Iterator[ApiPlane]:
    api_plane = ApiPlane().start()
    yield api_plane
    api_plane.stop()


@pytest.fixture(scope="session")
def ctx(plane: ApiPlane, tmp_path_factory: pytest.TempPathFactory) -> LocalContext:
    return LocalContext(plane.endpoint_url, Path(tmp_path_factory.mktemp("workspace")))
