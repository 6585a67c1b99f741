"""EventBridge, locally: the template's rules (stored in the API plane) matched and delivered.

- ``matches(pattern, event)``: EventBridge's event-pattern language (exact values, arrays as OR,
  nesting, ``prefix``, ``suffix``, ``anything-but``, ``exists``, ``numeric``,
  ``equals-ignore-case``, ``wildcard``, ``$or``), one table entry per operator.
- ``EventBus``: reads rules and targets through the API plane (passthrough, so the definitions
  are the ones the template created), matches each published event and delivers it to every
  target of every matching rule on a worker thread, as EventBridge does: asynchronously, with
  the target's ``RetryPolicy`` and ``DeadLetterConfig``. Targets are reached through their
  AWS APIs (Lambda ``Invoke`` with ``InvocationType=Event``, Step Functions
  ``StartExecution``, SQS ``SendMessage``, SNS ``Publish``), one small deliverer per service.
- ``EventsApi``: ``PutEvents`` for the API plane, publishing through the same bus.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from etl_local.awserrors import AwsError
from etl_local.context import LocalContext

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pattern matching

_MISSING = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _wildcard(pattern: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = re.split(r"(?<!\\)\*", pattern)
    regex = ".*".join(re.escape(part.replace("\\*", "*")) for part in parts)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _prefix(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):  # {"prefix": {"equals-ignore-case": "raw/"}}
        needle = operand["equals-ignore-case"]
        return isinstance(value, str) and value.lower().startswith(needle.lower())
    return isinstance(value, str) and value.startswith(operand)


def _suffix(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):
        needle = operand["equals-ignore-case"]
        return isinstance(value, str) and value.lower().endswith(needle.lower())
    return isinstance(value, str) and value.endswith(operand)


def _equals_ignore_case(operand: Any, value: Any) -> bool:
    operands = operand if isinstance(operand, list) else [operand]
    return isinstance(value, str) and value.lower() in {o.lower() for o in operands}


_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _numeric(operand: list[Any], value: Any) -> bool:
    if not _is_number(value):
        return False
    pairs = zip(operand[::2], operand[1::2], strict=True)
    return all(_NUMERIC_OPS[op](value, bound) for op, bound in pairs)


def _anything_but(operand: Any, value: Any) -> bool:
    if value is _MISSING:
        return False
    if isinstance(operand, dict):
        ((name, inner),) = operand.items()
        return not _OPERATORS[name](inner, value)
    excluded = operand if isinstance(operand, list) else [operand]
    return value not in excluded


def _exists(operand: bool, value: Any) -> bool:
    return (value is not _MISSING) == operand


def _cidr(operand: str, value: Any) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(operand, strict=False)
    except (TypeError, ValueError):
        return False


# operator name -> (operand, event value or _MISSING) -> matched
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "numeric": _numeric,
    "anything-but": _anything_but,
    "exists": _exists,
    "wildcard": lambda operand, value: _wildcard(operand, value),
    "cidr": _cidr,
}


def _matches_one(condition: Any, value: Any) -> bool:
    if isinstance(condition, dict):
        ((name, operand),) = condition.items()
        if name not in _OPERATORS:
            raise ValueError(f"unsupported event pattern operator: {name}")
        return _OPERATORS[name](operand, value)
    if value is _MISSING:
        return False
    if _is_number(condition) and _is_number(value):
        return float(condition) == float(value)
    return bool(condition == value)


def _matches_leaf(conditions: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) and value else [value]
    if isinstance(value, list) and not value:
        values = [_MISSING]
    return any(_matches_one(c, v) for c in conditions for v in values)


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether ``event`` matches the EventBridge event ``pattern``."""
    for name, condition in pattern.items():
        if name == "$or":
            if not any(matches(alternative, event) for alternative in condition):
                return False
            continue
        value = event.get(name, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(condition, dict):
            if not matches(condition, value if isinstance(value, dict) else {}):
                return False
        elif isinstance(condition, list):
            if not _matches_leaf(condition, value):
                return False
        else:
            raise ValueError(f"event pattern values must be arrays or objects: {name}")
    return True


# --------------------------------------------------------------------------- rules and targets


@dataclass(frozen=True)
class Target:
    id: str
    arn: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: Mapping[str, Any] | None = None
    max_retries: int = 185
    max_event_age: int = 86400
    dead_letter_arn: str | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Target:
        retry = raw.get("RetryPolicy", {})
        return cls(
            id=raw["Id"],
            arn=raw["Arn"],
            input=raw.get("Input"),
            input_path=raw.get("InputPath"),
            input_transformer=raw.get("InputTransformer"),
            max_retries=retry.get("MaximumRetryAttempts", 185),
            max_event_age=retry.get("MaximumEventAgeInSeconds", 86400),
            dead_letter_arn=raw.get("DeadLetterConfig", {}).get("Arn"),
        )

    def payload(self, event: dict[str, Any]) -> str:
        if self.input is not None:
            return self.input
        if self.input_path:
            return json.dumps(_json_path(event, self.input_path))
        if self.input_transformer:
            return _transform(event, self.input_transformer)
        return json.dumps(event)


def _json_path(document: Any, path: str) -> Any:
    """The simple ``$.a.b`` paths EventBridge accepts in InputPath / InputPathsMap."""
    current = document
    for part in [p for p in path.lstrip("$").split(".") if p]:
        current = current.get(part) if isinstance(current, dict) else None
    return current


def _transform(event: dict[str, Any], transformer: Mapping[str, Any]) -> str:
    values = {
        name: _json_path(event, path) for name, path in transformer.get("InputPathsMap", {}).items()
    }

    def substitute(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if isinstance(value, str):
            return value
        return json.dumps(value)

    template: str = transformer["InputTemplate"]
    return re.sub(r"<([A-Za-z0-9_.-]+)>", substitute, template)


@dataclass(frozen=True)
class Rule:
    name: str
    arn: str
    pattern: Mapping[str, Any]
    targets: tuple[Target, ...]


@dataclass
class Delivery:
    """What happened to one event at one target (for the CLI's report)."""

    rule: str
    target: str
    event_id: str
    detail_type: str
    attempts: int = 0
    error: str | None = None
    response: dict[str, Any] | None = None


# --------------------------------------------------------------------------- deliverers

Deliverer = Callable[[LocalContext, Target, str], dict[str, Any]]


def _arn_resource(arn: str) -> str:
    return arn.split(":", 6)[-1].split("/")[-1]


def _to_lambda(ctx: LocalContext, target: Target, payload: str) -> dict[str, Any]:
    response = ctx.client("lambda").invoke(
        FunctionName=target.arn, InvocationType="Event", Payload=payload.encode()
    )
    return {"StatusCode": response["StatusCode"]}


def _to_state_machine(ctx: LocalContext, target: Target, payload: str) -> dict[str, Any]:
    response = ctx.client("stepfunctions").start_execution(
        stateMachineArn=target.arn, input=payload
    )
    return {"executionArn": response["executionArn"]}


def _to_queue(ctx: LocalContext, target: Target, payload: str) -> dict[str, Any]:
    sqs = ctx.client("sqs")
    url = sqs.get_queue_url(QueueName=_arn_resource(target.arn))["QueueUrl"]
    return {"MessageId": sqs.send_message(QueueUrl=url, MessageBody=payload)["MessageId"]}


def _to_topic(ctx: LocalContext, target: Target, payload: str) -> dict[str, Any]:
    return {
        "MessageId": ctx.client("sns").publish(TopicArn=target.arn, Message=payload)["MessageId"]
    }


# ARN service -> how EventBridge hands an event to it
DELIVERERS: dict[str, Deliverer] = {
    "lambda": _to_lambda,
    "states": _to_state_machine,
    "sqs": _to_queue,
    "sns": _to_topic,
}

# Errors EventBridge gives up on at once (the target refused the event, retrying won't help).
_FINAL_ERRORS = frozenset(
    {
        "ExecutionAlreadyExists",
        "StateMachineDoesNotExist",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "NotFound",
        "InvalidExecutionInput",
        "ValidationException",
    }
)


def _retryable(error: Exception) -> bool:
    if isinstance(error, ClientError):
        return error.response["Error"]["Code"] not in _FINAL_ERRORS
    return True


# --------------------------------------------------------------------------- the bus


class EventBus:
    """The default event bus: match, then deliver on worker threads."""

    def __init__(
        self,
        ctx: LocalContext,
        bus_name: str = "default",
        workers: int = 8,
        backoff: Callable[[int], float] = lambda attempt: min(0.05 * 2**attempt, 1.0),
    ) -> None:
        self._ctx = ctx
        self._bus = bus_name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eventbus")
        self._backoff = backoff
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.unmatched: list[dict[str, Any]] = []

    def rules(self) -> list[Rule]:
        events = self._ctx.passthrough_client("events")
        rules = []
        for page in events.get_paginator("list_rules").paginate(EventBusName=self._bus):
            for raw in page["Rules"]:
                if raw.get("State") != "ENABLED" or "EventPattern" not in raw:
                    continue
                targets = events.list_targets_by_rule(Rule=raw["Name"], EventBusName=self._bus)
                rules.append(
                    Rule(
                        name=raw["Name"],
                        arn=raw["Arn"],
                        pattern=json.loads(raw["EventPattern"]),
                        targets=tuple(Target.from_api(t) for t in targets["Targets"]),
                    )
                )
        return rules

    def publish(self, event: dict[str, Any]) -> list[Delivery]:
        """Deliver ``event`` (a full envelope) to every matching rule's targets."""
        event.setdefault("version", "0")
        event.setdefault("id", str(uuid.uuid4()))
        event.setdefault("account", self._ctx.account_id)
        event.setdefault("region", self._ctx.region)
        event.setdefault("time", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        event.setdefault("resources", [])
        started = []
        for rule in self.rules():
            if not matches(rule.pattern, event):
                continue
            for target in rule.targets:
                delivery = Delivery(rule.name, target.arn, event["id"], event["detail-type"])
                with self._lock:
                    self.deliveries.append(delivery)
                started.append(delivery)
                self._submit(target, event, delivery)
        if not started:
            with self._lock:
                self.unmatched.append(event)
        return started

    def _submit(self, target: Target, event: dict[str, Any], delivery: Delivery) -> None:
        try:
            future = self._pool.submit(self._deliver, target, event, delivery)
        except RuntimeError:  # the bus is shut down: nothing is delivered any more
            delivery.error = "event bus stopped before delivery"
            log.warning(
                "rule %s: event %s not delivered: bus stopped", delivery.rule, delivery.event_id
            )
            return
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _deliver(self, target: Target, event: dict[str, Any], delivery: Delivery) -> None:
        service = target.arn.split(":")[2]
        deliverer = DELIVERERS.get(service)
        if deliverer is None:
            delivery.error = f"target type {service!r} is not supported locally"
            log.error("rule %s: %s", delivery.rule, delivery.error)
            return
        payload = target.payload(event)
        deadline = time.monotonic() + target.max_event_age
        while True:
            delivery.attempts += 1
            try:
                delivery.response = deliverer(self._ctx, target, payload)
                delivery.error = None
                return
            except Exception as exc:
                delivery.error = _describe(exc)
                retries_left = delivery.attempts <= target.max_retries
                if not (_retryable(exc) and retries_left and time.monotonic() < deadline):
                    break
                time.sleep(self._backoff(delivery.attempts))
        log.warning("rule %s -> %s: %s", delivery.rule, target.arn, delivery.error)
        if target.dead_letter_arn:
            self._dead_letter(target, event, delivery)

    def _dead_letter(self, target: Target, event: dict[str, Any], delivery: Delivery) -> None:
        dlq = Target(id="dlq", arn=target.dead_letter_arn or "")
        try:
            _to_queue(self._ctx, dlq, json.dumps(event))
        except Exception as exc:
            log.error("dead-letter queue %s: %s", dlq.arn, _describe(exc))

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until every delivery started so far has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            if time.monotonic() >= deadline:
                return False
            for future in pending:
                try:
                    future.exception(timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    return False

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response["Error"]
        return f"{error.get('Code')}: {error.get('Message')}"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- PutEvents


class EventsApi:
    """``AWSEvents.PutEvents`` through the local bus (the rest of EventBridge is the store's)."""

    ACTIONS = frozenset({"PutEvents"})

    def __init__(self, ctx: LocalContext, bus: EventBus) -> None:
        self._ctx = ctx
        self._bus = bus

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        if action != "PutEvents":
            raise AwsError("UnknownOperationException", f"{action} is not handled locally")
        entries = params.get("Entries") or []
        if not 1 <= len(entries) <= 10:
            raise AwsError(
                "ValidationException",
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                "Member must have length less than or equal to 10",
            )
        results = [self._put(entry) for entry in entries]
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def _put(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        for member in ("Source", "DetailType", "Detail"):
            if not entry.get(member):
                return {
                    "ErrorCode": "InvalidArgument",
                    "ErrorMessage": f"Parameter {member} is not valid. Reason: {member} is a required argument.",
                }
        try:
            detail = json.loads(entry["Detail"])
        except json.JSONDecodeError:
            detail = None
        if not isinstance(detail, dict):
            return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
        event_id = str(uuid.uuid4())
        when = entry.get("Time")
        event = {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": self._ctx.account_id,
            "time": _iso(when) if when else None,
            "region": self._ctx.region,
            "resources": list(entry.get("Resources", [])),
            "detail": detail,
        }
        if event["time"] is None:
            del event["time"]
        self._bus.publish(event)
        return {"EventId": event_id}

    def close(self) -> None:
        self._bus.close()


def _iso(value: Any) -> str:
    if isinstance(value, int | float):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


__all__ = [
    "DELIVERERS",
    "Delivery",
    "EventBus",
    "EventsApi",
    "Rule",
    "Target",
    "matches",
]
