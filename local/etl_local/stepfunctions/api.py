"""``StepFunctionsApi``: the Step Functions API actions answered by the local interpreter.

Requests and responses are the API's JSON shapes (camelCase, timestamps as epoch
seconds); errors are ``AwsError`` with AWS's codes and messages. Executions run on
background threads and persist in SQLite under the workspace; when one changes status the
"Step Functions Execution Status Change" EventBridge event goes to ``ctx.publish_event``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from etl_local.awserrors import AwsError
from etl_local.context import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, LocalContext
from etl_local.stepfunctions.clock import make_clock
from etl_local.stepfunctions.errors import DefinitionError, compact
from etl_local.stepfunctions.execution import (
    Execution,
    ExecutionResult,
    Redrive,
    execution_arn,
    state_machine_arn,
)
from etl_local.stepfunctions.integrations import Clients, Integrations
from etl_local.stepfunctions.machine import StateMachine, load, parse_json
from etl_local.stepfunctions.store import ExecutionRecord, MachineRecord, Store
from etl_local.stepfunctions.tokens import TokenBroker
from etl_local.stepfunctions.validation import validate

log = logging.getLogger(__name__)

NAME_MAX = 80
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
REDRIVABLE_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
REDRIVE_WINDOW_SECONDS = 14 * 24 * 3600
MAX_OPEN_SECONDS = 365 * 24 * 3600
# The redriven attempt needs room for ExecutionRedriven and one more event under 25,000.
MAX_REDRIVE_HISTORY_EVENTS = 24_999
STATUS_CHANGE = "Step Functions Execution Status Change"
FLUSH_SECONDS = 0.1  # how often running executions' new history events are saved
REDRIVE_FILTERS: dict[str, Callable[[int], bool]] = {
    "REDRIVEN": lambda count: count > 0,
    "NOT_REDRIVEN": lambda count: count == 0,
}
LOCAL_CREDENTIALS = {
    "aws_access_key_id": LOCAL_ACCESS_KEY,
    "aws_secret_access_key": LOCAL_SECRET_KEY,
}

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _check_name(name: str) -> None:
    if not 1 <= len(name) <= NAME_MAX or _BAD_NAME.search(name):
        raise AwsError("InvalidName", f"Invalid Name: '{name}'")


def _check_arn(arn: Any, kind: str) -> str:
    if not isinstance(arn, str) or not arn.startswith("arn:aws") or f":{kind}:" not in arn:
        raise AwsError(
            "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'"
        )
    return arn


def _invalid_definition(exc: DefinitionError) -> AwsError:
    return AwsError("InvalidDefinition", str(exc))


def _ms(epoch: float | None) -> int | None:
    return None if epoch is None else int(epoch * 1000)


class StepFunctionsApi:
    ACTIONS = frozenset(
        {
            "CreateStateMachine",
            "UpdateStateMachine",
            "DescribeStateMachine",
            "DeleteStateMachine",
            "ListStateMachines",
            "StartExecution",
            "StartSyncExecution",
            "DescribeExecution",
            "ListExecutions",
            "GetExecutionHistory",
            "StopExecution",
            "RedriveExecution",
            "SendTaskSuccess",
            "SendTaskFailure",
            "SendTaskHeartbeat",
            "ValidateStateMachineDefinition",
            "DescribeStateMachineForExecution",
            "TagResource",
            "UntagResource",
            "ListTagsForResource",
        }
    )

    def __init__(
        self,
        ctx: LocalContext,
        *,
        virtual_clock: bool = False,
        integrations: Integrations | None = None,
    ) -> None:
        self.ctx = ctx
        self.store = Store(ctx.workspace / "stepfunctions" / "executions.sqlite3")
        self.virtual_clock = virtual_clock
        self.integrations = integrations or Integrations(
            Clients(ctx.endpoint_url, ctx.region, credentials=LOCAL_CREDENTIALS)
        )
        self.tokens = TokenBroker()
        self._running: dict[str, tuple[Execution, threading.Thread]] = {}
        self._records: dict[str, ExecutionRecord] = {}
        self._flusher: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closing = False
        self.ended_at_start: list[str] = []
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        _OPEN_OWNERS.add(self.owner)
        self._handlers: dict[str, Handler] = {
            "CreateStateMachine": self.create_state_machine,
            "UpdateStateMachine": self.update_state_machine,
            "DescribeStateMachine": self.describe_state_machine,
            "DeleteStateMachine": self.delete_state_machine,
            "ListStateMachines": self.list_state_machines,
            "StartExecution": self.start_execution,
            "StartSyncExecution": self.start_sync_execution,
            "DescribeExecution": self.describe_execution,
            "ListExecutions": self.list_executions,
            "GetExecutionHistory": self.get_execution_history,
            "StopExecution": self.stop_execution,
            "RedriveExecution": self.redrive_execution,
            "SendTaskSuccess": self.send_task_success,
            "SendTaskFailure": self.send_task_failure,
            "SendTaskHeartbeat": self.send_task_heartbeat,
            "ValidateStateMachineDefinition": self.validate_definition,
            "DescribeStateMachineForExecution": self.describe_state_machine_for_execution,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers.get(action)
        if handler is None:
            raise AwsError("UnknownOperationException", f"Unknown operation {action}")
        return handler(params)

    def close(self) -> None:
        """Stop the executions running here; they stay RUNNING in the store, owned by a
        runtime that is gone, and the next start ends them (``end_interrupted``)."""
        _OPEN_OWNERS.discard(self.owner)
        with self._lock:
            self._closing = True
            running = list(self._running.values())
        for execution, _ in running:
            execution.stop(None, RUNTIME_STOPPED)
        for _, thread in running:
            thread.join(timeout=5)

    def events_ready(self) -> None:
        """The stack's rules exist: end what the last runtime left running (the runtime lets
        their failure handling finish and keeps it: ``ended_at_start``)."""
        self.ended_at_start = self.end_interrupted()

    def end_interrupted(self) -> list[str]:
        """End every execution whose runtime stopped under it, as ABORTED (redrivable), with
        its ExecutionAborted event and its status-change event; returns their ARNs."""
        ended = []
        for machine in self.store.machines():
            for light in self.store.executions(machine.arn):
                if light.status != "RUNNING" or _owner_alive(light.owner):
                    continue
                record = self.store.execution(light.arn)
                if record is not None and record.status == "RUNNING":
                    self._end_interrupted(record)
                    ended.append(record.arn)
        return ended

    def _end_interrupted(self, record: ExecutionRecord) -> None:
        stop = time.time()
        last = record.history[-1] if record.history else None
        if last is None or last["type"] != "ExecutionAborted":
            # The process died without stopping the execution: no redrive point was recorded,
            # so resume where the history shows the top-level walk was.
            resume = resume_point(load(record.definition), record.history)
            if resume is not None:
                record.ledger = {"#resume": resume}
            last_id = last["id"] if last else 0
            record.history.append(
                {
                    "timestamp": stop,
                    "type": "ExecutionAborted",
                    "id": last_id + 1,
                    "previousEventId": last_id,
                    "executionAbortedEventDetails": {"cause": RUNTIME_STOPPED},
                }
            )
        else:
            stop = float(last["timestamp"])
        record.status, record.stop_date = "ABORTED", stop
        record.error, record.cause, record.output = None, RUNTIME_STOPPED, None
        self.store.put_execution(record)
        self._publish(record)

    def wait(self, arn: str, timeout: float | None = None) -> None:
        """Block until the execution ``arn`` (started here) ends."""
        with self._lock:
            entry = self._running.get(arn)
        if entry is not None:
            entry[1].join(timeout)

    # --- state machines ---------------------------------------------------------------

    def _machine(self, arn: Any) -> MachineRecord:
        record = self.store.machine(_check_arn(arn, "stateMachine"))
        if record is None:
            raise AwsError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return record

    def create_state_machine(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["name"]
        _check_name(name)
        definition = params["definition"]
        try:
            load(definition)
        except DefinitionError as exc:
            raise _invalid_definition(exc) from exc
        arn = state_machine_arn(name, self.ctx.region, self.ctx.account_id)
        existing = self.store.machine(arn)
        role = params.get("roleArn", "")
        kind = params.get("type", "STANDARD")
        if existing is not None:
            if (existing.definition, existing.role_arn, existing.type) != (definition, role, kind):
                raise AwsError(
                    "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                )
            return {"stateMachineArn": arn, "creationDate": existing.creation_date}
        now = time.time()
        record = MachineRecord(
            arn,
            name,
            definition,
            role,
            kind,
            now,
            now,
            str(uuid.uuid4()),
            params.get("description", ""),
        )
        self.store.put_machine(record)
        return {"stateMachineArn": arn, "creationDate": now}

    def update_state_machine(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._machine(params.get("stateMachineArn"))
        if "definition" in params:
            try:
                load(params["definition"])
            except DefinitionError as exc:
                raise _invalid_definition(exc) from exc
            record.definition = params["definition"]
        record.role_arn = params.get("roleArn", record.role_arn)
        record.update_date = time.time()
        record.revision_id = str(uuid.uuid4())
        self.store.put_machine(record)
        return {"updateDate": record.update_date, "revisionId": record.revision_id}

    def describe_state_machine(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._machine(params.get("stateMachineArn"))
        return {
            "stateMachineArn": record.arn,
            "name": record.name,
            "status": "ACTIVE",
            "definition": record.definition,
            "roleArn": record.role_arn,
            "type": record.type,
            "creationDate": record.creation_date,
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
            "revisionId": record.revision_id,
            **({"description": record.description} if record.description else {}),
        }

    def delete_state_machine(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = _check_arn(params.get("stateMachineArn"), "stateMachine")
        self.store.delete_machine(arn)
        return {}

    def list_state_machines(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [
            {
                "stateMachineArn": m.arn,
                "name": m.name,
                "type": m.type,
                "creationDate": m.creation_date,
            }
            for m in self.store.machines()
        ]
        return _page(items, "stateMachines", params)

    def _tagged(self, params: dict[str, Any]) -> MachineRecord:
        return self._machine(params.get("resourceArn"))

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._tagged(params)
        record.tags.update({tag["key"]: tag.get("value", "") for tag in params.get("tags", [])})
        self.store.put_machine(record)
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._tagged(params)
        for key in params.get("tagKeys", []):
            record.tags.pop(key, None)
        self.store.put_machine(record)
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._tagged(params).tags
        return {"tags": [{"key": key, "value": value} for key, value in tags.items()]}

    def validate_definition(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            spec = parse_json(params["definition"])
            diagnostics = validate(spec)
        except DefinitionError as exc:
            diagnostics = exc.diagnostics
        limit = int(params.get("maxResults") or 100)
        errors = [d for d in diagnostics if d["severity"] == "ERROR"]
        return {
            "result": "FAIL" if errors else "OK",
            "diagnostics": diagnostics[:limit],
            "truncated": len(diagnostics) > limit,
        }

    # --- executions -------------------------------------------------------------------

    def _execution(self, arn: Any) -> ExecutionRecord:
        record = self.store.execution(_check_arn(arn, "execution"))
        if record is None:
            raise AwsError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        if record.status == "RUNNING" and not _owner_alive(record.owner):
            self._end_interrupted(record)
        return record

    def _prepare(self, params: dict[str, Any]) -> tuple[MachineRecord, str, str, Any]:
        """The machine, execution name, input text and parsed input of a Start* request."""
        machine = self._machine(params.get("stateMachineArn"))
        name = params["name"] if "name" in params else str(uuid.uuid4())
        _check_name(name)
        input_text = params.get("input") or "{}"
        try:
            return machine, name, input_text, json.loads(input_text)
        except json.JSONDecodeError as exc:
            raise AwsError("InvalidExecutionInput", f"Invalid execution input: {exc.msg}") from exc

    def _execution_of(self, machine: MachineRecord, name: str, execution_input: Any) -> Execution:
        return Execution(
            load(machine.definition),
            execution_input,
            name=name,
            machine_arn=machine.arn,
            clock=make_clock(self.virtual_clock),
            integrations=self.integrations,
            tokens=self.tokens,
            role_arn=machine.role_arn,
        )

    def start_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        machine, name, input_text, execution_input = self._prepare(params)
        arn = execution_arn(machine.arn, name)
        existing = self.store.execution(arn)
        if existing is not None:
            if existing.status == "RUNNING" and existing.input == input_text:
                return {"executionArn": arn, "startDate": existing.start_date}
            raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        execution = self._execution_of(machine, name, execution_input)
        record = ExecutionRecord(
            arn=arn,
            machine_arn=machine.arn,
            name=name,
            status="RUNNING",
            input=input_text,
            start_date=execution.run_state.start_time,
            definition=machine.definition,
            role_arn=machine.role_arn,
            machine_update_date=machine.update_date,
            revision_id=machine.revision_id,
            owner=self.owner,
        )
        self._launch(execution, record)
        return {"executionArn": arn, "startDate": record.start_date}

    def start_sync_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        """EXPRESS machines only: run to the end in the request, keep no record (as AWS)."""
        machine, name, input_text, execution_input = self._prepare(params)
        if machine.type != "EXPRESS":
            raise AwsError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        execution = self._execution_of(machine, name, execution_input)
        result = execution.run()
        arn = execution.arn.replace(":execution:", ":express:", 1)
        out: dict[str, Any] = {
            "executionArn": arn,
            "stateMachineArn": machine.arn,
            "name": name,
            "startDate": result.start_date,
            "stopDate": result.stop_date,
            "status": result.status,
            "input": input_text,
            "inputDetails": {"included": True},
        }
        if result.status == "SUCCEEDED":
            out["output"] = compact(result.output)
            out["outputDetails"] = {"included": True}
        for key in ("error", "cause"):
            if getattr(result, key) is not None:
                out[key] = getattr(result, key)
        return out

    def _launch(self, execution: Execution, record: ExecutionRecord) -> None:
        self.store.put_execution(record)
        self._publish(record)
        thread = threading.Thread(
            target=self._run, args=(execution, record), name=f"sfn-{record.name}", daemon=True
        )
        with self._lock:
            self._running[record.arn] = (execution, thread)
            self._records[record.arn] = record
            if self._flusher is None or not self._flusher.is_alive():
                self._flusher = threading.Thread(target=self._flush, name="sfn-flush", daemon=True)
                self._flusher.start()
        thread.start()
        execution.started.wait(5)

    def _run(self, execution: Execution, record: ExecutionRecord) -> None:
        try:
            result = execution.run()
        except Exception as exc:  # an interpreter bug must not leave the execution RUNNING
            log.exception("execution %s crashed", record.arn)
            result = ExecutionResult(
                "FAILED",
                error="States.Runtime",
                cause=f"{type(exc).__name__}: {exc}",
                stop_date=time.time(),
                history=execution.history,
            )
        with self._lock:
            if self._closing and result.status == "ABORTED":
                # Stopped by close(): left RUNNING for the next start to end and announce
                # (this runtime's event bus is going away with it).
                record.history, record.ledger = result.history, result.ledger
                self.store.put_execution(record)
                self._running.pop(record.arn, None)
                self._records.pop(record.arn, None)
                return
            record.status = result.status
            record.output = None if result.status != "SUCCEEDED" else compact(result.output)
            record.error, record.cause = result.error, result.cause
            record.stop_date = result.stop_date
            record.history = result.history
            record.ledger = result.ledger
            self.store.put_execution(record)
            self._running.pop(record.arn, None)
            self._records.pop(record.arn, None)
        self._publish(record)

    def _flush(self) -> None:
        """Persist the history of running executions as it grows (for other processes, and
        for a crash: the next start ends them ABORTED and a redrive resumes where the saved
        history shows they were, so at most the last FLUSH_SECONDS of events are lost)."""
        saved: dict[str, int] = {}  # arn -> events persisted
        while True:
            time.sleep(FLUSH_SECONDS)
            with self._lock:
                if not self._records:
                    return
                for arn, record in self._records.items():
                    events = self._running[arn][0].history
                    if len(events) != saved.get(arn):
                        record.history = list(events)
                        self.store.put_execution(record)
                        saved[arn] = len(record.history)

    def _publish(self, record: ExecutionRecord) -> None:
        try:
            self.ctx.publish_event(status_change_event(record, self.ctx))
        except Exception:
            log.exception("publishing the status change of %s failed", record.arn)

    def describe_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._execution(params.get("executionArn"))
        out: dict[str, Any] = {
            "executionArn": record.arn,
            "stateMachineArn": record.machine_arn,
            "name": record.name,
            "status": record.status,
            "startDate": record.start_date,
            "input": record.input,
            "inputDetails": {"included": True},
            "redriveCount": record.redrive_count,
        }
        if record.stop_date is not None:
            out["stopDate"] = record.stop_date
        if record.output is not None:
            out["output"] = record.output
            out["outputDetails"] = {"included": True}
        for key in ("error", "cause"):
            if getattr(record, key) is not None:
                out[key] = getattr(record, key)
        if record.redrive_date is not None:
            out["redriveDate"] = record.redrive_date
        status, reason = _redrive_status(record)
        out["redriveStatus"] = status
        if reason:
            out["redriveStatusReason"] = reason
        return out

    def list_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        machine = self._machine(params.get("stateMachineArn"))
        wanted = params.get("statusFilter")
        redriven = REDRIVE_FILTERS.get(params.get("redriveFilter", ""), lambda count: True)
        items = []
        for record in self.store.executions(machine.arn):
            if record.status == "RUNNING" and not _owner_alive(record.owner):
                record = self._execution(record.arn)  # its runtime is gone: it ends here
            if (wanted and record.status != wanted) or not redriven(record.redrive_count):
                continue
            item: dict[str, Any] = {
                "executionArn": record.arn,
                "stateMachineArn": record.machine_arn,
                "name": record.name,
                "status": record.status,
                "startDate": record.start_date,
                "redriveCount": record.redrive_count,
            }
            if record.stop_date is not None:
                item["stopDate"] = record.stop_date
            if record.redrive_date is not None:
                item["redriveDate"] = record.redrive_date
            items.append(item)
        return _page(items, "executions", params)

    def get_execution_history(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params.get("executionArn")
        record = self._execution(arn)
        with self._lock:
            entry = self._running.get(record.arn)
        events = list(entry[0].history) if entry is not None else record.history
        if params.get("reverseOrder"):
            events = events[::-1]
        if params.get("includeExecutionData") is False:
            events = [_without_data(event) for event in events]
        return _page(events, "events", params)

    def stop_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._execution(params.get("executionArn"))
        with self._lock:
            entry = self._running.get(record.arn)
        if entry is None or record.status != "RUNNING":
            raise AwsError(
                "ValidationException", f"Execution Does Not Exist or is not running: '{record.arn}'"
            )
        execution, thread = entry
        execution.stop(params.get("error"), params.get("cause"))
        thread.join(30)
        stopped = self.store.execution(record.arn)
        return {"stopDate": stopped.stop_date if stopped else time.time()}

    def redrive_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._execution(params.get("executionArn"))
        status, reason = _redrive_status(record)
        if status != "REDRIVABLE":
            raise AwsError("ExecutionNotRedrivable", reason or f"Execution is {record.status}")
        with self._lock:
            if record.arn in self._running:
                raise AwsError(
                    "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"
                )
        machine_arn = record.machine_arn
        execution = Execution(
            load(record.definition),
            json.loads(record.input),
            name=record.name,
            machine_arn=machine_arn,
            clock=make_clock(self.virtual_clock),
            integrations=self.integrations,
            tokens=self.tokens,
            role_arn=record.role_arn,
            redrive=Redrive(
                record.history, record.ledger, record.redrive_count + 1, record.start_date
            ),
        )
        record.status = "RUNNING"
        record.owner = self.owner
        record.redrive_count += 1
        record.redrive_date = execution.run_state.redrive_time
        record.stop_date = None
        record.error = record.cause = record.output = None
        self._launch(execution, record)
        return {"redriveDate": record.redrive_date}

    def describe_state_machine_for_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._execution(params.get("executionArn"))
        return {
            "stateMachineArn": record.machine_arn,
            "name": record.machine_arn.rpartition(":")[2],
            "definition": record.definition,
            "roleArn": record.role_arn,
            "updateDate": record.machine_update_date,
            "revisionId": record.revision_id,
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
        }

    # --- callbacks --------------------------------------------------------------------

    def send_task_success(self, params: dict[str, Any]) -> dict[str, Any]:
        self.tokens.succeed(params["taskToken"], params["output"])
        return {}

    def send_task_failure(self, params: dict[str, Any]) -> dict[str, Any]:
        self.tokens.fail(params["taskToken"], params.get("error"), params.get("cause"))
        return {}

    def send_task_heartbeat(self, params: dict[str, Any]) -> dict[str, Any]:
        self.tokens.heartbeat(params["taskToken"])
        return {}


HOST = socket.gethostname()
RUNTIME_STOPPED = "The local runtime stopped while this execution was running."
# Owners ("<host>:<pid>:<instance>") of the StepFunctionsApi instances open in this process.
_OPEN_OWNERS: set[str] = set()


def _owner_alive(owner: str) -> bool:
    """Whether the runtime that started an execution may still be running it."""
    host, pid, *_ = [*owner.split(":"), "", ""]
    if host != HOST or not pid.isdigit():
        return True  # unknown or another machine: assume it is alive
    if int(pid) == os.getpid():
        return owner in _OPEN_OWNERS or owner.count(":") < 2
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resume_point(machine: StateMachine, history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Where the top-level walk of the last attempt was (the state entered and not exited),
    for an execution whose process died before it could record its redrive point."""
    attempt_start = max(
        (
            i
            for i, e in enumerate(history)
            if e["type"] in ("ExecutionStarted", "ExecutionRedriven")
        ),
        default=0,
    )
    current: dict[str, Any] | None = None
    inside: str | None = None  # a top-level Map/Parallel whose nested states run now
    for event in history[attempt_start:]:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event.get("stateEnteredEventDetails", {})
            name = details.get("name")
            if inside is None and name in machine.states:
                current = {
                    "state": name,
                    "input": json.loads(details.get("input") or "null"),
                    "variables": {},
                }
                if kind in ("MapStateEntered", "ParallelStateEntered"):
                    inside = name
        elif kind.endswith("StateExited"):
            name = event.get("stateExitedEventDetails", {}).get("name")
            if name == inside:
                inside = None
            if inside is None and current is not None and name == current["state"]:
                current = None
    return current


