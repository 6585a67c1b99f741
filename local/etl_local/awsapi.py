"""The local AWS API plane: moto's server on loopback, with the project's engines in front.

This is the only module that imports moto. It:

- serves moto's WSGI application on a loopback port (``ApiPlane.start``);
- routes requests for actions a project service API answers (``ServiceApi.ACTIONS``) to it,
  by ``X-Amz-Target`` for the JSON protocols and by method and path for the REST-JSON ones
  (routes read from botocore's service model), and serialises ``AwsError`` the way each
  protocol does;
- passes requests carrying ``x-etl-local-passthrough: 1`` straight to moto;
- observes successful S3 writes and deletes (DeleteObjects too, one per deleted key) and
  emits the EventBridge events S3 would emit for buckets with EventBridge notifications
  enabled (``S3EventEmitter``);
- writes every successful object and Glue catalogue change through to the workspace before
  answering the request (``WorkspaceMirror``), so a crash of the runtime loses none of them.

Everything here that depends on moto internals is listed in ``MOTO_INTERNALS`` and checked by
``tests/unit/runtime/test_moto_contract.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import itertools
import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote_plus
from xml.etree import ElementTree

from werkzeug.serving import BaseWSGIServer, make_server

from etl_local.awserrors import AwsError
from etl_local.context import ACCOUNT_ID, PASSTHROUGH_HEADER, REGION
from etl_local.workspace import (
    UnsafeKey,
    Workspace,
    database_input,
    partition_input,
    table_input,
)

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EventSink = Callable[[dict[str, Any]], None]


class ServiceApi(Protocol):
    ACTIONS: frozenset[str]

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- moto coupling

# Names this module uses from moto; the contract tests import each one.
MOTO_INTERNALS = (
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app.create_backend_app",
    "moto.moto_server.werkzeug_app.MotoRequestHandler",
    "moto.s3.notifications._send_event_bridge_message",
    "moto.s3.models.s3_backends",
    "moto.s3.models.FakeKey",
    "moto.glue.models.glue_backends",
)


def eventbridge_enabled(bucket: str) -> bool:
    """Whether ``bucket`` sends its events to EventBridge.

    Read from moto's bucket model: moto stores ``EventBridgeConfiguration`` but leaves it out of
    ``GetBucketNotificationConfiguration``'s response.
    """
    from moto.s3.models import s3_backends

    try:
        config = s3_backends[ACCOUNT_ID]["aws"].get_bucket(bucket).notification_configuration
    except Exception:  # NoSuchBucket: a deleted bucket sends nothing
        return False
    return config is not None and config.event_bridge is not None


def _moto_app() -> tuple[WsgiApp, Any]:
    """moto's WSGI app and request handler, with moto's own S3 -> EventBridge delivery off.

    moto delivers S3 EventBridge notifications itself (to SQS/log-group targets only, with a
    fixed sequencer and request id). The event bus of the runtime delivers every target, so
    moto's copy would duplicate SQS messages: it is replaced by a no-op.
    """
    from moto.moto_server import werkzeug_app
    from moto.s3 import notifications

    notifications._send_event_bridge_message = _no_moto_eventbridge  # type: ignore[assignment]
    app = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)

    class KeepAliveHandler(werkzeug_app.MotoRequestHandler):
        # HTTP/1.1: clients keep their connections (boto3 pools them) instead of one per call
        protocol_version = "HTTP/1.1"

    return app, KeepAliveHandler


def _no_moto_eventbridge(*_: Any, **__: Any) -> None:
    return None


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    remote_addr: str

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            remote_addr=environ.get("REMOTE_ADDR", "127.0.0.1"),
        )

    @property
    def signing_service(self) -> str | None:
        """The service in the SigV4 credential scope (``.../us-east-1/s3/aws4_request``)."""
        auth = self.headers.get("authorization", "")
        match = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request", auth)
        if match:
            return match.group(1)
        credential = self.query.get("X-Amz-Credential", [""])[0]
        parts = credential.split("/")
        return parts[3] if len(parts) == 5 else None


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def __call__(self, start_response: Callable[..., Any]) -> list[bytes]:
        reason = _STATUS_TEXT.get(self.status, "OK")
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {reason}", headers)
        return [self.body]


_STATUS_TEXT = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
}


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, default=_json_default).encode()


# --------------------------------------------------------------------------- JSON protocols

# X-Amz-Target prefix -> (service key, content type of the protocol)
JSON_TARGETS: dict[str, tuple[str, str]] = {
    "AmazonAthena": ("athena", "application/x-amz-json-1.1"),
    "AWSGlue": ("glue", "application/x-amz-json-1.1"),
    "AWSStepFunctions": ("stepfunctions", "application/x-amz-json-1.0"),
    "AWSEvents": ("events", "application/x-amz-json-1.1"),
}


@dataclass(frozen=True)
class Call:
    service: str
    action: str
    params: dict[str, Any]
    route: RestRoute | None = None
    content_type: str = "application/json"


def _json_call(request: Request) -> Call | None:
    target = request.headers.get("x-amz-target", "")
    prefix, _, action = target.partition(".")
    if prefix not in JSON_TARGETS:
        return None
    service, content_type = JSON_TARGETS[prefix]
    params = json.loads(request.body or b"{}")
    return Call(service, action, params, None, content_type)


def _json_response(call: Call, result: dict[str, Any]) -> Response:
    return Response(200, [("Content-Type", call.content_type)], _dumps(result))


def _json_error(call: Call, error: AwsError) -> Response:
    body = {"__type": error.code, "message": error.message}
    return Response(
        error.status,
        [("Content-Type", call.content_type), ("x-amzn-ErrorType", error.code)],
        _dumps(body),
    )


# --------------------------------------------------------------------------- REST-JSON


@dataclass(frozen=True)
class RestRoute:
    """One REST-JSON operation: method + path template -> action and its params.

    The regex groups of ``pattern`` are named after the request members they carry;
    ``query_params``/``header_params`` map wire names to request members; ``payload`` names a member carried as the raw body (Lambda Invoke),
    ``status_member`` the member that becomes the HTTP status, ``response_headers`` the
    response members sent as headers.
    """

    service: str
    method: str
    pattern: re.Pattern[str]
    action: str
    query_params: Mapping[str, str] = field(default_factory=dict)
    header_params: Mapping[str, str] = field(default_factory=dict)
    payload: str | None = None
    status_member: str | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)


# Services on a JSON protocol (routed by X-Amz-Target above); every other service a project
# API answers is REST-JSON, routed by method and path.
_JSON_SERVICES = frozenset(service for service, _ in JSON_TARGETS.values())


@functools.cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _wire_names(shape: Any, location: str) -> dict[str, str]:
    """Wire name -> member name of the members of ``shape`` bound to ``location``."""
    members = shape.members if shape is not None else {}
    return {
        member.serialization.get("name", name): name
        for name, member in members.items()
        if member.serialization.get("location") == location
    }


def rest_route(service: str, action: str) -> RestRoute:
    """The route of one REST-JSON operation, read from botocore's service model (its
    ``http.method``/``requestUri`` and where each member travels), so it is the one every SDK
    uses."""
    operation = _service_model(service).operation_model(action)
    path = operation.http["requestUri"].split("?", 1)[0]
    labels = _wire_names(operation.input_shape, "uri")
    regex = []
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            label = part[1:-1]
            greedy = label.endswith("+")
            member = labels[label.rstrip("+")]
            regex.append(f"(?P<{member}>{'.+' if greedy else '[^/]+'})")
        else:
            regex.append(re.escape(part))
    pattern = re.compile("^" + "".join(regex).rstrip("/") + "/?$")
    inputs, outputs = operation.input_shape, operation.output_shape
    payload = inputs.serialization.get("payload") if inputs is not None else None
    raw_payload = payload is not None and inputs.members[payload].type_name in ("blob", "string")
    return RestRoute(
        service=service,
        method=operation.http["method"],
        pattern=pattern,
        action=action,
        query_params=_wire_names(inputs, "querystring"),
        header_params={wire.lower(): m for wire, m in _wire_names(inputs, "header").items()},
        payload=payload if raw_payload else None,
        status_member=next(iter(_wire_names(outputs, "statusCode").values()), None),
        response_headers={m: wire for wire, m in _wire_names(outputs, "header").items()},
    )


def rest_routes(service: str, actions: Iterable[str]) -> tuple[RestRoute, ...]:
    """The routes of the REST-JSON ``actions`` a project API answers (none for JSON ones)."""
    if service in _JSON_SERVICES or _service_model(service).protocol != "rest-json":
        return ()
    return tuple(rest_route(service, action) for action in sorted(actions))


def _rest_call(request: Request, routes: Iterable[RestRoute]) -> Call | None:
    for route in routes:
        if route.method != request.method:
            continue
        match = route.pattern.match(request.path)
        if not match:
            continue
        params: dict[str, Any] = dict(match.groupdict())
        for wire, member in route.query_params.items():
            if wire in request.query:
                params[member] = request.query[wire][0]
        for wire, member in route.header_params.items():
            if wire in request.headers:
                params[member] = request.headers[wire]
        if route.payload:
            params[route.payload] = request.body
        elif request.body:
            params.update(json.loads(request.body))
        return Call(route.service, route.action, params, route)
    return None


def _rest_response(call: Call, result: dict[str, Any]) -> Response:
    route = call.route
    assert route is not None
    result = dict(result)
    status = int(result.pop(route.status_member, 200)) if route.status_member else 200
    headers = [("Content-Type", "application/json")]
    for member, header in route.response_headers.items():
        if result.get(member) is not None:
            headers.append((header, str(result.pop(member))))
    if route.payload:
        payload = result.get(route.payload) or b""
        body = payload if isinstance(payload, bytes) else _dumps(payload)
    else:
        body = _dumps(result)
    return Response(status, headers, body)


def _rest_error(call: Call, error: AwsError) -> Response:
    body = {"Type": "User", "message": error.message}
    return Response(
        error.status,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)],
        _dumps(body),
    )


# --------------------------------------------------------------------------- S3 events


@dataclass(frozen=True)
class S3Change:
    """A successful S3 mutation seen on the wire."""

    bucket: str
    key: str
    reason: str  # PutObject | CopyObject | CompleteMultipartUpload | DeleteObject
    request_id: str
    source_ip: str
    version_id: str | None = None
    delete_marker: bool = False


# Query parameters that make a PUT/DELETE on a key a sub-resource call, not an object write.
_S3_SUBRESOURCES = frozenset(
    {"acl", "tagging", "retention", "legal-hold", "restore", "torrent", "attributes"}
)


def _s3_reason(request: Request) -> str | None:
    """The S3 API whose success creates or deletes an object, for EventBridge's ``reason``."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    if not bucket or not key or _S3_SUBRESOURCES & request.query.keys():
        return None
    multipart = "uploadId" in request.query
    rules: dict[tuple[str, bool], str] = {
        ("PUT", False): "CopyObject" if "x-amz-copy-source" in request.headers else "PutObject",
        ("POST", True): "CompleteMultipartUpload",
        ("DELETE", False): "DeleteObject",
    }
    return rules.get((request.method, multipart))


