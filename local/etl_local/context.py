"""What every local service API gets: where the API plane is, and where to keep state.

Engines and service APIs never import moto. They talk to other services through boto3
clients pointed at the local endpoint (``client``). ``passthrough_client`` reaches the
resource store behind the API plane directly, bypassing the project's own handlers; a
service API uses it to read the records it augments (e.g. the Glue API reads a crawler's
definition through it and overlays the crawl state it owns).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PASSTHROUGH_HEADER = "x-etl-local-passthrough"

# Local credentials: the API plane accepts any; these are not secrets.
LOCAL_ACCESS_KEY = "local"
LOCAL_SECRET_KEY = "local"  # noqa: S105

EventSink = Callable[[dict[str, Any]], None]


_SESSION_LOCK = threading.Lock()
_SESSION: Any = None


def new_client(service: str, **kwargs: Any) -> Any:
    """A boto3 client made by one process-wide session.

    A fresh ``Session`` per client re-reads botocore's JSON (service model, endpoint rules,
    the list of services: 0.1-0.5 s of CPU each); one session's loader reads each file once.
    Sessions are not thread-safe, clients are: creation is serialised, use is not.
    """
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        return _SESSION.client(service, **kwargs)


def _add_passthrough_header(request: Any, **_: Any) -> None:
    request.headers[PASSTHROUGH_HEADER] = "1"


@dataclass
class LocalContext:
    endpoint_url: str
    workspace: Path
    region: str = REGION
    account_id: str = ACCOUNT_ID
    # Receives full EventBridge envelopes (source, detail-type, detail, ...) that AWS
    # services emit on their own (S3 Object Created, Step Functions status changes).
    publish_event: EventSink = field(default=lambda event: None)
    _clients: dict[tuple[str, bool], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str) -> Any:
        return self._client(service, passthrough=False)

    def passthrough_client(self, service: str) -> Any:
        return self._client(service, passthrough=True)

    def _client(self, service: str, passthrough: bool) -> Any:
        key = (service, passthrough)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(service, passthrough)
            return self._clients[key]

    def _new_client(self, service: str, passthrough: bool) -> Any:
        client = new_client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"},
                s3={"addressing_style": "path"},
                max_pool_connections=32,
            ),
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
        )
        if passthrough:
            client.meta.events.register("before-send", _add_passthrough_header)
        return client
