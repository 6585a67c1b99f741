"""Lambda: ``arn:aws:states:::lambda:invoke`` and plain function ARNs as Resource."""

from __future__ import annotations

import json
from typing import Any

from etl_local.stepfunctions.errors import StatesError
from etl_local.stepfunctions.integrations.base import (
    Clients,
    TaskCall,
    api_response,
    as_json_text,
    call_api,
)


def _invoke(clients: Clients, params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if "Payload" in params:
        params["Payload"] = as_json_text(params["Payload"])
    response = call_api(clients, "lambda", "Invoke", params)
    payload_text = response.get("Payload")
    raw = payload_text.read() if hasattr(payload_text, "read") else payload_text or b""
    text = raw.decode() if isinstance(raw, bytes | bytearray) else str(raw)
    function_error = response.get("FunctionError")
    if function_error:
        raise _function_error(function_error, text)
    response["Payload"] = json.loads(text) if text else None
    return response


def _function_error(function_error: str, text: str) -> StatesError:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        body = None
    error_type = body.get("errorType") if isinstance(body, dict) else None
    return StatesError(str(error_type or function_error), text)


def invoke(clients: Clients, call: TaskCall) -> Any:
    """The optimized integration: output {ExecutedVersion, Payload, StatusCode, ...}."""
    response = _invoke(clients, call.parameters or {})
    payload = response.pop("Payload")
    metadata = response.get("ResponseMetadata", {})
    out = api_response(response)
    out["Payload"] = payload
    if metadata:
        headers = metadata.get("HTTPHeaders", {})
        out["SdkHttpMetadata"] = {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": dict(headers),
            "HttpStatusCode": metadata.get("HTTPStatusCode"),
        }
        out["SdkResponseMetadata"] = {"RequestId": metadata.get("RequestId")}
    return out


def invoke_function_arn(clients: Clients, call: TaskCall) -> Any:
    """A Lambda function ARN as Resource: the output is the function's result itself."""
    params = {"FunctionName": call.resource, "Payload": call.parameters}
    return _invoke(clients, params)["Payload"]