def s3_change(request: Request, status: int, headers: Mapping[str, str]) -> S3Change | None:
    if not 200 <= status < 300 or request.signing_service not in (None, "s3"):
        return None
    if "x-amz-target" in request.headers:
        return None
    reason = _s3_reason(request)
    if reason is None:
        return None
    bucket, _, key = request.path.lstrip("/").partition("/")
    return S3Change(
        bucket=bucket,
        key=key,
        reason=reason,
        request_id=headers.get("x-amz-request-id", uuid.uuid4().hex[:16].upper()),
        source_ip=request.remote_addr,
        version_id=headers.get("x-amz-version-id"),
        delete_marker=headers.get("x-amz-delete-marker") == "true",
    )


def is_delete_objects(request: Request) -> bool:
    """DeleteObjects, S3's multi-object delete (``POST /<bucket>?delete``)."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    return (
        request.method == "POST"
        and "delete" in request.query
        and bool(bucket)
        and not key
        and request.signing_service in (None, "s3")
        and "x-amz-target" not in request.headers
    )


def s3_deletions(
    request: Request, status: int, headers: Mapping[str, str], body: bytes
) -> list[S3Change]:
    """One change per ``<Deleted>`` entry of a successful DeleteObjects response (the keys in
    ``<Error>`` entries were not deleted). S3 reports each as a DeleteObject."""
    if not 200 <= status < 300 or not body:
        return []
    bucket = request.path.lstrip("/").partition("/")[0]
    request_id = headers.get("x-amz-request-id", uuid.uuid4().hex[:16].upper())
    changes = []
    for deleted in ElementTree.fromstring(body):  # noqa: S314 - moto's own response
        if deleted.tag.rpartition("}")[2] != "Deleted":
            continue
        fields = {child.tag.rpartition("}")[2]: child.text or "" for child in deleted}
        # No VersionId asked for on a versioned bucket: S3 created a delete marker.
        marker = fields.get("DeleteMarker") == "true" and "VersionId" not in fields
        changes.append(
            S3Change(
                bucket=bucket,
                key=fields.get("Key", ""),
                reason="DeleteObject",
                request_id=request_id,
                source_ip=request.remote_addr,
                version_id=fields.get("DeleteMarkerVersionId" if marker else "VersionId"),
                delete_marker=marker,
            )
        )
    return changes


def encode_event_key(key: str) -> str:
    """S3 URL-encodes object keys in its events (``a b=c`` -> ``a+b%3Dc``); consumers decode
    them with ``unquote_plus`` (as Powertools' ``S3EventBridgeNotificationObject.key`` does)."""
    return quote_plus(key, safe="/")


class S3EventEmitter:
    """Turns ``S3Change``s into EventBridge events, on a thread of its own (S3 delivers
    notifications asynchronously; a slow consumer never slows a PutObject)."""

    def __init__(self, s3_client: Any, sink: EventSink) -> None:
        self._s3 = s3_client
        self._sink = sink
        self._queue: queue.Queue[S3Change | None] = queue.Queue()
        self._sequence = itertools.count(1)
        self._pending = 0
        self._idle = threading.Condition()
        self.enabled = True
        self._thread = threading.Thread(target=self._run, name="s3-events", daemon=True)
        self._thread.start()

    def submit(self, change: S3Change) -> None:
        if not self.enabled:
            return
        with self._idle:
            self._pending += 1
        self._queue.put(change)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted change has been turned into an event."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (change := self._queue.get()) is not None:
            try:
                event = self.event_for(change)
                if event is not None:
                    self._sink(event)
            except Exception:  # an event consumer must never stop S3 notifications
                log.exception("S3 event for s3://%s/%s not delivered", change.bucket, change.key)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def event_for(self, change: S3Change) -> dict[str, Any] | None:
        if not eventbridge_enabled(change.bucket):
            return None
        obj: dict[str, Any] = {"key": encode_event_key(change.key)}
        detail_type = "Object Deleted" if change.reason == "DeleteObject" else "Object Created"
        if detail_type == "Object Created":
            head_args = {"Bucket": change.bucket, "Key": change.key}
            if change.version_id:
                head_args["VersionId"] = change.version_id
            head = self._s3.head_object(**head_args)
            obj["size"] = head["ContentLength"]
            obj["etag"] = head["ETag"].strip('"')
        if change.version_id and change.version_id != "null":
            obj["version-id"] = change.version_id
        obj["sequencer"] = f"{next(self._sequence):018X}"
        detail: dict[str, Any] = {
            "version": "0",
            "bucket": {"name": change.bucket},
            "object": obj,
            "request-id": change.request_id,
            "requester": ACCOUNT_ID,
            "source-ip-address": change.source_ip,
            "reason": change.reason,
        }
        if detail_type == "Object Deleted":
            detail["deletion-type"] = (
                "Delete Marker Created" if change.delete_marker else "Permanently Deleted"
            )
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": "aws.s3",
            "account": ACCOUNT_ID,
            "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:s3:::{change.bucket}"],
            "detail": detail,
        }


