"""The generic AWS SDK integration: ``arn:aws:states:::aws-sdk:<service>:<action>``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from etl_local.stepfunctions.integrations.base import Clients, TaskCall, call_api, sdk_response
from etl_local.stepfunctions.integrations.registry import Handler


@lru_cache(maxsize=512)
def sdk_handler(service: str, action: str) -> Handler:
    def handler(clients: Clients, call: TaskCall) -> Any:
        return sdk_response(call_api(clients, service, action, call.parameters, sdk=True))

    return handler
