"""What every service integration shares: boto3 clients, casing, errors, polling.

Clients honour the environment (``AWS_ENDPOINT_URL``, region, credentials), so the same
integration talks to the local API plane or to a real account. Parameter names are
matched to the API's member names through botocore's shape model (Step Functions takes
PascalCase even for camelCase APIs); responses come back with structure members in
PascalCase, map keys untouched, timestamps as epoch milliseconds.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape

from etl_local.context import new_client
from etl_local.stepfunctions.errors import TASK_FAILED, TIMEOUT, StatesError, compact

if TYPE_CHECKING:
    from etl_local.stepfunctions.scope import Scope

DEFAULT_REGION = "us-east-1"


@dataclass
class TaskCall:
    """One invocation of a Task's resource."""

    scope: Scope
    resource: str
    parameters: Any
    timeout: float | None = None
    heartbeat: float | None = None
    token: str | None = None

    def check(self, started: float) -> None:
        self.scope.check()
        if self.timeout is not None and self.scope.clock.now() - started >= self.timeout:
            raise StatesError(TIMEOUT)


# A synchronous Lambda Invoke answers when the function ends (its timeout is at most 900 s):
# a shorter read timeout would make the SDK retry and run the function twice.
READ_TIMEOUTS: dict[str, float] = {"lambda": 905.0}


