"""Glue: startJobRun (.sync polls GetJobRun; the output is the JobRun), and job-run reads."""

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
FAILED = frozenset({"FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"})


def start_job_run_sync(clients: Clients, call: TaskCall) -> Any:
    started = api_response(call_api(clients, "glue", "StartJobRun", call.parameters))
    job_name = call.parameters["JobName"]
    return poll(
        call,
        lambda: api_response(
            call_api(
                clients, "glue", "GetJobRun", {"JobName": job_name, "RunId": started["JobRunId"]}
            )
        )["JobRun"],
        lambda d: str(d["JobRunState"]),
        SUCCEEDED,
        FAILED,
        run_id=started["JobRunId"],
    )


ACTIONS: dict[str, Action] = {
    "glue:startJobRun": Action(request("glue", "StartJobRun"), sync=start_job_run_sync),
    "glue:startCrawler": Action(request("glue", "StartCrawler")),
    "glue:getJobRun": Action(request("glue", "GetJobRun")),
    "glue:getJobRuns": Action(request("glue", "GetJobRuns")),
    "glue:batchStopJobRun": Action(request("glue", "BatchStopJobRun")),
}