# --------------------------------------------------------------------------- workspace mirror


@dataclass(frozen=True)
class CatalogChange:
    """What one catalogue change touched: a database, a table, or a table's partition."""

    database: str
    table: str | None = None
    values: tuple[str, ...] | None = None  # a partition's values


def _partitions(params: dict[str, Any], *values: list[str]) -> list[CatalogChange]:
    return [CatalogChange(params["DatabaseName"], params["TableName"], tuple(v)) for v in values]


# Glue actions that change the catalogue -> what each changes (read again from moto after it)
GLUE_CHANGES: dict[str, Callable[[dict[str, Any]], list[CatalogChange]]] = {
    "CreateDatabase": lambda p: [CatalogChange(p["DatabaseInput"]["Name"])],
    "UpdateDatabase": lambda p: [CatalogChange(p["Name"])],
    "DeleteDatabase": lambda p: [CatalogChange(p["Name"])],
    "CreateTable": lambda p: [CatalogChange(p["DatabaseName"], p["TableInput"]["Name"])],
    "UpdateTable": lambda p: [CatalogChange(p["DatabaseName"], p["TableInput"]["Name"])],
    "DeleteTable": lambda p: [CatalogChange(p["DatabaseName"], p["Name"])],
    "BatchDeleteTable": lambda p: [
        CatalogChange(p["DatabaseName"], t) for t in p["TablesToDelete"]
    ],
    "DeleteTableVersion": lambda p: [CatalogChange(p["DatabaseName"], p["TableName"])],
    "BatchDeleteTableVersion": lambda p: [CatalogChange(p["DatabaseName"], p["TableName"])],
    "CreatePartition": lambda p: _partitions(p, p["PartitionInput"]["Values"]),
    "BatchCreatePartition": lambda p: _partitions(
        p, *(e["Values"] for e in p["PartitionInputList"])
    ),
    "UpdatePartition": lambda p: _partitions(
        p, p["PartitionValueList"], p["PartitionInput"]["Values"]
    ),
    "BatchUpdatePartition": lambda p: _partitions(
        p,
        *(e["PartitionValueList"] for e in p["Entries"]),
        *(e["PartitionInput"]["Values"] for e in p["Entries"]),
    ),
    "DeletePartition": lambda p: _partitions(p, p["PartitionValues"]),
    "BatchDeletePartition": lambda p: _partitions(
        p, *(e["Values"] for e in p["PartitionsToDelete"])
    ),
}


