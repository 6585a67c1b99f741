"""Athena: startQueryExecution (.sync), stopQueryExecution, getQueryExecution, getQueryResults."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.integrations.base import (
    Clients,
    TaskCall,
    api_response,
    call_api,
    poll,
)
from etl_local.stepfunctions.integrations.registry import Action, request

SUCCEEDED = frozenset({"SUCCEEDED"})
FAILED = frozenset({"FAILED", "CANCELLED"})


def start_query_sync(clients: Clients, call: TaskCall) -> Any:
    started = api_response(call_api(clients, "athena", "StartQueryExecution", call.parameters))
    query_id = started["QueryExecutionId"]
    return poll(
        call,
        lambda: api_response(
            call_api(clients, "athena", "GetQueryExecution", {"QueryExecutionId": query_id})
        ),
        lambda d: str(d["QueryExecution"]["Status"]["State"]),
        SUCCEEDED,
        FAILED,
        run_id=query_id,
    )


ACTIONS: dict[str, Action] = {
    "athena:startQueryExecution": Action(
        request("athena", "StartQueryExecution"), sync=start_query_sync
    ),
    "athena:stopQueryExecution": Action(request("athena", "StopQueryExecution")),
    "athena:getQueryExecution": Action(request("athena", "GetQueryExecution")),
    "athena:getQueryResults": Action(request("athena", "GetQueryResults")),
}
