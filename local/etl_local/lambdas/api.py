"""The Lambda API actions the local runtime answers (``Invoke`` and the function reads)."""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from etl_local.awserrors import AwsError
from etl_local.lambdas.runner import FunctionSpec, Invocation, LambdaRunner

log = logging.getLogger(__name__)

# A failed asynchronous invocation is retried (EventInvokeConfig MaximumRetryAttempts, default
# 2) - locally without Lambda's minutes between attempts.
LOG_TAIL_BYTES = 4096


def _configuration(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "FunctionName": spec.name,
        "FunctionArn": spec.arn,
        "Runtime": spec.runtime,
        "Handler": spec.handler,
        "Timeout": int(spec.timeout),
        "MemorySize": spec.memory_mb,
        "Version": "$LATEST",
        "Environment": {"Variables": dict(spec.environment)},
        "Layers": [{"Arn": str(layer)} for layer in spec.layers],
        "State": "Active",
        "PackageType": "Zip",
    }


class LambdaApi:
    ACTIONS = frozenset({"Invoke", "GetFunction", "GetFunctionConfiguration", "ListFunctions"})

    def __init__(
        self,
        runner: LambdaRunner,
        async_retry_delay: float = 0.5,
        destinations: Callable[[str, str], None] | None = None,
    ) -> None:
        self.runner = runner
        self._destinations = destinations
        self._async: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._delay = async_retry_delay
        self._pending = 0
        self._idle = threading.Condition()
        self._workers = [
            threading.Thread(target=self._run_async, name=f"lambda-async-{i}", daemon=True)
            for i in range(8)
        ]
        for worker in self._workers:
            worker.start()
        self._actions: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "Invoke": self._invoke,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_configuration,
            "ListFunctions": self._list_functions,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._actions[action](params)

    def _invoke(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["FunctionName"]
        payload = params.get("Payload") or b""
        kind = params.get("InvocationType", "RequestResponse")
        pool = self.runner.pool(name)  # ResourceNotFoundException before anything else
        if kind == "DryRun":
            return {"StatusCode": 204, "Payload": b""}
        if kind == "Event":
            if len(payload) > 256 * 1024:
                raise AwsError(
                    "RequestEntityTooLargeException",
                    f"{len(payload)} byte payload is too large for the Event invocation type "
                    "(limit 262144 bytes)",
                    413,
                )
            with self._idle:
                self._pending += 1
            self._async.put((pool.spec.name, payload))
            return {"StatusCode": 202, "Payload": b""}
        if kind != "RequestResponse":
            raise AwsError(
                "InvalidParameterValueException", f"Unsupported InvocationType: {kind}", 400
            )
        invocation = self.runner.invoke(name, payload)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": invocation.result,
            "ExecutedVersion": "$LATEST",
            "FunctionError": invocation.function_error,
        }
        if params.get("LogType") == "Tail":
            tail = invocation.log_text.encode()[-LOG_TAIL_BYTES:]
            response["LogResult"] = base64.b64encode(tail).decode()
        return response

    def _run_async(self) -> None:
        while (item := self._async.get()) is not None:
            name, payload = item
            try:
                spec = self.runner.pool(name).spec
                for attempt in range(spec.async_retries + 1):
                    invocation: Invocation = self.runner.invoke(name, payload, "Event")
                    if not invocation.error:
                        break
                    log.warning(
                        "%s async attempt %d failed: %s",
                        name,
                        attempt + 1,
                        invocation.error.get("errorMessage"),
                    )
                    if attempt < spec.async_retries:
                        time.sleep(self._delay * (attempt + 1))
                else:
                    self._on_failure(spec, invocation, attempt + 1)
            except Exception:
                log.exception("asynchronous invoke of %s failed", name)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _on_failure(self, spec: FunctionSpec, invocation: Invocation, attempts: int) -> None:
        """The on-failure destination of EventInvokeConfig gets Lambda's invocation record."""
        if not spec.on_failure or self._destinations is None:
            return
        record = {
            "version": "1.0",
            "timestamp": invocation.started.isoformat(),
            "requestContext": {
                "requestId": invocation.request_id,
                "functionArn": f"{spec.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": json.loads(invocation.payload or b"null"),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": invocation.error,
        }
        self._destinations(spec.on_failure, json.dumps(record))

    def drain(self, timeout: float = 300.0) -> bool:
        """Wait until every queued asynchronous invoke has run."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _get_function(self, params: dict[str, Any]) -> dict[str, Any]:
        spec = self.runner.pool(params["FunctionName"]).spec
        return {"Configuration": _configuration(spec)}

    def _get_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        return _configuration(self.runner.pool(params["FunctionName"]).spec)

    def _list_functions(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Functions": [_configuration(s) for s in self.runner.functions.values()]}

    def close(self) -> None:
        for _ in self._workers:
            self._async.put(None)
        self.runner.close()
