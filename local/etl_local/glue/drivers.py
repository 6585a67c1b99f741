"""How a job run's Spark driver process is obtained: a fresh one per run (``ColdDriver``) or
one warm process shared by all runs, concurrent ones included (``WarmDriver``, no JVM
start-up after the first run).

Both report ``(state, error)``: ``state`` is None when the script ended by itself (the
error, if any, is the script's exception), TIMEOUT or STOPPED when the process was killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from etl_local.glue.lifecycle import STOPPED, TIMEOUT

READY_TIMEOUT = 300.0


class Driver(Protocol):
    def execute(
        self,
        script: Path,
        args: list[str],
        root: Path,
        log_path: Path,
        timeout: float | None,
        stop: threading.Event | None,
    ) -> tuple[str | None, str | None]: ...

    def close(self) -> None: ...


def kill(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def ended_by_service(deadline: float | None, stop: threading.Event | None) -> str | None:
    """TIMEOUT/STOPPED when the run must end now, else None."""
    if stop is not None and stop.is_set():
        return STOPPED
    if deadline is not None and time.monotonic() >= deadline:
        return TIMEOUT
    return None


def outcome(result_path: Path, exit_code: int | None) -> tuple[str | None, str | None]:
    if result_path.exists():
        result = json.loads(result_path.read_text())
        return None, None if result["ok"] else str(result["error"])
    return None, f"Driver exited with code {exit_code}"


def _deadline(timeout: float | None) -> float | None:
    return time.monotonic() + timeout if timeout else None


class ColdDriver:
    """A new driver process (and JVM) per run."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def execute(
        self,
        script: Path,
        args: list[str],
        root: Path,
        log_path: Path,
        timeout: float | None,
        stop: threading.Event | None,
    ) -> tuple[str | None, str | None]:
        result_path = root / "result.json"
        command = [sys.executable, "-m", "etl_local.glue.driver", str(result_path), str(script)]
        deadline = _deadline(timeout)
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [*command, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=root,
                start_new_session=True,
            )
            while process.poll() is None:
                ended = ended_by_service(deadline, stop)
                if ended:
                    kill(process)
                    return ended, None
                time.sleep(0.1)
        return outcome(result_path, process.returncode)

    def close(self) -> None:
        return None


class _WorkerProcess:
    """One ``etl_local.glue.worker`` process and the runs it is serving."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "etl_local.glue.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
                start_new_session=True,
            )
        self.ready = threading.Event()
        self.exited = threading.Event()
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if message.get("ready"):
                self.ready.set()
            elif "done" in message:
                with self._lock:
                    done = self._done.pop(message["done"], None)
                if done is not None:
                    done.set()
        self.exited.set()

    def send(self, message: dict[str, object]) -> None:
        assert self.process.stdin is not None
        with self._lock:
            try:
                self.process.stdin.write(json.dumps(message) + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):  # the worker died: ``exited`` tells the runs
                pass

    def submit(self, run_id: str, request: dict[str, object]) -> threading.Event:
        done = threading.Event()
        with self._lock:
            self._done[run_id] = done
        self.send({"run": run_id, **request})
        return done

    def alive(self) -> bool:
        return self.process.poll() is None and not self.exited.is_set()

    def kill(self) -> None:
        if self.process.poll() is None:
            kill(self.process)


class WarmDriver:
    """One long-lived driver (``etl_local.glue.worker``) serving runs concurrently, each on
    its own thread with its own arguments, session and Spark job group; a timeout or a stop
    cancels that run only. The process is restarted when a run finds it dead."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self._lock = threading.Lock()
        self._worker: _WorkerProcess | None = None

    def prewarm(self) -> None:
        """Start the driver (its JVM and SparkSession) now, in the background."""
        self._ensure_worker()

    @property
    def pid(self) -> int | None:
        """The driver process (its JVM is in its process group), None before it starts."""
        worker = self._worker
        return worker.process.pid if worker is not None and worker.alive() else None

    def ready(self, timeout: float) -> bool:
        """Wait until the driver's SparkSession is up (starting it if needed)."""
        worker = self._ensure_worker()
        return worker.ready.wait(timeout)

    def _ensure_worker(self) -> _WorkerProcess:
        with self._lock:
            if self._worker is None or not self._worker.alive():
                self._worker = _WorkerProcess(self.env, self.log_path)
            return self._worker

    @staticmethod
    def _await(
        event: threading.Event,
        worker: _WorkerProcess,
        deadline: float | None,
        stop: threading.Event | None,
    ) -> str | None:
        """None once ``event`` is set; TIMEOUT/STOPPED, or "exited" if the worker died."""
        while not event.wait(0.1):
            ended = ended_by_service(deadline, stop)
            if ended:
                return ended
            if worker.exited.is_set() and not event.is_set():
                return "exited"
        return None

    def execute(
        self,
        script: Path,
        args: list[str],
        root: Path,
        log_path: Path,
        timeout: float | None,
        stop: threading.Event | None,
    ) -> tuple[str | None, str | None]:
        deadline = _deadline(timeout)
        worker = self._ensure_worker()
        waited = self._await(worker.ready, worker, deadline or _deadline(READY_TIMEOUT), stop)
        if waited is None:
            result_path = root / "result.json"
            run_id = str(root)
            request: dict[str, object] = {
                "script": str(script),
                "argv": args,
                "root": str(root),
                "result": str(result_path),
                "log": str(log_path),
            }
            waited = self._await(worker.submit(run_id, request), worker, deadline, stop)
            if waited is None:
                return outcome(result_path, None)
            if waited in (TIMEOUT, STOPPED):
                worker.send({"cancel": run_id})  # that run only: the others keep the driver
        if waited in (TIMEOUT, STOPPED):
            return waited, None
        return None, f"Driver exited with code {worker.process.poll()}"

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.kill()
                self._worker = None
