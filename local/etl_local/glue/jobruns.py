"""Job runs on the local API plane: StartJobRun, GetJobRun(s), BatchStopJobRun.

The job definition lives in the API plane (CreateJob); this owns the runs. Each run goes
STARTING -> RUNNING -> SUCCEEDED/FAILED/TIMEOUT (or STOPPING -> STOPPED) on a background
thread; a FAILED run is retried up to the job's MaxRetries as ``<id>_attempt_<n>``.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from etl_local.context import LocalContext
from etl_local.glue import errors, events
from etl_local.glue.jobrunner import JobRunner, merge_arguments
from etl_local.glue.lifecycle import (
    FAILED,
    JOB_RUN_ACTIVE,
    JOB_RUN_TRANSITIONS,
    RUNNING,
    STARTING,
    STOPPED,
    STOPPING,
    Lifecycle,
)
from etl_local.glue.storage import split_s3_uri

DEFAULT_TIMEOUT_MINUTES = 2880
WARM_ENV = "ETL_LOCAL_GLUE_WARM"  # "0": a new Spark driver process for every run


def warm_by_default() -> bool:
    return os.environ.get(WARM_ENV, "1") != "0"


# fields of the job definition a run reports as its own
COPIED_FROM_JOB = (
    "AllocatedCapacity",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "GlueVersion",
)


@dataclass
class JobRun:
    job: dict[str, Any]
    run_id: str
    arguments: dict[str, str]  # the run's own Arguments, as given
    timeout_minutes: int
    attempt: int = 0
    previous: str | None = None
    lifecycle: Lifecycle = field(default_factory=lambda: Lifecycle(STARTING, JOB_RUN_TRANSITIONS))
    started: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    completed: float | None = None
    error: str | None = None
    execution_time: int = 0
    log_path: Path | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return str(self.job["Name"])

    def describe(self) -> dict[str, Any]:
        run: dict[str, Any] = {
            "Id": self.run_id,
            "Attempt": self.attempt,
            "JobName": self.name,
            "StartedOn": self.started,
            "LastModifiedOn": self.modified,
            "JobRunState": self.lifecycle.state,
            "Arguments": dict(self.arguments),
            "PredecessorRuns": [],
            "ExecutionTime": self.execution_time,
            "Timeout": self.timeout_minutes,
            "LogGroupName": events.JOB_LOG_GROUP,
        }
        run.update({key: self.job[key] for key in COPIED_FROM_JOB if key in self.job})
        if self.previous:
            run["PreviousRunId"] = self.previous
        if self.completed is not None:
            run["CompletedOn"] = self.completed
        if self.error:
            run["ErrorMessage"] = self.error
        return run


class JobRunService:
    # seconds per Timeout minute; a test may shrink it to exercise TIMEOUT quickly
    seconds_per_minute: float = 60.0

    def __init__(self, ctx: LocalContext, runner: JobRunner | None = None) -> None:
        self.ctx = ctx
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(
            ctx.client("s3"), ctx.workspace / "glue" / "jobs", warm=warm_by_default()
        )
        self._lock = threading.Lock()
        self._runs: dict[str, dict[str, JobRun]] = {}  # job -> run id -> run (insertion order)
        self._threads: list[threading.Thread] = []

    def definition(self, name: str, missing: errors.AwsError | None = None) -> dict[str, Any]:
        try:
            return dict(self.ctx.passthrough_client("glue").get_job(JobName=name)["Job"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "EntityNotFoundException":
                raise (missing or errors.job_not_found(name)) from error
            raise errors.from_client_error(error) from error

    # ------------------------------------------------------------------ actions

    def start(self, params: dict[str, Any]) -> str:
        job = self.definition(params["JobName"], errors.job_metadata_missing())
        limit = int(job.get("ExecutionProperty", {}).get("MaxConcurrentRuns", 1))
        timeout = int(params.get("Timeout") or job.get("Timeout") or DEFAULT_TIMEOUT_MINUTES)
        run = JobRun(job, "jr_" + secrets.token_hex(32), params.get("Arguments") or {}, timeout)
        with self._lock:
            runs = self._runs.setdefault(run.name, {})
            active = [r for r in runs.values() if r.lifecycle.state in JOB_RUN_ACTIVE]
            if len(active) >= limit:
                raise errors.concurrent_runs_exceeded(run.name)
            runs[run.run_id] = run
        self._launch(run)
        return run.run_id

    def get(self, job: str, run_id: str) -> dict[str, Any]:
        return self._run(job, run_id).describe()

    def runs(self, job: str) -> list[dict[str, Any]]:
        self.definition(job)
        with self._lock:
            runs = list(self._runs.get(job, {}).values())
        return [run.describe() for run in reversed(runs)]

    def stop(self, job: str, run_ids: list[str]) -> dict[str, Any]:
        done: list[dict[str, str]] = []
        failed: list[dict[str, Any]] = []
        for run_id in run_ids:
            try:
                run = self._run(job, run_id)
            except errors.AwsError as error:
                failed.append(_stop_error(job, run_id, error.code, error.message))
                continue
            with self._lock:
                if run.lifecycle.can(STOPPING):
                    self._move(run, STOPPING)
                    run.stop.set()
                    done.append({"JobName": job, "JobRunId": run_id})
                else:
                    message = (
                        f"Job run {run_id} is in state {run.lifecycle.state}; it cannot be stopped"
                    )
                    failed.append(_stop_error(job, run_id, "InvalidInputException", message))
        return {"SuccessfulSubmissions": done, "Errors": failed}

    def wait(self, job: str, run_id: str, timeout: float = 300.0) -> dict[str, Any]:
        """Block until the run (and its retries) ended; the last attempt's description."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                runs = [r for r in self._runs.get(job, {}).values() if r.run_id.startswith(run_id)]
            if runs and all(r.lifecycle.state not in JOB_RUN_ACTIVE for r in runs):
                with self._lock:
                    settled = not any(t.is_alive() for t in self._threads if t.name == run_id)
                if settled:
                    return runs[-1].describe()
            time.sleep(0.05)
        return self.get(job, run_id)

    def close(self) -> None:
        with self._lock:
            for runs in self._runs.values():
                for run in runs.values():
                    run.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self._owns_runner:
            self.runner.close()

    # ------------------------------------------------------------------ internals

    def _run(self, job: str, run_id: str) -> JobRun:
        with self._lock:
            run = self._runs.get(job, {}).get(run_id)
        if run is None:
            raise errors.job_run_not_found(run_id)
        return run

    def _move(self, run: JobRun, state: str) -> None:
        run.lifecycle.move(state)
        run.modified = time.time()

    def _launch(self, run: JobRun) -> None:
        origin = run.run_id.split("_attempt_")[0]
        thread = threading.Thread(target=self._execute, args=(run,), name=origin, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _execute(self, run: JobRun) -> None:
        try:
            script = self._download_script(run)
            with self._lock:
                if run.lifecycle.state == STARTING:
                    self._move(run, RUNNING)
            arguments = merge_arguments(run.job.get("DefaultArguments"), run.arguments)
            result = self.runner.run(
                script,
                run.name,
                run.run_id,
                arguments,
                timeout=run.timeout_minutes * self.seconds_per_minute,
                stop=run.stop,
            )
            state, error = result.state, result.error_message
            run.execution_time = round(result.execution_time)
            run.log_path = result.log_path
        except Exception as exc:
            state, error = FAILED, f"{type(exc).__name__}: {exc}"
        self._end(run, STOPPED if run.stop.is_set() else state, error)

    def _download_script(self, run: JobRun) -> Path:
        location = run.job.get("Command", {}).get("ScriptLocation", "")
        bucket, key = split_s3_uri(location)
        target = self.runner.workspace / run.name / run.run_id / "script" / key.rpartition("/")[2]
        target.parent.mkdir(parents=True, exist_ok=True)
        self.ctx.client("s3").download_file(bucket, key, str(target))
        return target

    def _end(self, run: JobRun, state: str, error: str | None) -> None:
        with self._lock:
            if run.lifecycle.state == STARTING and state != FAILED:
                self._move(run, RUNNING)
            if run.lifecycle.state == STOPPING or state == STOPPED:
                if run.lifecycle.can(STOPPING):
                    self._move(run, STOPPING)
                state, error = STOPPED, None
            self._move(run, state)
            run.error = error
            run.completed = time.time()
        if run.log_path and run.log_path.exists():
            lines = run.log_path.read_text(errors="replace").splitlines()
            events.put_logs(self.ctx, events.JOB_OUTPUT_GROUP, run.run_id, lines)
        events.job_state_change(self.ctx, run.name, run.run_id, state, error)
        retries = int(run.job.get("MaxRetries", 0))
        if state == FAILED and run.attempt < retries:
            self._retry(run)

    def _retry(self, run: JobRun) -> None:
        origin = run.run_id.split("_attempt_")[0]
        attempt = run.attempt + 1
        retry = JobRun(
            run.job,
            f"{origin}_attempt_{attempt}",
            run.arguments,
            run.timeout_minutes,
            attempt=attempt,
            previous=run.run_id,
        )
        with self._lock:
            self._runs[run.name][retry.run_id] = retry
        self._launch(retry)


def _stop_error(job: str, run_id: str, code: str, message: str) -> dict[str, Any]:
    return {
        "JobName": job,
        "JobRunId": run_id,
        "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message},
    }
