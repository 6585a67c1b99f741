"""DataBrew's job-run actions on the local API plane (moto stores jobs but never runs them).

moto keeps datasets, recipes (with their published versions) and jobs; this API answers
StartJobRun, DescribeJobRun, ListJobRuns and StopJobRun, reads the definitions through
``ctx.passthrough_client("databrew")`` and runs each job on a background thread. It also
answers CreateRecipeJob/CreateProfileJob/UpdateRecipeJob/UpdateProfileJob/DescribeJob by
passing them to moto and keeping what moto drops (a job's ``Timeout``; a profile job's
``OutputLocation``, ``Configuration``, ``JobSample``), so DescribeJob and the runs see it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from etl_local.awserrors import AwsError, ValidationException
from etl_local.context import LocalContext
from etl_local.databrew.errors import ConflictException, ResourceNotFoundException
from etl_local.databrew.jobs import JobRun, Services, execute

DEFAULT_TIMEOUT_MINUTES = 2880  # DataBrew's default job timeout (48 hours)
MAX_RESULTS = 100


def _aws_error(exc: ClientError) -> AwsError:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
    return AwsError(str(error.get("Code")), str(error.get("Message")), int(status))


class DataBrewApi:
    ACTIONS = frozenset(
        {
            "StartJobRun",
            "DescribeJobRun",
            "ListJobRuns",
            "StopJobRun",
            "CreateRecipeJob",
            "CreateProfileJob",
            "UpdateRecipeJob",
            "UpdateProfileJob",
            "DescribeJob",
        }
    )

    def __init__(self, ctx: LocalContext, seconds_per_minute: float = 60.0) -> None:
        self.ctx = ctx
        self.seconds_per_minute = seconds_per_minute  # tests shrink job timeouts with this
        self._runs: dict[str, list[JobRun]] = {}  # job name -> runs, newest first
        self._kept: dict[str, dict[str, Any]] = {}  # job -> its definition as created
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "StartJobRun": self.start_job_run,
            "DescribeJobRun": self.describe_job_run,
            "ListJobRuns": self.list_job_runs,
            "StopJobRun": self.stop_job_run,
            "CreateRecipeJob": self._create_job("create_recipe_job"),
            "CreateProfileJob": self._create_job("create_profile_job"),
            "UpdateRecipeJob": self._create_job("update_recipe_job"),
            "UpdateProfileJob": self._create_job("update_profile_job"),
            "DescribeJob": self.describe_job,
        }

    @property
    def _store(self) -> Any:
        return self.ctx.passthrough_client("databrew")

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._handlers[action](params)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        with self._lock:
            runs = [r for runs in self._runs.values() for r in runs if r.active]
        for run in runs:
            run.cancel("STOPPED")
        for thread in self._threads:
            thread.join(timeout=30)

    # ------------------------------------------------------------------ job definitions

    def _create_job(self, method: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def handle(params: dict[str, Any]) -> dict[str, Any]:
            timeout = params.get("Timeout")
            if timeout is not None and int(timeout) < 0:
                raise ValidationException("Timeout must be at least 0 minutes.")
            try:
                result: dict[str, Any] = getattr(self._store, method)(**params)
            except ClientError as exc:
                raise _aws_error(exc) from exc
            result.pop("ResponseMetadata", None)
            self._kept[params["Name"]] = {k: v for k, v in params.items() if k != "Name"}
            return result

        return handle

    def _job(self, name: str) -> dict[str, Any]:
        try:
            job: dict[str, Any] = self._store.describe_job(Name=name)
        except ClientError as exc:
            raise _aws_error(exc) from exc
        job.pop("ResponseMetadata", None)
        for key, value in self._kept.get(name, {}).items():
            job.setdefault(key, value)
        job.setdefault("Timeout", DEFAULT_TIMEOUT_MINUTES)
        return job

    def describe_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._job(params["Name"])

    # ------------------------------------------------------------------ job runs

    def start_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        job = self._job(name)
        with self._lock:
            runs = self._runs.setdefault(name, [])
            if any(r.active for r in runs):
                raise ConflictException(f"Job {name} is already running. Only one run is allowed.")
            run = JobRun(job_name=name, job=job)
            runs.insert(0, run)
        services = Services(
            databrew=self._store,
            s3=self.ctx.client("s3"),
            glue=self.ctx.client("glue"),
            endpoint_url=self.ctx.endpoint_url,
            region=self.ctx.region,
        )
        thread = threading.Thread(
            target=execute, args=(run, services), name=f"databrew-{run.run_id}", daemon=True
        )
        self._threads.append(thread)
        minutes = int(job.get("Timeout") or 0)
        if minutes:
            timer = threading.Timer(
                minutes * self.seconds_per_minute, run.cancel, args=("TIMEOUT",)
            )
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        thread.start()
        return {"RunId": run.run_id}

    def _run(self, name: str, run_id: str) -> JobRun:
        with self._lock:
            for run in self._runs.get(name, []):
                if run.run_id == run_id:
                    return run
        self._job(name)  # a missing job is reported as such
        raise ResourceNotFoundException(f"Job run {run_id} for job {name} wasn't found.")

    def describe_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._run(params["Name"], params["RunId"]).describe()

    def list_job_runs(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        self._job(name)
        size = int(params.get("MaxResults") or MAX_RESULTS)
        if not 1 <= size <= MAX_RESULTS:
            raise ValidationException(f"MaxResults must be between 1 and {MAX_RESULTS}.")
        with self._lock:
            runs = list(self._runs.get(name, []))
        start = int(params.get("NextToken") or 0)
        page = runs[start : start + size]
        result: dict[str, Any] = {"JobRuns": [r.describe() for r in page]}
        if start + size < len(runs):
            result["NextToken"] = str(start + size)
        return result

    def stop_job_run(self, params: dict[str, Any]) -> dict[str, Any]:
        run = self._run(params["Name"], params["RunId"])
        if not run.active:
            raise ValidationException(f"Job run {run.run_id} is not running (state {run.state}).")
        run.cancel("STOPPED")
        return {"RunId": run.run_id}