def _redrive_status(record: ExecutionRecord) -> tuple[str, str | None]:
    """REDRIVABLE, or NOT_REDRIVABLE with the reason DescribeExecution gives (RedriveExecution's
    conditions: not SUCCEEDED, stopped at most 14 days ago, open for at most a year, fewer
    than 24,999 history events)."""
    if record.status in ("RUNNING", "SUCCEEDED"):
        return "NOT_REDRIVABLE", f"Execution is {record.status} and cannot be redriven."
    if record.status not in REDRIVABLE_STATUSES:
        return "NOT_REDRIVABLE", f"Execution is {record.status} and cannot be redriven."
    now = time.time()
    if record.stop_date is not None and now - record.stop_date > REDRIVE_WINDOW_SECONDS:
        return "NOT_REDRIVABLE", "Execution redrivable period exceeded."
    if now - record.start_date > MAX_OPEN_SECONDS:
        return "NOT_REDRIVABLE", "Execution has exceeded the max execution time."
    if len(record.history) >= MAX_REDRIVE_HISTORY_EVENTS:
        return "NOT_REDRIVABLE", "Execution history event limit exceeded."
    return "REDRIVABLE", None


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in event.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in ("input", "output", "parameters")}
        out[key] = value
    return out


def _page(
    items: list[Any], key: str, params: dict[str, Any], default_size: int = 100
) -> dict[str, Any]:
    size = int(params.get("maxResults") or default_size)
    start = int(params.get("nextToken") or 0)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def status_change_event(record: ExecutionRecord, ctx: LocalContext) -> dict[str, Any]:
    """The EventBridge event Step Functions emits when an execution changes status."""
    status, reason = _redrive_status(record)
    detail: dict[str, Any] = {
        "executionArn": record.arn,
        "stateMachineArn": record.machine_arn,
        "name": record.name,
        "status": record.status,
        "startDate": _ms(record.start_date),
        "stopDate": _ms(record.stop_date),
        "input": record.input,
        "output": record.output,
        "inputDetails": {"included": True},
        "outputDetails": {"included": True} if record.output is not None else None,
        "error": record.error,
        "cause": record.cause,
        "redriveCount": record.redrive_count,
        "redriveDate": _ms(record.redrive_date),
        "redriveStatus": status,
        "redriveStatusReason": reason,
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATUS_CHANGE,
        "source": "aws.states",
        "account": ctx.account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": ctx.region,
        "resources": [record.arn],
        "detail": detail,
    }