def _glue_backend() -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[ACCOUNT_ID][REGION]


def _s3_backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"]


def _moto_retry(read: Callable[[], Any]) -> Any:
    """``read`` of moto's dicts, again if another request changed one under it."""
    for _ in range(10):
        try:
            return read()
        except RuntimeError:  # "dictionary changed size during iteration"
            continue
    return read()


def current_object(bucket: str, key: str) -> bytes | None:
    """The content of the current version of ``s3://bucket/key`` (None: no such object, or
    its current version is a delete marker), read from moto's model without a request."""
    try:
        obj = _s3_backend().get_object(bucket, key)
    except Exception:  # NoSuchBucket: a deleted bucket has no objects
        return None
    return None if obj is None else bytes(obj.value)


def current_version(bucket: str, key: str) -> tuple[bytes, dict[str, str] | None] | None:
    """The content of the current version of an object and, in a versioned bucket, its
    VersionId and ETag (None: no such object, or its current version is a delete marker)."""
    try:
        obj = _s3_backend().get_object(bucket, key)
    except Exception:  # NoSuchBucket: a deleted bucket has no objects
        return None
    if obj is None:
        return None
    versioned = obj.version_id != "null"
    return bytes(obj.value), {"VersionId": obj.version_id, "ETag": obj.etag} if versioned else None