class Clients:
    """boto3 clients per service, created once, configured by the environment."""

    def __init__(
        self,
        endpoint_url: str | None = None,
        region: str | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.credentials = dict(credentials or {})
        self.region = region or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                kwargs: dict[str, Any] = {"region_name": self.region, **self.credentials}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                self._clients[service] = new_client(
                    service,
                    config=Config(
                        retries={"max_attempts": 2, "mode": "standard"},
                        max_pool_connections=64,
                        read_timeout=READ_TIMEOUTS.get(service, 60),
                    ),
                    **kwargs,
                )
            return self._clients[service]


# --- casing -------------------------------------------------------------------------------


def to_api_params(shape: Shape | None, value: Any) -> Any:
    """Rename Step Functions' PascalCase keys to the API's member names (recursively)."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        by_lower = {name.lower(): name for name in shape.members}
        out: dict[str, Any] = {}
        for key, item in value.items():
            member = str(by_lower.get(key.lower(), key))
            out[member] = to_api_params(shape.members.get(member), item)
        return out
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_api_params(shape.member, item) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_api_params(shape.value, item) for key, item in value.items()}
    if shape is not None and shape.type_name == "blob" and isinstance(value, str):
        return value.encode()
    return value


def from_api_response(shape: Shape | None, value: Any) -> Any:
    """A boto3 response as Step Functions returns it: PascalCase members, JSON values."""
    if isinstance(value, dict):
        if isinstance(shape, StructureShape):
            return {
                _pascal(key): from_api_response(shape.members.get(key), item)
                for key, item in value.items()
                if key != "ResponseMetadata"
            }
        inner = shape.value if isinstance(shape, MapShape) else None
        return {key: from_api_response(inner, item) for key, item in value.items()}
    if isinstance(value, list):
        inner = shape.member if isinstance(shape, ListShape) else None
        return [from_api_response(inner, item) for item in value]
    return json_value(value)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, bytes | bytearray):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return base64.b64encode(value).decode()
    if hasattr(value, "read"):
        return json_value(value.read())
    return value


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def plain_response(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 response as JSON (keys as the API names them, timestamps epoch ms)."""
    return {
        key: from_api_response(None, value)
        for key, value in response.items()
        if key != "ResponseMetadata"
    }


# --- calls and errors ---------------------------------------------------------------------


def service_prefix(service_id: str) -> str:
    """The service part of an error name, as the AWS SDK names the service (PascalCase).

    botocore's service id ("DynamoDB", "ACM PCA", "Secrets Manager", "SFN") becomes
    "DynamoDb", "AcmPca", "SecretsManager", "Sfn": words joined, uppercase runs folded.
    """
    words = service_id.replace("-", " ").split()
    return "".join(re.sub(r"([A-Z])([A-Z]+)", _fold, word[:1].upper() + word[1:]) for word in words)


def _fold(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).lower()


def error_name(service_id: str, code: str) -> str:
    if not code.endswith("Exception"):
        code += "Exception"
    return f"{service_prefix(service_id)}.{code}"


# Optimized integrations report errors the way the AWS SDK for Java v1 words them, with
# its client names; aws-sdk integrations the way SDK v2 does (service id, commas).
V1_CLIENT_NAMES: dict[str, str] = {
    "athena": "AmazonAthena",
    "glue": "AWSGlue",
    "databrew": "AWSGlueDataBrew",
    "lambda": "AWSLambda",
    "sns": "AmazonSNS",
    "sqs": "AmazonSQS",
    "dynamodb": "AmazonDynamoDBv2",
    "stepfunctions": "AWSStepFunctions",
    "events": "AmazonCloudWatchEvents",
}


def _cause(
    service: str, service_id: str, sdk: bool, code: str, message: str, meta: dict[str, Any]
) -> str:
    status = meta.get("HTTPStatusCode", 400)
    request_id = meta.get("RequestId", "")
    if sdk or service not in V1_CLIENT_NAMES:
        return f"{message} (Service: {service_id}, Status Code: {status}, Request ID: {request_id})"
    return (
        f"{message} (Service: {V1_CLIENT_NAMES[service]}; Status Code: {status}; "
        f"Error Code: {code}; Request ID: {request_id}; Proxy: null)"
    )


def call_api(
    clients: Clients, service: str, action: str, params: Any, sdk: bool = False
) -> dict[str, Any]:
    """Call ``action`` (camelCase or PascalCase) with Step Functions-style params via boto3.

    ``sdk``: an ``aws-sdk:`` integration (its error causes are worded as SDK v2 does).
    """
    client = clients(service)
    model = client.meta.service_model
    operation_name = _operation_name(model, action)
    if operation_name is None:
        raise StatesError(
            "States.Runtime",
            f"The resource provided arn:aws:states:::aws-sdk:{service}:{action} is not "
            f"recognized. The value is not a valid resource ARN, or the resource is not "
            f"available in this region.",
        )
    operation = model.operation_model(operation_name)
    method = getattr(client, _snake(client, operation_name))
    api_params = to_api_params(operation.input_shape, params or {})
    try:
        response = method(**api_params)
    except ClientError as err:
        error = err.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        meta = dict(err.response.get("ResponseMetadata", {}))
        message = str(error.get("Message", ""))
        raise StatesError(
            error_name(model.service_id, code),
            _cause(service, model.service_id, sdk, code, message, meta),
        ) from None
    except BotoCoreError as err:  # client side (connection, credentials): the SDK's error
        raise StatesError(
            f"{service_prefix(model.service_id)}.SdkClientException", str(err)
        ) from None
    return {"__shape__": operation.output_shape, **response}


def _operation_name(model: Any, action: str) -> str | None:
    wanted = action.lower()
    for name in model.operation_names:
        if name.lower() == wanted:
            return str(name)
    return None


def _snake(client: Any, operation_name: str) -> str:
    mapping: dict[str, str] = {op: py for py, op in client.meta.method_to_api_mapping.items()}
    return mapping[operation_name]


def sdk_response(response: dict[str, Any]) -> dict[str, Any]:
    shape = response.pop("__shape__", None)
    response.pop("ResponseMetadata", None)
    return from_api_response(shape, response) if shape is not None else plain_response(response)


def api_response(response: dict[str, Any]) -> dict[str, Any]:
    """For optimized integrations: keys exactly as the service API names them."""
    response.pop("__shape__", None)
    return plain_response(response)


# --- polling for .sync ----------------------------------------------------------------------


class RunChanges:
    """Wakes a ``.sync`` task when the service reports that the run it waits for changed.

    The services emit state-change events (``Athena Query State Change``, ``Glue Job State
    Change``); where the runtime sees them (locally, the API plane's event bus) it passes them
    to ``notify_event`` and the waiting task describes the run at once instead of at its next
    poll. Without events (a remote endpoint, a service that emits none) polling alone
    finds the end, as before.
    """

    # detail-type -> the detail field naming the run (one entry per service that emits one)
    RUN_ID_FIELDS: dict[str, str] = {
        "Athena Query State Change": "queryExecutionId",
        "Glue Job State Change": "jobRunId",
    }

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._versions: dict[str, int] = {}  # run id -> changes seen, for watched runs only

    def notify_event(self, event: dict[str, Any]) -> None:
        field = self.RUN_ID_FIELDS.get(str(event.get("detail-type")))
        detail = event.get("detail")
        if field and isinstance(detail, dict) and detail.get(field):
            self.notify(str(detail[field]))

    def notify(self, run_id: str) -> None:
        with self._changed:
            if run_id in self._versions:
                self._versions[run_id] += 1
                self._changed.notify_all()

    def watch(self, run_id: str) -> None:
        with self._changed:
            self._versions.setdefault(run_id, 0)

    def forget(self, run_id: str) -> None:
        with self._changed:
            self._versions.pop(run_id, None)

    def version(self, run_id: str) -> int:
        with self._changed:
            return self._versions.get(run_id, 0)

    def wait(self, run_id: str, seen: int, timeout: float) -> bool:
        """Until the run changes after version ``seen`` (True) or ``timeout`` (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._versions.get(run_id, 0) != seen, timeout)


RUN_CHANGES = RunChanges()
FIRST_POLL = 0.2  # seconds; grows 1.5x per poll up to LAST_POLL
LAST_POLL = 1.0


def poll(
    call: TaskCall,
    describe: Callable[[], dict[str, Any]],
    status_of: Callable[[dict[str, Any]], str],
    succeeded: frozenset[str],
    failed: frozenset[str],
    run_id: str | None = None,
) -> dict[str, Any]:
    """Describe until the run ends; SUCCEEDED -> the description, failure -> States.TaskFailed.

    ``run_id``: the run's id in the service's state-change events; a change reported for it
    ends the wait before the poll interval does.
    """
    started = call.scope.clock.now()
    interval = FIRST_POLL
    key = run_id or ""
    if run_id:
        RUN_CHANGES.watch(run_id)
    try:
        while True:
            seen = RUN_CHANGES.version(key)  # before describing: no change is missed
            description = describe()
            status = status_of(description)
            if status in succeeded:
                return description
            if status in failed:
                raise StatesError(TASK_FAILED, compact(description))
            call.check(started)
            if call.scope.run.cancel.is_set() or not run_id:
                call.scope.run.cancel.wait(interval)
            else:
                RUN_CHANGES.wait(run_id, seen, interval)
            interval = min(LAST_POLL, interval * 1.5)
    finally:
        if run_id:
            RUN_CHANGES.forget(run_id)


def as_json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
