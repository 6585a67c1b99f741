"""Runs a Glue Spark script (``glue/jobs/*.py``) with PySpark local mode, as Glue runs it.

- arguments: the job's ``DefaultArguments`` overlaid by the run's ``Arguments`` (``merge``),
  plus the ones Glue adds (``--JOB_ID``, ``--JOB_RUN_ID``, ``--JOB_NAME``,
  ``--job-bookmark-option``); the script reads them with ``getResolvedOptions``;
- ``s3://`` inputs/outputs are staged through local folders (``staging``);
- the driver runs in a subprocess of the venv's python (``PYSPARK_PYTHON`` set), its output
  kept in ``driver.log``; a Python exception becomes the run's ErrorMessage;
- the timeout and a stop request end the run (TIMEOUT / STOPPED): a cold driver's process
  group is killed, on the warm driver that run's Spark jobs are cancelled.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl_local.glue.drivers import ColdDriver, WarmDriver
from etl_local.glue.lifecycle import FAILED, SUCCEEDED, TIMEOUT
from etl_local.glue.staging import plan_staging, stage_in, stage_out

# Spark local mode tuned for one laptop (Glue's cluster defaults would only slow it down)
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    "spark.sql.sources.partitionOverwriteMode": "static",
    # concurrent runs on the warm driver share the cores (one pool per run), not first-come
    "spark.scheduler.mode": "FAIR",
    "spark.ui.showConsoleProgress": "false",  # progress bars only clutter the logs
    # JIT: C1 only. A job run here is seconds of many small queries; C2's optimising
    # compiles cost more CPU than they win back (flights_enrich, one month: ~35% less CPU)
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}


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
    settings = " ".join(f"--conf {shlex.quote(f'{key}={value}')}" for key, value in conf.items())
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
    """Runs scripts; ``s3`` is a boto3 s3 client for staging, ``workspace`` a scratch root.

    ``warm``: keep one Spark driver process alive across runs; concurrent runs share it,
    each on its own thread (one JVM, not a JVM per run: on a laptop JVMs side by side are
    slower); ``close`` ends it.
    """

    def __init__(
        self,
        s3: Any,
        workspace: Path,
        spark_conf: dict[str, str] | None = None,
        warm: bool = False,
    ) -> None:
        self.s3 = s3
        self.workspace = workspace
        env = driver_environment(spark_conf)
        self._cold = ColdDriver(env)
        self._warm = WarmDriver(env, workspace / "warm-driver.log") if warm else None

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
            report = stage_in(self.s3, staging)
            with open(log_path, "a") as log:
                log.writelines(f"[etl-local staging] {line}\n" for line in report)
            args = argv(staging.rewrite(full))
            remaining = max(timeout - (time.monotonic() - started), 1e-3) if timeout else None
            ended, error = self._drive(script, args, root, log_path, remaining, stop)
            state = ended or (SUCCEEDED if error is None else FAILED)
            if state == SUCCEEDED:
                stage_out(self.s3, staging)
            error = (
                staging.to_remote(error) if error else _ENDINGS.get(state, lambda t: None)(timeout)
            )
        except Exception as exc:  # staging failed: the run fails with the client's error
            state, error = FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(root / "staging", ignore_errors=True)
        return RunResult(state, error, time.monotonic() - started, log_path)

    def _drive(
        self,
        script: Path,
        args: list[str],
        root: Path,
        log_path: Path,
        timeout: float | None,
        stop: threading.Event | None,
    ) -> tuple[str | None, str | None]:
        driver = self._warm or self._cold
        return driver.execute(script, args, root, log_path, timeout, stop)

    def prewarm(self) -> None:
        """Warm runner: start the Spark driver now so the first run skips JVM start-up."""
        if self._warm is not None:
            self._warm.prewarm()

    def ready(self, timeout: float = 300.0) -> bool:
        """Warm runner: block until the driver's SparkSession is up (True), e.g. after
        ``prewarm``; a cold runner has nothing to wait for."""
        return self._warm.ready(timeout) if self._warm is not None else True

    @property
    def driver_pid(self) -> int | None:
        """Warm runner: the driver's process id (its JVM is in its process group)."""
        return self._warm.pid if self._warm is not None else None

    def close(self) -> None:
        if self._warm is not None:
            self._warm.close()


# AWS's messages for runs the service ended
_ENDINGS: dict[str, Any] = {
    TIMEOUT: lambda timeout: f"Job run timed out after {timeout:g} seconds",
}