def restamp_version(bucket: str, key: str, version: dict[str, str]) -> bool:
    """Give a restored object the version id it had (S3 has no API for it): only an object
    with a single version and the same ETag, i.e. the one the restore just put back."""
    versions = _s3_backend().get_bucket(bucket).keys.getlist(key, default=[])
    if len(versions) != 1 or getattr(versions[0], "etag", None) != version.get("ETag"):
        return False
    versions[0]._version_id = version["VersionId"]
    return True


def current_objects(bucket: str) -> list[tuple[str, int, str]]:
    """(key, size, ETag) of the current objects of ``bucket`` (delete markers left out)."""
    from moto.s3.models import FakeKey

    keys = _s3_backend().get_bucket(bucket).keys
    return [
        (key, obj.size, obj.etag)
        for key, obj in _moto_retry(lambda: list(keys.items()))
        if isinstance(obj, FakeKey)
    ]


def bucket_names() -> list[str]:
    return list(_s3_backend().buckets)


def _fake_table(database: str, table: str) -> Any:
    found = _glue_backend().databases.get(database)
    return found.tables.get(table) if found is not None else None


def current_database(database: str) -> dict[str, Any] | None:
    """The DatabaseInput of a database as moto holds it now (None: no such database)."""
    found = _glue_backend().databases.get(database)
    return None if found is None else database_input(found.as_dict())


