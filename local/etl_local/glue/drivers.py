"""How a job run's Spark driver process is obtained: a fresh one per run (``ColdDriver``) or
one warm process reused across runs (``WarmDriver``, no JVM start-up after the first run).

Both report ``(state, error)``: ``state`` is None when the script ended by itself (the
error, if any, is the script's exception), TIMEOUT or STOPPED when the process was killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Protocol

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


class WarmDriver:
    """One long-lived driver (``etl_local.glue.worker``) serving runs one at a time."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.busy = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._ready = False
        self._lines: queue.Queue[str | None] = queue.Queue()

    def prewarm(self) -> None:
        """Start the driver (and its JVM) now, in the background, if it is not running."""
        if self.busy.acquire(blocking=False):
            try:
                self._ensure_process()
            finally:
                self.busy.release()

    def _ensure_process(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
            self._ready = False

    def _start(self) -> subprocess.Popen[str]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 - the worker owns it
        process = subprocess.Popen(
            [sys.executable, "-m", "etl_local.glue.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=self.env,
            text=True,
            start_new_session=True,
        )
        log.close()
        self._lines = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()
        return process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line.strip())
        self._lines.put(None)

    def _await(
        self, expected: str, deadline: float | None, stop: threading.Event | None
    ) -> str | None:
        """None once ``expected`` arrived; TIMEOUT/STOPPED, or "exited" if the worker died."""
        while True:
            ended = ended_by_service(deadline, stop)
            if ended:
                return ended
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                return "exited"
            if line == expected:
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
        self._ensure_process()
        if not self._ready:
            waited = self._await("ready", deadline or _deadline(READY_TIMEOUT), stop)
            if waited:
                return self._failed(waited)
            self._ready = True
        assert self._process is not None
        result_path = root / "result.json"
        request = {
            "script": str(script),
            "argv": args,
            "result": str(result_path),
            "log": str(log_path),
            "cwd": str(root),
        }
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        waited = self._await("done", deadline, stop)
        if waited:
            return self._failed(waited)
        return outcome(result_path, None)

    def _failed(self, why: str) -> tuple[str | None, str | None]:
        code = self._process.poll() if self._process else None
        self.close()
        if why in (TIMEOUT, STOPPED):
            return why, None
        return None, f"Driver exited with code {code}"

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                kill(self._process)
            self._process = None
