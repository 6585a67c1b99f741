"""boto3 clients, created once per container (and resettable for tests)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode: backoff with jitter on throttling and 5xx, like the SDKs' default.
CLIENT_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def reset() -> None:
    client.cache_clear()
