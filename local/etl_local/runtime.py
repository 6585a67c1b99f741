"""The local runtime: API plane + engines + provisioned stack + event bus, as one object.

    with LocalRuntime(repo_root, workspace) as runtime:
        runtime.land([Path("data/sample")])
        runtime.wait()
        runtime.executions()

Start: the API plane comes up on loopback, the service APIs of the engines are attached,
``template.yaml`` is provisioned, the config bundle published, the previous workspace state
(objects, catalogue) restored. Stop: the lake is exported to the workspace.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import yaml

from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.eventbus import EventBus, EventsApi
from etl_local.lambdas import LambdaApi, LambdaRunner
from etl_local.stack import Provisioner, Stack, publish_config
from etl_local.stepfunctions.integrations.base import RUN_CHANGES
from etl_local.workspace import (
    Workspace,
    build_lake_database,
    restore_catalog,
)

log = logging.getLogger(__name__)

# service -> "module:Class" of the project's API for it (ARCHITECTURE.md, service binding)
# (Glue first: its prewarm boots the Spark driver, the longest start-up, in the background)
SERVICE_APIS: dict[str, str] = {
    "glue": "etl_local.glue.api:GlueApi",
    "stepfunctions": "etl_local.stepfunctions.api:StepFunctionsApi",
    "athena": "etl_local.athena.api:AthenaApi",
    "databrew": "etl_local.databrew.api:DataBrewApi",
}

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
DEFAULT_PORT = 4566


@dataclass(frozen=True)
class Landing:
    """One object put into the raw bucket."""

    source: Path
    bucket: str
    key: str
    size: int


@dataclass
class StartReport:
    apis: dict[str, str] = field(default_factory=dict)  # service -> "project" | reason missing
    restored_objects: int = 0
    restored_tables: int = 0
    config: str | None = None


def load_api(spec: str, ctx: LocalContext) -> Any:
    module_name, _, class_name = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)(ctx)


class LocalRuntime:
    def __init__(
        self,
        repo_root: Path,
        workspace: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        overrides: Mapping[str, str] | None = None,
        restore: bool = True,
        prewarm: bool = False,
    ) -> None:
        self.repo_root = repo_root.resolve()
        self.workspace = Workspace((workspace or self.repo_root / ".etl-local").resolve()).create()
        self._host, self._port = host, port
        self._overrides = dict(overrides or {})
        self._restore = restore
        # boot engines' warm workers (Spark driver, Lambda environments) for runs to come
        self._prewarm = prewarm
        self.plane: ApiPlane | None = None
        self.ctx: LocalContext | None = None
        self.bus: EventBus | None = None
        self.lambda_api: LambdaApi | None = None
        self.stack: Stack | None = None
        self.report = StartReport()
        self._started_at = time.time()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalRuntime:
        self.plane = ApiPlane(self._host, self._port).start()
        ctx = LocalContext(self.plane.endpoint_url, self.workspace.root)
        self.ctx = ctx
        self.bus = EventBus(ctx)
        ctx.publish_event = self._publish
        # with prewarm, one environment per function starts as soon as it is provisioned
        # (Lambda INIT is the costliest part of the first runs on a small machine)
        runner = LambdaRunner(ctx, prestart=self._prewarm)
        self.lambda_api = LambdaApi(runner, destinations=self._send_to_destination)
        self.plane.register("lambda", self.lambda_api)
        self.plane.register("events", EventsApi(ctx, self.bus))
        for service, spec in SERVICE_APIS.items():
            try:
                api = load_api(spec, ctx)
                self.plane.register(service, api)
                self.report.apis[service] = "project engine"
                if self._prewarm and callable(getattr(api, "prewarm", None)):
                    threading.Thread(
                        target=api.prewarm, name=f"warm-{service}", daemon=True
                    ).start()
            except ImportError as exc:
                self.report.apis[service] = f"moto only ({exc})"
                log.warning("%s: no project API (%s); moto answers alone", service, exc)
        self.stack = Provisioner(
            ctx, self.repo_root / "template.yaml", runner, self._overrides
        ).provision()
        self.report.config = publish_config(ctx, self.repo_root, self.stack)
        if self._restore:
            self._restore_workspace()
        self.plane.mirror_to(self.workspace)  # write-through from here on
        self.plane.emit_s3_events(ctx.passthrough_client("s3"), self.bus.publish)
        os.environ.setdefault("AWS_ENDPOINT_URL", ctx.endpoint_url)
        return self

    def _publish(self, event: dict[str, Any]) -> None:
        """An event a service emits: to the bus, and to the ``.sync`` task waiting for it."""
        RUN_CHANGES.notify_event(event)
        assert self.bus is not None
        self.bus.publish(event)

    def _send_to_destination(self, arn: str, message: str) -> None:
        """An async invocation's failure record to its destination (SQS queue or SNS topic)."""
        service = arn.split(":")[2]
        if service == "sqs":
            sqs = self.client("sqs")
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=message)
        elif service == "sns":
            self.client("sns").publish(TopicArn=arn, Message=message)
        else:
            log.error("destination %s is not supported locally", arn)

    def stop(self, export: bool = True) -> None:
        if self.plane is None:
            return
        try:
            ended = getattr(self.plane.router.apis.get("stepfunctions"), "ended_at_start", [])
            if ended:  # ended ABORTED at start: let their failure handling finish, and keep it
                self.settle()
            if export or ended:
                self.export()
        finally:
            self.plane.stop()  # the engines first: they may still publish events
            if self.bus:
                self.bus.close()
            self.plane = None

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ accessors

    @property
    def endpoint_url(self) -> str:
        assert self.plane is not None, "runtime not started"
        return self.plane.endpoint_url

    def client(self, service: str) -> Any:
        assert self.ctx is not None, "runtime not started"
        return self.ctx.client(service)

    def athena_result(self, query_id: str) -> Any:
        """The typed result (``etl_local.athena.results.QueryResult``) of a finished query."""
        assert self.plane is not None, "runtime not started"
        api = self.plane.router.apis.get("athena")
        return api.result(query_id) if api is not None else None

    @property
    def state_machine_arn(self) -> str:
        assert self.stack is not None
        return next(iter(self.stack.state_machines.values()))

    def bucket(self, logical_id: str) -> str:
        assert self.stack is not None
        return str(self.stack.physical(logical_id))

    @property
    def raw_bucket(self) -> str:
        return self.bucket("RawBucket")

    def buckets(self) -> list[str]:
        assert self.stack is not None
        return [str(p.ref) for p in self.stack.of_type("AWS::S3::Bucket").values()]

    # ------------------------------------------------------------------ workspace

    def _restore_workspace(self) -> None:
        assert self.ctx is not None
        s3 = self.ctx.passthrough_client("s3")
        own = set(self.buckets())
        count = 0
        for bucket, key, path in self.workspace.exported_objects():
            if bucket not in own or _exists(s3, bucket, key):
                continue  # what provisioning just wrote (scripts, config) wins over the copy
            s3.upload_file(str(path), bucket, key)
            count += 1
        self.report.restored_objects = count
        self.report.restored_tables = restore_catalog(
            self.ctx.passthrough_client("glue"), self.workspace.load_catalog()
        )

    def export(self) -> list[str]:
        """Write ``lake.duckdb`` (objects and catalogue are already written through)."""
        return build_lake_database(self.workspace, self.workspace.load_catalog())

    # ------------------------------------------------------------------ landing files

    def land(self, paths: Iterable[Path], dataset: str | None = None) -> list[Landing]:
        """Put files into the raw bucket, concurrently (they land together, as on AWS)."""
        plan = plan_landings(list(paths), dataset, self.repo_root / "datasets")
        s3 = self.client("s3")
        bucket = self.raw_bucket
        landings = [Landing(src, bucket, key, src.stat().st_size) for src, key in plan]
        errors: list[BaseException] = []

        def put(landing: Landing) -> None:
            try:
                s3.upload_file(str(landing.source), landing.bucket, landing.key)
            except BaseException as exc:  # reported after every thread has finished
                errors.append(exc)

        threads = [threading.Thread(target=put, args=(landing,)) for landing in landings]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return landings

    # ------------------------------------------------------------------ waiting

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until every S3 event and event delivery so far has been handled."""
        assert self.plane is not None and self.bus is not None and self.lambda_api is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.plane.emitter:
                self.plane.emitter.drain(max(0.1, deadline - time.monotonic()))
            self.bus.drain(max(0.1, deadline - time.monotonic()))
            self.lambda_api.drain(max(0.1, deadline - time.monotonic()))
            if self._quiet():
                return

    def _quiet(self) -> bool:
        assert self.plane is not None and self.bus is not None and self.lambda_api is not None
        emitter_idle = self.plane.emitter is None or self.plane.emitter.drain(0)
        return emitter_idle and self.bus.drain(0) and self.lambda_api.drain(0)

    def wait(
        self,
        timeout: float = 900.0,
        on_poll: Callable[[list[dict[str, Any]]], None] | None = None,
        since: float | None = None,
        poll: float = 0.25,
    ) -> list[dict[str, Any]]:
        """Wait until no execution started since ``since`` is running and all events are
        handled (including the failure handler's); returns those executions."""
        since = self._started_at if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            self.settle(max(1.0, deadline - time.monotonic()))
            executions = self.executions(since)
            if on_poll:
                on_poll(executions)
            running = [e for e in executions if e["status"] not in TERMINAL]
            if not running and self._quiet():
                return executions
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(running)} execution(s) still running after {timeout}s")
            time.sleep(poll)

    def executions(self, since: float | None = None) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        found = []
        for arn in self.stack.state_machines.values() if self.stack else []:
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
                found += page["executions"]
        if since is not None:
            # a redriven execution keeps its start date: its redrive date says it runs again
            found = [
                e
                for e in found
                if max(_epoch(e["startDate"]), _epoch(e.get("redriveDate", 0))) >= since - 1
            ]
        return sorted(found, key=lambda e: _epoch(e["startDate"]))

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            events += page["events"]
        return events

    def resolve_execution(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        for execution in self.executions():
            if execution["name"] == name_or_arn:
                return str(execution["executionArn"])
        machine = self.state_machine_arn.replace(":stateMachine:", ":execution:")
        return f"{machine}:{name_or_arn}"

    def landing_outcomes(self, landings: Iterable[Landing]) -> dict[str, dict[str, str]]:
        """What the pipeline did with each landed object: the trigger's decision
        (``started``/``duplicate``/``ignored`` + reason/execution), or why nothing ran."""
        assert self.lambda_api is not None and self.bus is not None
        decisions: dict[str, dict[str, str]] = {}
        for invocation in list(self.lambda_api.runner.invocations):
            if invocation.error:
                continue
            try:
                result = json.loads(invocation.result or b"null")
            except json.JSONDecodeError:
                continue
            if isinstance(result, dict):
                for decision in result.get("decisions", []):
                    decisions.setdefault(decision.get("key", ""), decision)
        failed = [i for i in self.lambda_api.runner.invocations if i.error]
        unmatched = {
            unquote_plus(e.get("detail", {}).get("object", {}).get("key", ""))
            for e in self.bus.unmatched
        }
        outcomes = {}
        for landing in landings:
            if landing.key in decisions:
                outcomes[landing.key] = decisions[landing.key]
            elif landing.key in unmatched:
                outcomes[landing.key] = {
                    "action": "ignored",
                    "reason": "no EventBridge rule matches the object (not a pipeline input)",
                }
            elif failure := _failure_for(landing.key, failed):
                outcomes[landing.key] = {"action": "error", "reason": failure}
            else:
                outcomes[landing.key] = {"action": "unknown", "reason": "no trigger decision seen"}
        return outcomes

    def invoke(self, function: str, event: bytes) -> Any:
        """``sam local invoke``: by logical id or function name."""
        assert self.stack is not None and self.lambda_api is not None
        spec = self.stack.function(function)
        return self.lambda_api.runner.invoke(spec.name, event)


def _failure_for(key: str, failed: list[Any]) -> str:
    """The error of a failed invocation whose event named ``key`` (raw or URL-encoded)."""
    needles = {key.encode(), quote_plus(key, safe="/").encode()}
    for invocation in reversed(failed):
        if any(needle in invocation.payload for needle in needles):
            return f"{invocation.function}: {invocation.error.get('errorMessage', '')}"
    return ""


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


# ---------------------------------------------------------------------- landing plan


def plan_landings(
    paths: list[Path], dataset: str | None, datasets_dir: Path | None = None
) -> list[tuple[Path, str]]:
    """(file, key) for each file to land.

    A folder lands as-is (its relative paths become keys: a folder laid out like the raw
    bucket); a single file lands under its dataset's raw prefix, the dataset from ``--dataset``
    or the file name (``flights_2013_01.csv`` -> ``flights``), with the partition folders the
    dataset's key pattern asks for filled from the numbers in the file name.
    """
    plan: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if not file.name.startswith("."):
                    plan.append((file, file.relative_to(path).as_posix()))
        elif path.is_file():
            name = dataset or dataset_of(path)
            plan.append((path, raw_key(path.name, name, datasets_dir)))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return plan


def raw_key(file_name: str, dataset: str, datasets_dir: Path | None) -> str:
    config = _dataset_config(dataset, datasets_dir)
    prefix = str(config.get("raw_prefix", f"raw/{dataset}/"))
    pattern = config.get("key_pattern")
    plain = f"{prefix}{file_name}"
    if not pattern or re.match(pattern, plain):
        return plain
    numbers = re.findall(r"\d+", file_name)
    keys = list(config.get("partition_keys", []))
    if len(numbers) >= len(keys) > 0:
        folders = "/".join(f"{k}={v}" for k, v in zip(keys, numbers, strict=False))
        candidate = f"{prefix}{folders}/{file_name}"
        if re.match(pattern, candidate):
            return candidate
    return plain  # the pipeline rejects it with its own error report


def _dataset_config(dataset: str, datasets_dir: Path | None) -> dict[str, Any]:
    if datasets_dir is None:
        return {}
    path = datasets_dir / f"{dataset}.yaml"
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else {}


def dataset_of(path: Path) -> str:
    """The dataset a file name suggests: its stem up to the first ``_<digits>`` part."""
    stem = path.name.split(".", 1)[0]
    kept = []
    for part in stem.split("_"):
        if part[:1].isdigit():
            break
        kept.append(part)
    return "_".join(kept) or stem


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, indent=2)