def current_table(database: str, table: str) -> dict[str, Any] | None:
    """The TableInput of a table as moto holds it now (None: no such table)."""
    fake = _fake_table(database, table)
    return None if fake is None else table_input(fake.as_dict())


def current_partition(database: str, table: str, values: tuple[str, ...]) -> dict[str, Any] | None:
    """The PartitionInput of a partition as moto holds it now (None: no such partition)."""
    fake = _fake_table(database, table)
    found = fake.partitions.get(str(list(values))) if fake is not None else None
    return None if found is None else partition_input(found.as_dict())


def current_partitions(database: str, table: str) -> list[dict[str, Any]]:
    fake = _fake_table(database, table)
    found = [] if fake is None else _moto_retry(lambda: list(fake.partitions.values()))
    return [partition_input(p.as_dict()) for p in found]


class WorkspaceMirror:
    """Writes every successful object and catalogue change through to the workspace, before
    the request that made it is answered: a crash loses nothing a client was told is done.

    Each change re-reads the current state of what it touched (the object's current version,
    the table, the partition) under a lock, so concurrent changes of one object or table
    leave the last state on disk whatever order their requests finish in. One file per
    object, table and partition: a change costs the same whatever the lake's size.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._objects = threading.Lock()
        self._catalog = threading.Lock()

    def object_changed(self, change: S3Change) -> None:
        with self._objects:
            try:
                current = current_version(change.bucket, change.key)
                if current is None:
                    self.workspace.delete_object(change.bucket, change.key)
                else:
                    self.workspace.put_object(change.bucket, change.key, *current)
            except (UnsafeKey, OSError) as exc:  # the object itself is stored: only not mirrored
                log.warning(
                    "s3://%s/%s not written to the workspace: %s", change.bucket, change.key, exc
                )

    def catalog_changed(self, action: str, params: dict[str, Any]) -> None:
        try:
            changes = GLUE_CHANGES[action](params)
        except (KeyError, TypeError):  # moto accepted it; nothing we can name changed
            return
        with self._catalog:
            for change in dict.fromkeys(changes):  # an in-place update names one twice
                self._save(change)

    def _save(self, change: CatalogChange) -> None:
        workspace, database, table = self.workspace, change.database, change.table
        if table is None:
            workspace.save_database(current_database(database), database)
        elif change.values is None:
            workspace.save_table(database, table, current_table(database, table))
        else:
            partition = current_partition(database, table, change.values)
            workspace.save_partition(database, table, list(change.values), partition)

    def sync(self) -> int:
        """Write what moto holds and the workspace lacks (what changed before the mirror was
        on: the provisioned stack, a workspace from before the write-through), read from
        moto's models; returns the objects written. Nothing the workspace has is replaced or
        removed: another runtime (``etl-local history`` beside ``up``) may be writing it, and
        this one restored from it."""
        written = 0
        self.workspace.remove_stale_temporaries()
        with self._objects:
            for bucket in bucket_names():
                listing = current_objects(bucket)
                for key, _, _ in listing:  # restored objects get their version ids back
                    version = self.workspace.object_version(bucket, key)
                    if version is not None:
                        restamp_version(bucket, key, version)
                written += self.workspace.sync_objects(
                    bucket,
                    listing,
                    lambda key, bucket=bucket: current_object(bucket, key) or b"",
                    missing_only=True,
                )
        with self._catalog:
            for name in list(_glue_backend().databases):
                self._save_missing(
                    CatalogChange(name), self.workspace.database_folder(name) / "database.json"
                )
                for table in list(_glue_backend().databases[name].tables):
                    folder = self.workspace.table_folder(name, table)
                    self._save_missing(CatalogChange(name, table), folder / "table.json")
                    for partition in current_partitions(name, table):
                        values = tuple(partition["Values"])
                        self._save_missing(
                            CatalogChange(name, table, values),
                            self.workspace.partition_file(name, table, list(values)),
                        )
        return written

    def _save_missing(self, change: CatalogChange, path: Path) -> None:
        if not path.is_file():
            self._save(change)


# --------------------------------------------------------------------------- the router

ResponseBuilder = Callable[[Call, dict[str, Any]], Response]
ErrorBuilder = Callable[[Call, AwsError], Response]

# protocol (REST route or not) -> how results and errors go on the wire
_SERIALISERS: dict[bool, tuple[ResponseBuilder, ErrorBuilder]] = {
    False: (_json_response, _json_error),
    True: (_rest_response, _rest_error),
}


class Router:
    """WSGI middleware: project service APIs in front of moto, S3 changes observed."""

    def __init__(self, moto_app: WsgiApp) -> None:
        self._moto = moto_app
        self.apis: dict[str, ServiceApi] = {}
        self.s3_listener: Callable[[S3Change], None] | None = None
        self.mirror: WorkspaceMirror | None = None
        self._routes: dict[str, tuple[RestRoute, ...]] = {}  # service -> its APIs' routes
        self._routes_lock = threading.Lock()

    def register(self, service: str, api: ServiceApi) -> None:
        self.apis[service] = api
        with self._routes_lock:
            self._routes.pop(service, None)

    def routes(self, service: str | None) -> tuple[RestRoute, ...]:
        """The REST routes of the API registered for ``service`` (read from botocore's model
        on the first request, not at start-up)."""
        api = self.apis.get(service or "")
        if service is None or api is None:
            return ()
        with self._routes_lock:
            if service not in self._routes:
                self._routes[service] = rest_routes(service, api.ACTIONS)
            return self._routes[service]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request.from_environ(environ)
        environ["wsgi.input"] = _BytesInput(request.body)
        environ["CONTENT_LENGTH"] = str(len(request.body))
        if request.headers.get(PASSTHROUGH_HEADER) != "1":
            call = _json_call(request) or _rest_call(request, self.routes(request.signing_service))
            api = self.apis.get(call.service) if call else None
            if call and api and call.action in api.ACTIONS:
                return self._serve(api, call)(start_response)
        return self._to_moto(request, environ, start_response)

    def _serve(self, api: ServiceApi, call: Call) -> Response:
        ok, fail = _SERIALISERS[call.route is not None]
        try:
            return ok(call, api.dispatch(call.action, call.params))
        except AwsError as error:
            return fail(call, error)
        except Exception as exc:
            log.exception("%s.%s failed", call.service, call.action)
            return fail(call, AwsError("InternalFailure", f"{type(exc).__name__}: {exc}", 500))

    def _to_moto(
        self, request: Request, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            seen["status"] = int(status.split()[0])
            seen["headers"] = {name.lower(): value for name, value in headers}
            if _is_moto_crash(seen["status"], seen["headers"]) or _is_notification_read(
                request, seen["status"]
            ):
                return lambda _: None  # the response is rewritten below
            return start_response(status, headers, *args)

        try:
            result = self._moto(environ, capture)
        except NotImplementedError:
            return _not_implemented(request)(start_response)
        if _is_moto_crash(seen.get("status", 200), seen.get("headers", {})):
            if hasattr(result, "close"):
                result.close()
            return _not_implemented(request)(start_response)
        if _is_notification_read(request, seen.get("status", 0)):
            return _with_eventbridge_setting(request, result, seen, start_response)
        if "status" not in seen or not (self.s3_listener or self.mirror):
            return result
        if is_delete_objects(request):
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            self._observe(s3_deletions(request, seen["status"], seen["headers"], body))
            return [body]
        change = s3_change(request, seen["status"], seen["headers"])
        if change:
            self._observe([change])
        elif self.mirror and 200 <= seen["status"] < 300:
            prefix, _, action = request.headers.get("x-amz-target", "").partition(".")
            if prefix == "AWSGlue" and action in GLUE_CHANGES:
                self.mirror.catalog_changed(action, json.loads(request.body or b"{}"))
        return result

    def _observe(self, changes: Iterable[S3Change]) -> None:
        """Object changes: to the workspace first (before the client hears of success), then
        to the S3 event emitter."""
        for change in changes:
            if self.mirror:
                self.mirror.object_changed(change)
            if self.s3_listener:
                self.s3_listener(change)


def _is_notification_read(request: Request, status: int) -> bool:
    """GetBucketNotificationConfiguration (``GET /<bucket>?notification``) that succeeded."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    return (
        status == 200
        and request.method == "GET"
        and "notification" in request.query
        and bool(bucket)
        and not key
        and "x-amz-target" not in request.headers
    )


