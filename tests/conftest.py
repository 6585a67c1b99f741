"""Shared fixtures. Every test module must carry one of the markers unit/integration/e2e."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Never let a test reach a real AWS account, whatever the developer's environment says.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # noqa: S105 - fake, for moto
os.environ.pop("AWS_PROFILE", None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers = {"unit", "integration", "e2e"}
    unmarked = [item.nodeid for item in items if not tiers & {m.name for m in item.iter_markers()}]
    if unmarked:
        raise pytest.UsageError(
            "tests without a unit/integration/e2e marker: " + ", ".join(unmarked[:10])
        )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
