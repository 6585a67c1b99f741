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
- Scheduled rules (``rate(...)``, ``cron(...)`` with EventBridge's six fields and ``? L W #``)
  fire while the bus is up (``Scheduler``, one round a second; ``tick(now)`` for tests), each
  time a "Scheduled Event" to the rule's own targets.
- ``EventsApi``: ``PutEvents`` for the API plane, publishing through the same bus, and
  ``PutRule``'s schedule validation.
"""

from __future__ import annotations

import calendar
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
    """The default event bus: match, then deliver on worker threads; fire scheduled rules."""

    def __init__(
        self,
        ctx: LocalContext,
        bus_name: str = "default",
        workers: int = 8,
        backoff: Callable[[int], float] = lambda attempt: min(0.05 * 2**attempt, 1.0),
        schedules: bool = True,
    ) -> None:
        self.ctx = ctx
        self._bus = bus_name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eventbus")
        self._backoff = backoff
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.unmatched: list[dict[str, Any]] = []
        # Scheduled rules fire while the bus is up (only the default bus has schedules).
        self.scheduler = Scheduler(self).start() if schedules and bus_name == "default" else None

    def _rules(self, kind: str) -> list[tuple[Rule, str]]:
        """Enabled rules with an ``EventPattern`` or a ``ScheduleExpression`` (``kind``), each
        with that member's text."""
        events = self.ctx.passthrough_client("events")
        rules = []
        for page in events.get_paginator("list_rules").paginate(EventBusName=self._bus):
            for raw in page["Rules"]:
                if raw.get("State") != "ENABLED" or kind not in raw:
                    continue
                targets = events.list_targets_by_rule(Rule=raw["Name"], EventBusName=self._bus)
                rule = Rule(
                    name=raw["Name"],
                    arn=raw["Arn"],
                    pattern=json.loads(raw["EventPattern"]) if "EventPattern" in raw else {},
                    targets=tuple(Target.from_api(t) for t in targets["Targets"]),
                )
                rules.append((rule, raw[kind]))
        return rules

    def rules(self) -> list[Rule]:
        """The enabled rules that match events by pattern."""
        return [rule for rule, _ in self._rules("EventPattern")]

    def scheduled_rules(self) -> list[tuple[Rule, str]]:
        """The enabled scheduled rules, with their ScheduleExpression."""
        return self._rules("ScheduleExpression")

    def publish(self, event: dict[str, Any]) -> list[Delivery]:
        """Deliver ``event`` (a full envelope) to every matching rule's targets."""
        event.setdefault("version", "0")
        event.setdefault("id", str(uuid.uuid4()))
        event.setdefault("account", self.ctx.account_id)
        event.setdefault("region", self.ctx.region)
        event.setdefault("time", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        event.setdefault("resources", [])
        started = []
        for rule in self.rules():
            if matches(rule.pattern, event):
                started += self.deliver(rule, event)
        if not started:
            with self._lock:
                self.unmatched.append(event)
        return started

    def deliver(self, rule: Rule, event: dict[str, Any]) -> list[Delivery]:
        """Hand ``event`` to every target of ``rule`` (asynchronously)."""
        started = []
        for target in rule.targets:
            delivery = Delivery(rule.name, target.arn, event["id"], event["detail-type"])
            with self._lock:
                self.deliveries.append(delivery)
            started.append(delivery)
            self._submit(target, event, delivery)
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
                delivery.response = deliverer(self.ctx, target, payload)
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
            _to_queue(self.ctx, dlq, json.dumps(event))
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
        if self.scheduler is not None:
            self.scheduler.close()
        self._pool.shutdown(wait=True, cancel_futures=False)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response["Error"]
        return f"{error.get('Code')}: {error.get('Message')}"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- schedules

SCHEDULED_EVENT = "Scheduled Event"
INVALID_SCHEDULE = "Parameter ScheduleExpression is not valid."
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # 1-7, as EventBridge counts


class InvalidSchedule(ValueError):
    """A ScheduleExpression EventBridge would refuse (PutRule's ValidationException)."""

    def __init__(self, expression: str, why: str) -> None:
        super().__init__(f"{INVALID_SCHEDULE} ({why}: {expression!r})")


@dataclass(frozen=True)
class RateSchedule:
    """``rate(N unit)``: every N units from when the schedule was created."""

    seconds: int
    anchor: dt.datetime

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        periods = max(0, int((moment - self.anchor).total_seconds() // self.seconds)) + 1
        return self.anchor + dt.timedelta(seconds=periods * self.seconds)


def _numbers(part: str, low: int, high: int, names: tuple[str, ...] = ()) -> range:
    """One comma-separated part of a cron field: ``*``, ``n``, ``a-b``, each with ``/step``."""

    def number(text: str) -> int:
        if text.upper() in names:
            return names.index(text.upper()) + low
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(text)
        return int(text)

    base, _, step_text = part.partition("/")
    step = number(step_text) if step_text else 1
    if base == "*":
        first, last = low, high
    elif "-" in base:
        start, _, end = base.partition("-")
        first, last = number(start), number(end)
    else:
        first = number(base)
        last = high if step_text else first
    if first > last or step < 1:
        raise ValueError(part)
    return range(first, last + 1, step)


def _field(text: str, low: int, high: int, names: tuple[str, ...] = ()) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_numbers(part, low, high, names))
    return frozenset(values)


def _weekday(day: dt.date) -> int:
    """EventBridge's day-of-week number: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _nearest_weekday(year: int, month: int, day: int) -> int:
    """``nW``: the weekday closest to day n, never leaving the month."""
    last = _last_day(year, month)
    day = min(day, last)
    weekday = dt.date(year, month, day).weekday()  # Monday = 0
    if weekday == 5:  # Saturday: Friday before, or Monday after when n is the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: Monday after, or Friday before when n is the last day
        return day + 1 if day < last else day - 2
    return day


@dataclass(frozen=True)
class DayRule:
    """Day-of-month or day-of-week, whichever is not ``?`` (EventBridge allows one)."""

    kind: str  # "month" | "week"
    days: frozenset[int] = frozenset()
    last: bool = False  # L (last day of the month / Saturday)
    last_weekday: bool = False  # LW
    nearest: frozenset[int] = frozenset()  # nW
    last_of: frozenset[int] = frozenset()  # nL: the last such weekday of the month
    nth: tuple[int, int] | None = None  # d#k: the k-th such weekday of the month

    def matches(self, day: dt.date) -> bool:
        last = _last_day(day.year, day.month)
        if self.kind == "month":
            return (
                day.day in self.days
                or (self.last and day.day == last)
                or (self.last_weekday and day.day == _nearest_weekday(day.year, day.month, last))
                or any(day.day == _nearest_weekday(day.year, day.month, n) for n in self.nearest)
            )
        weekday = _weekday(day)
        return (
            weekday in self.days
            or (self.last and weekday == 7)
            or (weekday in self.last_of and day.day + 7 > last)
            or (self.nth is not None and self.nth == (weekday, (day.day - 1) // 7 + 1))
        )


def _day_of_month(text: str) -> DayRule:
    days: set[int] = set()
    nearest: set[int] = set()
    last = last_weekday = False
    for part in text.split(","):
        if part == "L":
            last = True
        elif part == "LW":
            last_weekday = True
        elif part.endswith("W"):
            nearest.update(_numbers(part[:-1], 1, 31))
        else:
            days.update(_numbers(part, 1, 31))
    return DayRule("month", frozenset(days), last, last_weekday, frozenset(nearest))


def _day_of_week(text: str) -> DayRule:
    if "#" in text:  # only one expression with '#'
        day, _, nth = text.partition("#")
        (weekday,) = _numbers(day, 1, 7, _WEEKDAYS)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ValueError(text)
        return DayRule("week", nth=(weekday, int(nth)))
    days: set[int] = set()
    last_of: set[int] = set()
    last = False
    for part in text.split(","):
        if part == "L":
            last = True
        elif part.endswith("L"):
            last_of.update(_numbers(part[:-1], 1, 7, _WEEKDAYS))
        else:
            days.update(_numbers(part, 1, 7, _WEEKDAYS))
    return DayRule("week", frozenset(days), last, last_of=frozenset(last_of))


@dataclass(frozen=True)
class CronSchedule:
    """``cron(minutes hours day-of-month month day-of-week year)``, in UTC."""

    minutes: frozenset[int]
    hours: frozenset[int]
    day: DayRule
    months: frozenset[int]
    years: frozenset[int]

    @classmethod
    def parse(cls, fields: str) -> CronSchedule:
        parts = fields.split()
        if len(parts) != 6:
            raise ValueError("six fields")
        minutes, hours, month_day, month, week_day, year = parts
        if (month_day == "?") == (week_day == "?"):
            raise ValueError("one of day-of-month and day-of-week must be '?'")
        return cls(
            minutes=_field(minutes, 0, 59),
            hours=_field(hours, 0, 23),
            day=_day_of_week(week_day) if month_day == "?" else _day_of_month(month_day),
            months=_field(month, 1, 12, _MONTHS),
            years=_field(year, 1970, 2199),
        )

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        start = (moment + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        for year in sorted(y for y in self.years if y >= start.year):
            for month in sorted(self.months):
                if (year, month) < (start.year, start.month):
                    continue
                for day_number in range(1, _last_day(year, month) + 1):
                    day = dt.date(year, month, day_number)
                    if day < start.date() or not self.day.matches(day):
                        continue
                    for hour in sorted(self.hours):
                        for minute in sorted(self.minutes):
                            when = dt.datetime(year, month, day_number, hour, minute, tzinfo=dt.UTC)
                            if when >= start:
                                return when
        return None


Schedule = RateSchedule | CronSchedule


def parse_schedule(expression: str, created: dt.datetime) -> Schedule:
    """A rule's ScheduleExpression; raises ``InvalidSchedule`` where EventBridge refuses it."""
    if rate := _RATE.match(expression):
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise InvalidSchedule(expression, "a rate of 1 takes a singular unit, others plural")
        return RateSchedule(value * _UNIT_SECONDS[unit.rstrip("s")], created)
    if expression.startswith("cron(") and expression.endswith(")"):
        try:
            return CronSchedule.parse(expression[5:-1])
        except ValueError as exc:
            raise InvalidSchedule(expression, f"cron field {exc}") from exc
    raise InvalidSchedule(expression, "not rate(...) or cron(...)")


def scheduled_event(rule: Rule, when: dt.datetime, ctx: LocalContext) -> dict[str, Any]:
    """The event EventBridge sends a scheduled rule's targets."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": SCHEDULED_EVENT,
        "source": "aws.events",
        "account": ctx.account_id,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": ctx.region,
        "resources": [rule.arn],
        "detail": {},
    }


def _latest_due(schedule: Schedule, due: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The last time at or before ``now`` the schedule was due (from ``due``, the first)."""
    for _ in range(10_000):  # a long pause of a busy schedule: close enough after that
        following = schedule.next_after(due)
        if following is None or following > now:
            break
        due = following
    return due


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Scheduler:
    """Fires the bus's enabled scheduled rules at their times, while the runtime is up.

    ``tick(now)`` does one round (tests drive it with their own clock); ``start()`` runs
    rounds on a thread. A rule's schedule starts when the scheduler first sees it (or its
    expression change); a disabled rule is forgotten, so re-enabling it starts it anew. Times
    missed while the runtime was down are not made up for, as on AWS.
    """

    def __init__(
        self,
        bus: EventBus,
        clock: Callable[[], dt.datetime] = _utc_now,
        interval: float = 1.0,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._interval = interval
        self._due: dict[str, tuple[str, Schedule, dt.datetime | None]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: dt.datetime | None = None) -> list[Delivery]:
        now = now or self._clock()
        fired: list[Delivery] = []
        seen = set()
        for rule, expression in self._bus.scheduled_rules():
            seen.add(rule.arn)
            known = self._due.get(rule.arn)
            if known is None or known[0] != expression:
                try:
                    schedule = parse_schedule(expression, now)
                except InvalidSchedule as exc:
                    log.error("rule %s: %s", rule.name, exc)
                    continue
                known = (expression, schedule, schedule.next_after(now))
            _, schedule, due = known
            if due is not None and due <= now:
                when = _latest_due(schedule, due, now)  # missed times are not made up for
                fired += self._bus.deliver(rule, scheduled_event(rule, when, self._bus.ctx))
                due = schedule.next_after(now)
            self._due[rule.arn] = (expression, schedule, due)
        for arn in set(self._due) - seen:  # deleted or disabled
            del self._due[arn]
        return fired

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._run, name="eventbus-schedule", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.tick()
            except Exception:  # the API plane may be going away; try again next round
                log.debug("schedule round failed", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


# --------------------------------------------------------------------------- PutEvents


class EventsApi:
    """``AWSEvents.PutEvents`` through the local bus, and ``PutRule`` checked as EventBridge
    checks it before the store (moto) keeps it; the rest of EventBridge is the store's."""

    ACTIONS = frozenset({"PutEvents", "PutRule"})

    def __init__(self, ctx: LocalContext, bus: EventBus) -> None:
        self.ctx = ctx
        self._bus = bus

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        if action == "PutRule":
            return self._put_rule(params)
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

    def _put_rule(self, params: dict[str, Any]) -> dict[str, Any]:
        expression = params.get("ScheduleExpression")
        if expression:
            if params.get("EventBusName", "default").rsplit("/", 1)[-1] != "default":
                raise AwsError(
                    "ValidationException",
                    "ScheduleExpression is supported only on the default event bus.",
                )
            try:
                parse_schedule(expression, dt.datetime.now(dt.UTC))
            except InvalidSchedule as exc:
                raise AwsError("ValidationException", INVALID_SCHEDULE) from exc
        response = self.ctx.passthrough_client("events").put_rule(**params)
        return {"RuleArn": response["RuleArn"]}

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
            "account": self.ctx.account_id,
            "time": _iso(when) if when else None,
            "region": self.ctx.region,
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
