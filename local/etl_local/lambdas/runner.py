"""Local Lambda: execution environments as worker processes, one pool per function.

Like Lambda, an invoke takes a warm environment of the function if one is idle, else starts
a new one (cold start, ``Init Duration`` in the REPORT line), up to ``max_environments``;
an environment serves one invoke at a time. A timed-out environment is killed and replaced,
as Lambda discards it. Each environment is a separate process with only the function's own
environment variables, code and layers: nothing leaks between functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from etl_local.awserrors import AwsError
from etl_local.context import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, LocalContext

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("worker.py")
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
# scripts/setup.sh builds this next to the project's virtualenv: the Lambda runtime's Python
# (python3.13) with the shared layer's pinned requirements, like the deployed functions.
LAMBDA_VENV = Path(sys.prefix).parent / ".venv-lambda"
MAX_PAYLOAD = 6 * 1024 * 1024
PRESTARTS_AT_ONCE = 2  # INIT is CPU-bound: more at once only delays the first ones
INIT_TIMEOUT = 10.0  # seconds: Lambda's limit for the INIT phase of on-demand functions
# Lambda's runtime always provides boto3; the function's requirements.txt adds the rest.
RUNTIME_PACKAGES = ("boto3",)


@dataclass(frozen=True)
class FunctionSpec:
    """A function as the template declares it (everything resolved)."""

    name: str
    handler: str
    code_dir: Path
    runtime: str = "python3.13"
    timeout: float = 3.0
    memory_mb: int = 128
    environment: Mapping[str, str] = field(default_factory=dict)
    layers: Sequence[Path] = ()
    logical_id: str = ""
    # EventInvokeConfig: asynchronous retries and the on-failure destination (SQS/SNS ARN)
    async_retries: int = 2
    on_failure: str | None = None
    region: str = "us-east-1"
    account_id: str = "123456789012"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    def python_path(self) -> list[str]:
        """Code first, then each layer's ``python/`` folder (Lambda's ``/opt/python``)."""
        paths = [str(self.code_dir)]
        for layer in self.layers:
            paths.append(str(layer / "python" if (layer / "python").is_dir() else layer))
        return paths

    def requirements(self) -> list[str]:
        names = list(RUNTIME_PACKAGES)
        for folder in [self.code_dir, *self.layers]:
            req = folder / "requirements.txt"
            if req.is_file():
                names += [_dist_name(line) for line in req.read_text().splitlines()]
        return sorted({n for n in names if n})


def _dist_name(line: str) -> str:
    line = line.split("#", 1)[0].strip()
    for sep in ("==", ">=", "<=", "~=", "[", ";", " ", "<", ">"):
        line = line.split(sep, 1)[0]
    return line.strip()


@functools.cache
def _has_packages(python: str, packages: tuple[str, ...]) -> bool:
    probe = "import importlib.metadata as m, sys\nfor d in sys.argv[1:]: m.version(d)"
    result = subprocess.run(  # noqa: S603 - fixed interpreter path and probe
        [python, "-c", probe, *packages], capture_output=True, timeout=30
    )
    return result.returncode == 0


def choose_python(spec: FunctionSpec) -> tuple[str, str]:
    """The interpreter for ``spec.runtime`` and why: pyenv's when it has the deps, else ours."""
    version = spec.runtime.removeprefix("python")
    candidates = sorted(LAMBDA_VENV.glob(f"bin/python{version}")) + sorted(
        PYENV_ROOT.glob(f"versions/{version}*/bin/python{version}")
    )
    packages = tuple(spec.requirements())
    for candidate in candidates:
        if _has_packages(str(candidate), packages):
            return str(candidate), f"{spec.runtime} ({candidate})"
    reason = (
        f"{spec.runtime} lacks {', '.join(packages)}"
        if candidates
        else f"{spec.runtime} is not installed"
    )
    current = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return sys.executable, f"{current} ({reason}; using the project's interpreter)"


