"""DataBrew: startJobRun (.sync polls DescribeJobRun; the output is the job run)."""

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
FAILED = frozenset({"FAILED", "STOPPED", "TIMEOUT"})


def start_job_run_sync(clients: Clients, call: TaskCall) -> Any:
    started = api_response(call_api(clients, "databrew", "StartJobRun", call.parameters))
    name = call.parameters["Name"]
    return poll(
        call,
        lambda: api_response(
            call_api(
                clients, "databrew", "DescribeJobRun", {"Name": name, "RunId": started["RunId"]}
            )
        ),
        lambda d: str(d["State"]),
        SUCCEEDED,
        FAILED,
    )


ACTIONS: dict[str, Action] = {
    "databrew:startJobRun": Action(request("databrew", "StartJobRun"), sync=start_job_run_sync),
}
