"""What every local service API gets: where the API plane is, and where to keep state.

Engines and service APIs never import moto. They talk to other services through boto3
clients pointed at the local endpoint (``client``). ``passthrough_client`` reaches the
resource store behind the API plane directly, bypassing the project's own handlers; a
service API uses it to read the records it augments (e.g. the Glue API reads a crawler's
definition through it and overlays the crawl state it owns).
"""

from __future__ import annotations

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

    def client(self, service: str) -> Any:
        return self._client(service, passthrough=False)

    def passthrough_client(self, service: str) -> Any:
        return self._client(service, passthrough=True)

    def _client(self, service: str, passthrough: bool) -> Any:
        key = (service, passthrough)
        if key not in self._clients:
            client: Any = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
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
            self._clients[key] = client
        return self._clients[key]
