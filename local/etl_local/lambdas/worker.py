"""One Lambda execution environment: a process that imports one handler and serves invokes.

Standalone (standard library only): it runs under the function's runtime Python, which may
not have the project installed. Protocol with ``runner.py``:

- argv: handler (``module.function``) and the file descriptor for responses;
- requests: one JSON line each on stdin ``{request_id, payload, deadline_ms, invoked_arn}``;
- responses: one JSON line each on that file descriptor: first the init result
  ``{"init": true, "ok": ..., "error": ...}``, then per request ``{"ok": ..., "result"|"error"}``;
- logs: the handler's stdout/stderr go to this process's stdout, between ``START`` and
  ``END RequestId: <id>`` lines, as Lambda writes them to CloudWatch Logs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object the Python runtime passes to a handler."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_arn: str) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = invoked_arn
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def _load(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    function = getattr(module, function_name, None)
    if function is None:
        raise _InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _invoke(function: Any, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(request["request_id"], request["deadline_ms"], request["invoked_arn"])
    event = json.loads(request["payload"]) if request["payload"] else {}
    try:
        result = function(event, context)
    except Exception as exc:
        return {"ok": False, "error": _error(exc)}
    try:
        return {"ok": True, "result": json.dumps(result)}
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        return {
            "ok": False,
            "error": _error(exc, "Runtime.MarshalError") | {"errorMessage": message},
        }


def main() -> None:
    handler = sys.argv[1]
    responses = os.fdopen(int(sys.argv[2]), "w", buffering=1)
    started = time.perf_counter()
    try:
        function = _load(handler)
        init: dict[str, Any] = {"init": True, "ok": True}
    except _InitError as exc:
        function = None
        init = {"init": True, "ok": False, "error": _error(exc, exc.error_type)}
    init["duration_ms"] = (time.perf_counter() - started) * 1000
    sys.stdout.flush()
    responses.write(json.dumps(init) + "\n")
    if function is None:
        return
    for line in sys.stdin:
        request = json.loads(line)
        request_id = request["request_id"]
        print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
        response = _invoke(function, request)
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"END RequestId: {request_id}", flush=True)
        responses.write(json.dumps(response) + "\n")


if __name__ == "__main__":
    main()