def _with_eventbridge_setting(
    request: Request, result: Iterable[bytes], seen: dict[str, Any], start_response: Any
) -> list[bytes]:
    """moto leaves ``EventBridgeConfiguration`` out of the response; S3 includes it."""
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    bucket = request.path.lstrip("/").split("/", 1)[0]
    if eventbridge_enabled(bucket) and b"EventBridgeConfiguration" not in body:
        if body.rstrip().endswith(b"/>"):  # an empty <NotificationConfiguration .../>
            head = body.rstrip()[:-2]
            body = head + b"><EventBridgeConfiguration/></NotificationConfiguration>"
        else:
            body = body.replace(
                b"</NotificationConfiguration>",
                b"<EventBridgeConfiguration/></NotificationConfiguration>",
            )
    headers = [(k, v) for k, v in seen["headers"].items() if k != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response("200 OK", headers)
    return [body]


def _is_moto_crash(status: int, headers: Mapping[str, str]) -> bool:
    """moto answers an action it does not implement with an HTML 500 page."""
    return status == 500 and headers.get("content-type", "").startswith("text/html")


def _not_implemented(request: Request) -> Response:
    """A 501 in the protocol's error shape (botocore does not retry a 501, unlike a 500)."""
    target = request.headers.get("x-amz-target") or f"{request.method} {request.path}"
    message = f"{target} is not implemented by the local API plane"
    if "x-amz-target" in request.headers:
        body = _dumps({"__type": "NotImplementedException", "message": message})
        return Response(501, [("Content-Type", "application/x-amz-json-1.1")], body)
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?><ErrorResponse><Error><Code>NotImplemented"
        f"</Code><Message>{message}</Message></Error></ErrorResponse>"
    )
    return Response(
        501,
        [("Content-Type", "application/xml"), ("x-amzn-ErrorType", "NotImplemented")],
        xml.encode(),
    )


