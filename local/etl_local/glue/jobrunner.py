"""Runs a Glue Spark script (``glue/jobs/*.py``) with PySpark local mode, as Glue runs it.

- arguments: the job's ``DefaultArguments`` overlaid by the run's ``Arguments`` (``merge``),
  plus the ones Glue adds (``--JOB_ID``, ``--JOB_RUN_ID``, ``--JOB_NAME``,
  ``--job-bookmark-option``); the script reads them with ``getResolvedOptions``;
- ``s3://`` inputs/outputs are staged through local folders (``staging``);
- the driver runs in a subprocess of the venv's python (``PYSPARK_PYTHON`` set), its output
  kept in ``driver.log``; a Python exception becomes the run's ErrorMessage;
- the timeout and a stop request kill the driver's process group (TIMEOUT / STOPPED).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl_local.glue.staging import plan_staging, stage_in, stage_out

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
TIMEOUT = "TIMEOUT"
STOPPED = "STOPPED"

# Spark local mode tuned for one laptop (Glue's cluster defaults would only slow it down)
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    "spark.sql.sources.partitionOverwriteMode": "static",
}
GLUE_ADDED = ("--JOB_ID", "--JOB_RUN_ID", "--JOB_NAME")


def merge_arguments(default: dict[str, str] | None, run: dict[str, str] | None) -> dict[str, str]:
    """Run arguments replace the job's DefaultArguments of the same name."""
    return {**(default or {}), **(run or {})}


def glue_arguments(job_name: str, run_id: str, arguments: dict[str, str]) -> dict[str, str]:
    job_id = "j_" + hashlib.sha256(job_name.encode()).hexdigest()
    added = {"--JOB_ID": job_id, "--JOB_RUN_ID": run_id, "--JOB_NAME": job_name}
    return {"--job-bookmark-option": "job-bookmark-disable", **arguments, **added}


def argv(arguments: dict[str, str]) -> list[str]:
    return [part for key, value in arguments.items() for part in (key, value)]


@dataclass
class RunResult:
    state: str
    error_message: str | None
    execution_time: float  # seconds
    log_path: Path


def spark_submit_args(conf: dict[str, str], cores: int = 2) -> str:
    settings = " ".join(f"--conf {key}={value}" for key, value in conf.items())
    return f"--master local[{cores}] {settings} pyspark-shell"


def driver_environment(conf: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": spark_submit_args({**SPARK_CONF, **(conf or {})}),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class JobRunner:
    """Runs scripts; ``s3`` is a boto3 s3 client for staging, ``workspace`` a scratch root."""

    def __init__(self, s3: Any, workspace: Path, spark_conf: dict[str, str] | None = None) -> None:
        self.s3 = s3
        self.workspace = workspace
        self.spark_conf = spark_conf

    def run(
        self,
        script: Path,
        job_name: str,
        run_id: str,
        arguments: dict[str, str],
        timeout: float | None = None,
        stop: threading.Event | None = None,
    ) -> RunResult:
        root = self.workspace / job_name / run_id
        root.mkdir(parents=True, exist_ok=True)
        log_path = root / "driver.log"
        started = time.monotonic()
        full = glue_arguments(job_name, run_id, arguments)
        staging = plan_staging(full, root / "staging")
        try:
            stage_in(self.s3, staging)
            state, error = self._drive(
                script, argv(staging.rewrite(full)), root, log_path, timeout, stop
            )
            if state == SUCCEEDED:
                stage_out(self.s3, staging)
            error = staging.to_remote(error) if error else error
        except Exception as exc:  # staging failed: the run fails with the client's error
            state, error = FAILED, f"{type(exc).__name__}: {exc}"
        return RunResult(state, error, time.monotonic() - started, log_path)

    def _drive(
        self,
        script: Path,
        args: list[str],
        root: Path,
        log_path: Path,
        timeout: float | None,
        stop: threading.Event | None,
    ) -> tuple[str, str | None]:
        result_path = root / "result.json"
        command = [sys.executable, "-m", "etl_local.glue.driver", str(result_path), str(script)]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [*command, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=driver_environment(self.spark_conf),
                cwd=root,
                start_new_session=True,
            )
            state = _wait(process, timeout, stop)
        if state:
            return state, _ENDINGS[state](timeout)
        if result_path.exists():
            result = json.loads(result_path.read_text())
            return (SUCCEEDED, None) if result["ok"] else (FAILED, result["error"])
        return FAILED, f"Driver exited with code {process.returncode}"


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait(
    process: subprocess.Popen[bytes], timeout: float | None, stop: threading.Event | None
) -> str | None:
    """None when the driver ended by itself; TIMEOUT or STOPPED when it was killed."""
    deadline = time.monotonic() + timeout if timeout else None
    while process.poll() is None:
        if stop is not None and stop.is_set():
            _kill(process)
            return STOPPED
        if deadline is not None and time.monotonic() >= deadline:
            _kill(process)
            return TIMEOUT
        time.sleep(0.1)
    return None


# AWS's messages for runs the service ended
_ENDINGS: dict[str, Any] = {
    TIMEOUT: lambda timeout: f"Job run timed out after {timeout:g} seconds",
    STOPPED: lambda timeout: None,
}
