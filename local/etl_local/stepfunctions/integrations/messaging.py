"""SNS, SQS, EventBridge and DynamoDB item actions (request-response and .waitForTaskToken)."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.integrations.base import (
    Clients,
    TaskCall,
    api_response,
    as_json_text,
    call_api,
)
from etl_local.stepfunctions.integrations.registry import Action, request


def put_events(clients: Clients, call: TaskCall) -> Any:
    entries = [
        {**entry, "Detail": as_json_text(entry["Detail"])} if "Detail" in entry else entry
        for entry in (call.parameters or {}).get("Entries", [])
    ]
    return api_response(
        call_api(clients, "events", "PutEvents", {**call.parameters, "Entries": entries})
    )


ACTIONS: dict[str, Action] = {
    "sns:publish": Action(request("sns", "Publish", ("Message",))),
    "events:putEvents": Action(put_events),
    "sqs:sendMessage": Action(request("sqs", "SendMessage", ("MessageBody",))),
    **{
        f"dynamodb:{action[:1].lower()}{action[1:]}": Action(request("dynamodb", action))
        for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
    },
}