class _BytesInput:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        end = self._data.find(b"\n", self._pos)
        end = len(self._data) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        return self.read(end - self._pos)

    def __iter__(self) -> Any:
        while line := self.readline():
            yield line


# --------------------------------------------------------------------------- the server


_CLOSE_FIRST = frozenset({"stepfunctions"})


class ApiPlane:
    """moto + the project's service APIs on one loopback endpoint."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        moto_app, handler = _moto_app()
        self.router = Router(moto_app)
        self._server: BaseWSGIServer = make_server(
            host, port, self.router, threaded=True, request_handler=handler
        )
        self._thread: threading.Thread | None = None
        self.emitter: S3EventEmitter | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ApiPlane:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="api-plane", daemon=True
        )
        self._thread.start()
        return self

    def register(self, service: str, api: ServiceApi) -> None:
        self.router.register(service, api)

    def emit_s3_events(self, s3_passthrough_client: Any, sink: EventSink) -> S3EventEmitter:
        """Emit S3's EventBridge events to ``sink`` (reads through a passthrough client).

        The runtime calls this once the stack is provisioned and the workspace restored: from
        here on events flow, so the services' ``events_ready`` hooks run too (Step Functions
        ends the executions a stopped runtime left running and announces them).
        """
        self.emitter = S3EventEmitter(s3_passthrough_client, sink)
        self.router.s3_listener = self.emitter.submit
        for service, api in self.router.apis.items():
            ready = getattr(api, "events_ready", None)
            if callable(ready):
                try:
                    ready()
                except Exception:  # one service's catch-up must not stop the runtime
                    log.exception("%s: events_ready failed", service)
        return self.emitter

    def mirror_to(self, workspace: Workspace) -> WorkspaceMirror:
        """Write every object and catalogue change through to ``workspace`` from now on, after
        bringing it up to the current state (the runtime calls this once the stack is
        provisioned and the workspace restored)."""
        mirror = WorkspaceMirror(workspace)
        self.router.mirror = mirror
        mirror.sync()
        return mirror

    def stop(self) -> None:
        if self.emitter:
            self.emitter.close()
        # Running executions stop first: a service they call going away first would fail
        # them, where a stopped runtime leaves them to be ended ABORTED at the next start.
        apis = sorted(self.router.apis.items(), key=lambda item: item[0] not in _CLOSE_FIRST)
        for _, api in apis:
            api.close()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