@dataclass
class Invocation:
    """One invoke, as Lambda's logs and response report it."""

    function: str
    request_id: str
    invocation_type: str
    started: dt.datetime
    payload: bytes = b""
    duration_ms: float = 0.0
    init_ms: float | None = None
    result: bytes = b""
    error: dict[str, Any] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def function_error(self) -> str | None:
        return "Unhandled" if self.error else None

    @property
    def log_text(self) -> str:
        return "".join(self.log)


class _TimedOut(Exception):
    pass


class Environment:
    """One execution environment: a worker process serving one invoke at a time."""

    def __init__(self, spec: FunctionSpec, python: str, env: Mapping[str, str]) -> None:
        self.spec = spec
        read_fd, write_fd = os.pipe()
        self._process = subprocess.Popen(  # noqa: S603 - our worker, the function's handler
            [python, "-u", "-P", str(WORKER), spec.handler, str(write_fd)],
            cwd=spec.code_dir,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            text=True,
            bufsize=1,
        )
        os.close(write_fd)  # the worker's copy is the only writer
        self._responses: IO[str] = os.fdopen(read_fd, "r", buffering=1)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_logs, daemon=True).start()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read_replies, daemon=True).start()
        self.init: dict[str, Any] | None = None

    def _read_logs(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _read_replies(self) -> None:
        for line in self._responses:
            self._replies.put(json.loads(line))
        self._replies.put(None)

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=max(timeout, 0.001))
        except queue.Empty as exc:
            raise _TimedOut from exc
        if reply is None:
            raise RuntimeError(f"Runtime exited with exit status {self._process.wait()}")
        return reply

    def start(self, timeout: float) -> dict[str, Any]:
        """Wait for the INIT phase (import of the handler) to finish."""
        self.init = self._reply(timeout)
        return self.init

    def take_init_ms(self) -> float | None:
        """The INIT duration, for the first invoke this environment serves only."""
        init, self.init = self.init, None
        return float(init["duration_ms"]) if init else None

    def invoke(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return self._reply(timeout)

    def logs_until(self, marker: str, timeout: float = 2.0) -> list[str]:
        """Log lines up to and including the line starting with ``marker``."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return lines
            if line is None:
                return lines
            lines.append(line)
            if line.startswith(marker):
                return lines

    def drain_logs(self) -> list[str]:
        lines: list[str] = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return lines
            if line is None:
                return lines
            lines.append(line)

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._responses):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class FunctionPool:
    """The environments of one function."""

    def __init__(
        self, spec: FunctionSpec, base_env: Mapping[str, str], log_dir: Path | None, size: int
    ) -> None:
        self.spec = spec
        self.python, self.python_note = choose_python(spec)
        self._env = self._environment(base_env)
        self._idle: list[Environment] = []
        self._slots = threading.BoundedSemaphore(size)
        self._changed = threading.Condition()  # guards the fields below; notified on changes
        self._prestarting = 0  # environments a pre-start is initialising
        self._waiting = 0  # invokes waiting for one of them
        self._prestart_failure: _InitFailed | None = None
        self.prestarted = 0
        self._busy = 0  # environments serving an invoke
        self._initialising = 0  # environments in their INIT phase (pre-started or not)
        self._init_seconds: float | None = None  # the last INIT's duration
        self._prestart_queued = False  # a pre-start is scheduled and has not begun
        self._closed = False
        self._log_file = log_dir / f"{spec.name}.log" if log_dir else None
        if self._log_file:
            self._log_file.parent.mkdir(parents=True, exist_ok=True)

    def _environment(self, base_env: Mapping[str, str]) -> dict[str, str]:
        spec = self.spec
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(spec.python_path()),
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
            "AWS_SESSION_TOKEN": "local",
            # what `sam local invoke` sets: Powertools' Tracer stays off without an X-Ray daemon
            "AWS_SAM_LOCAL": "true",
            **base_env,
        }
        env.update(spec.environment)
        return env

    def _acquire(self) -> Environment:
        """An idle environment; else the one a pre-start is initialising; else, when every
        environment is busy, the first to free up within one INIT time (on a small machine a
        new environment's INIT costs more than waiting for a warm one); else a new one."""
        give_up: float | None = None
        with self._changed:
            while True:
                while self._idle:
                    environment = self._idle.pop()
                    if environment.alive:
                        self._busy += 1
                        return environment
                if self._prestart_failure is not None:
                    failed, self._prestart_failure = self._prestart_failure, None
                    raise failed  # the pre-started environment's INIT error, reported once
                if self._prestart_queued:
                    self._prestart_queued = False  # not begun yet: this invoke starts it
                    break
                if self._prestarting > self._waiting:
                    self._waiting += 1
                    try:
                        self._changed.wait()
                    finally:
                        self._waiting -= 1
                    continue
                if self._init_seconds is None and self._initialising:
                    self._changed.wait()  # the first INIT tells what a new environment costs
                    continue
                if not self._busy or self._init_seconds is None:
                    break
                give_up = give_up or time.monotonic() + self._init_seconds
                if not self._changed.wait(max(0.0, give_up - time.monotonic())):
                    break  # none freed up in an INIT's time: scale out
        environment = self._start_environment()
        with self._changed:
            self._busy += 1
        return environment

    def _release(self, environment: Environment, keep: bool) -> None:
        with self._changed:
            self._busy -= 1
            if keep:
                self._idle.append(environment)
            self._changed.notify_all()

    def _start_environment(self) -> Environment:
        with self._changed:
            self._initialising += 1
        try:
            return self._initialise()
        finally:
            with self._changed:
                self._initialising -= 1
                self._changed.notify_all()

    def _initialise(self) -> Environment:
        stream = f"{dt.date.today():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        env = {**self._env, "AWS_LAMBDA_LOG_STREAM_NAME": stream}
        environment = Environment(self.spec, self.python, env)
        try:
            init = environment.start(timeout=max(self.spec.timeout, INIT_TIMEOUT))
        except _TimedOut:
            environment.kill()
            raise
        if not init["ok"]:
            environment.kill()
            raise _InitFailed(init["error"], environment.drain_logs(), init["duration_ms"])
        with self._changed:
            self._init_seconds = float(init["duration_ms"]) / 1000
        return environment

    def prestart_settled(self, timeout: float) -> bool:
        """Wait until no pre-start of this function is scheduled or initialising."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._prestart_queued and self._prestarting == 0, timeout
            )

    def schedule_prestart(self) -> None:
        """Mark a pre-start as queued (``prestart`` runs it, unless an invoke came first)."""
        with self._changed:
            self._prestart_queued = True

    def prestart(self) -> None:
        """Start one environment before the first invoke (``sam local --warm-containers
        EAGER``). Its INIT output and ``Init Duration`` are reported by the first invoke it
        serves, as a cold start's are; an INIT error is that invoke's error, as Lambda's."""
        with self._slots:
            with self._changed:
                if not self._prestart_queued:
                    return  # an invoke came first and started the environment itself
                self._prestart_queued = False
                self._prestarting += 1
            environment: Environment | None = None
            failure: _InitFailed | None = None
            try:
                environment = self._start_environment()
            except _InitFailed as failed:
                failure = failed
            except _TimedOut:
                pass  # the first invoke starts its own environment and times out itself
            finally:
                with self._changed:
                    self._prestarting -= 1
                    if environment is not None and self._closed:
                        environment.kill()
                    elif environment is not None:
                        self._idle.append(environment)
                        self.prestarted += 1
                    if failure is not None:
                        self._prestart_failure = failure
                    self._changed.notify_all()

    def invoke(self, invocation: Invocation) -> Invocation:
        with self._slots:
            try:
                environment = self._acquire()
                invocation.init_ms = environment.take_init_ms()
            except _InitFailed as failed:
                invocation.init_ms = failed.init_ms
                invocation.error = failed.error
                invocation.log = [*failed.log, _init_failed_line(failed.error)]
                return self._finish(invocation, time.perf_counter())
            except _TimedOut:
                invocation.error = _timeout_error(invocation.request_id, self.spec.timeout)
                return self._finish(invocation, time.perf_counter())
            try:
                return self._serve(environment, invocation)
            finally:
                self._release(environment, keep=environment.alive)

    def _serve(self, environment: Environment, invocation: Invocation) -> Invocation:
        """Run the invoke in ``environment``; its Duration counts from here, as Lambda's."""
        started = time.perf_counter()
        # the function's timeout counts from the invoke, after INIT (which has its own)
        deadline_ms = int(time.time() * 1000 + self.spec.timeout * 1000)
        request = {
            "request_id": invocation.request_id,
            "payload": invocation.payload.decode(),
            "deadline_ms": deadline_ms,
            "invoked_arn": self.spec.arn,
        }
        remaining = deadline_ms / 1000 - time.time()
        try:
            reply = environment.invoke(request, remaining)
        except _TimedOut:
            environment.kill()
            invocation.log = environment.drain_logs()
            invocation.error = _timeout_error(invocation.request_id, self.spec.timeout)
            invocation.log.append(
                f"{_now()} {invocation.request_id} Task timed out after "
                f"{self.spec.timeout:.2f} seconds\n"
            )
            return self._finish(invocation, started)
        except RuntimeError as exc:  # the process died (os._exit, a segfault, OOM)
            environment.kill()
            invocation.log = environment.drain_logs()
            invocation.error = {"errorType": "Runtime.ExitError", "errorMessage": str(exc)}
            return self._finish(invocation, started)
        invocation.log = environment.logs_until(f"END RequestId: {invocation.request_id}")
        if reply["ok"]:
            invocation.result = reply["result"].encode()
        else:
            invocation.error = reply["error"]
        return self._finish(invocation, started)

    def _finish(self, invocation: Invocation, started: float) -> Invocation:
        invocation.duration_ms = (time.perf_counter() - started) * 1000
        if invocation.error:
            invocation.result = json.dumps(invocation.error).encode()
        if not any(line.startswith("START RequestId") for line in invocation.log):
            invocation.log.insert(0, f"START RequestId: {invocation.request_id} Version: $LATEST\n")
        if not invocation.log[-1].startswith("END"):
            invocation.log.append(f"END RequestId: {invocation.request_id}\n")
        init = f"\tInit Duration: {invocation.init_ms:.2f} ms" if invocation.init_ms else ""
        invocation.log.append(
            f"REPORT RequestId: {invocation.request_id}\tDuration: {invocation.duration_ms:.2f} ms"
            f"\tBilled Duration: {int(invocation.duration_ms) + 1} ms"
            f"\tMemory Size: {self.spec.memory_mb} MB{init}\n"
        )
        if self._log_file:
            with self._log_file.open("a") as out:
                out.write(invocation.log_text)
        return invocation

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.kill()


class _InitFailed(Exception):
    def __init__(self, error: dict[str, Any], log: list[str], init_ms: float) -> None:
        super().__init__(error.get("errorMessage"))
        self.error = error
        self.log = log
        self.init_ms = init_ms


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _timeout_error(request_id: str, timeout: float) -> dict[str, Any]:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
    }


def _init_failed_line(error: dict[str, Any]) -> str:
    return f"[ERROR] {error.get('errorType')}: {error.get('errorMessage')}\n"


class LambdaRunner:
    """All local functions: register specs, invoke by name or ARN.

    ``prestart``: every function registered gets one environment started at once in the
    background (a few at a time: INIT is CPU-bound), so first invokes find it warm.
    """

    def __init__(
        self, ctx: LocalContext, max_environments: int = 4, prestart: bool = False
    ) -> None:
        self._ctx = ctx
        self._pools: dict[str, FunctionPool] = {}
        self._max = max_environments
        self._log_dir = ctx.workspace / "logs" / "lambda"
        self._base_env = {"AWS_ENDPOINT_URL": ctx.endpoint_url}
        self.invocations: list[Invocation] = []
        self._lock = threading.Lock()
        # (rank, sequence, pool): pre-starts run in rank order, a few at a time
        self._prestarts: queue.PriorityQueue[tuple[int, int, FunctionPool | None]] | None = None
        self._queued = 0
        if prestart:
            self._prestarts = queue.PriorityQueue()
            for index in range(PRESTARTS_AT_ONCE):
                threading.Thread(
                    target=self._prestart_next, name=f"lambda-prestart-{index}", daemon=True
                ).start()

    def _prestart_next(self) -> None:
        assert self._prestarts is not None
        while (pool := self._prestarts.get()[2]) is not None:
            try:
                pool.prestart()
            except Exception:  # a pre-start never fails the runtime: the invoke reports it
                log.exception("pre-start of %s failed", pool.spec.name)

    def register(self, spec: FunctionSpec, prestart_rank: int = 0) -> FunctionPool:
        """Add (or replace) a function; with ``prestart``, queue its pre-start: lower ranks
        first (the provisioner gives the template's order: the trigger before the failure
        handler)."""
        pool = FunctionPool(spec, self._base_env, self._log_dir, self._max)
        old = self._pools.pop(spec.name, None)
        if old:
            old.close()
        self._pools[spec.name] = pool
        if self._prestarts is not None:
            pool.schedule_prestart()
            with self._lock:
                self._queued += 1
                self._prestarts.put((prestart_rank, self._queued, pool))
        return pool

    def prestarted(self) -> int:
        """Environments started ahead of any invoke so far."""
        return sum(pool.prestarted for pool in self._pools.values())

    def prestarts_settled(self, timeout: float = 60.0) -> bool:
        """Wait until every scheduled pre-start has finished (or was taken by an invoke)."""
        deadline = time.monotonic() + timeout
        return all(
            pool.prestart_settled(max(0.0, deadline - time.monotonic())) for pool in self.pools()
        )

    def pools(self) -> list[FunctionPool]:
        return list(self._pools.values())

    @property
    def functions(self) -> dict[str, FunctionSpec]:
        return {name: pool.spec for name, pool in self._pools.items()}

    def pool(self, name_or_arn: str) -> FunctionPool:
        name = function_name(name_or_arn)
        if name not in self._pools:
            arn = f"arn:aws:lambda:{self._ctx.region}:{self._ctx.account_id}:function:{name}"
            raise AwsError("ResourceNotFoundException", f"Function not found: {arn}", 404)
        return self._pools[name]

    def invoke(
        self, name_or_arn: str, payload: bytes, invocation_type: str = "RequestResponse"
    ) -> Invocation:
        pool = self.pool(name_or_arn)
        if len(payload) > MAX_PAYLOAD:
            raise AwsError(
                "RequestEntityTooLargeException",
                f"{len(payload)} byte payload is too large for the {invocation_type} invocation "
                f"type (limit {MAX_PAYLOAD} bytes)",
                413,
            )
        _check_json(payload)
        invocation = Invocation(
            function=pool.spec.name,
            request_id=str(uuid.uuid4()),
            invocation_type=invocation_type,
            started=dt.datetime.now(dt.UTC),
            payload=payload,
        )
        with self._lock:
            self.invocations.append(invocation)
        return pool.invoke(invocation)

    def close(self) -> None:
        if self._prestarts is not None:
            for index in range(PRESTARTS_AT_ONCE):
                self._prestarts.put((-1, -index, None))  # ends the workers before the rest
        for pool in self._pools.values():
            pool.close()


def _check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AwsError(
            "InvalidRequestContentException", "Could not parse request body into json", 400
        ) from exc


def function_name(name_or_arn: str) -> str:
    """``my-fn``, ``arn:aws:lambda:...:function:my-fn[:qualifier]`` or ``123:function:my-fn``."""
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn.split(":", 1)[0]
