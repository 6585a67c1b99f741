"""Scheduled rules: EventBridge's rate and six-field cron expressions, fired on an injected
clock as "Scheduled Event"s to the rule's targets; disabled rules never fire."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.eventbus import (
    EventBus,
    EventsApi,
    InvalidSchedule,
    Scheduler,
    parse_schedule,
)

pytestmark = pytest.mark.unit

ACCOUNT = "123456789012"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# (expression, now, next time it fires); 2026-11-25 is a Wednesday.
NEXT_TIMES = [
    # the documentation's examples
    ("cron(0 10 * * ? *)", "2026-11-25T09:31", "2026-11-25T10:00"),  # 10:00 every day
    ("cron(0 10 * * ? *)", "2026-11-25T10:00", "2026-11-26T10:00"),  # strictly after now
    ("cron(15 12 * * ? *)", "2026-11-25T12:15:30", "2026-11-26T12:15"),
    ("cron(0 18 ? * MON-FRI *)", "2026-11-28T09:00", "2026-11-30T18:00"),  # Sat -> Mon
    ("cron(0 8 1 * ? *)", "2026-11-25T00:00", "2026-12-01T08:00"),  # 1st of the month
    ("cron(0/15 * * * ? *)", "2026-11-25T09:31", "2026-11-25T09:45"),
    ("cron(1/10 * * * ? *)", "2026-11-25T09:31", "2026-11-25T09:41"),  # 1, 11, 21, ...
    ("cron(0/10 * ? * MON-FRI *)", "2026-11-27T23:55", "2026-11-30T00:00"),  # Fri -> Mon
    ("cron(0/5 8-17 ? * MON-FRI *)", "2026-11-25T17:56", "2026-11-26T08:00"),
    ("cron(5,35 14 * * ? *)", "2026-11-25T14:06", "2026-11-25T14:35"),
    ("cron(0 9 ? JAN,JUL 2 2027-2028)", "2026-11-25T00:00", "2027-01-04T09:00"),  # 1st Monday
    # L: last day of the month / of the week (Saturday)
    ("cron(0 0 L * ? *)", "2026-11-25T00:00", "2026-11-30T00:00"),
    ("cron(0 0 L * ? *)", "2026-11-30T00:00", "2026-12-31T00:00"),
    ("cron(0 0 L 2 ? *)", "2027-03-01T00:00", "2028-02-29T00:00"),  # leap year
    ("cron(0 0 ? * L *)", "2026-11-25T00:00", "2026-11-28T00:00"),
    ("cron(0 0 ? * 6L *)", "2026-11-01T00:00", "2026-11-27T00:00"),  # last Friday
    # W: the weekday nearest the day, within the month
    ("cron(0 0 15W * ? *)", "2026-08-01T00:00", "2026-08-14T00:00"),  # Sat 15th -> Fri 14th
    ("cron(0 0 1W * ? *)", "2026-01-15T00:00", "2026-02-02T00:00"),  # Sun 1st -> Mon 2nd
    ("cron(0 0 LW * ? *)", "2026-01-01T00:00", "2026-01-30T00:00"),  # Sat 31st -> Fri 30th
    # #: the n-th such weekday of the month
    ("cron(0 0 ? * 3#2 *)", "2026-11-25T00:00", "2026-12-08T00:00"),  # 2nd Tuesday
    ("cron(30 6 ? * SUN#1 *)", "2026-12-15T00:00", "2027-01-03T06:30"),
    # year field
    ("cron(0 0 29 2 ? *)", "2026-11-25T00:00", "2028-02-29T00:00"),
    ("cron(0 0 1 1 ? 2025)", "2026-11-25T00:00", None),  # never again
    # rate: every period from when the schedule started (here "now")
    ("rate(5 minutes)", "2026-11-25T09:31:10", "2026-11-25T09:36:10"),
    ("rate(1 hour)", "2026-11-25T09:31", "2026-11-25T10:31"),
    ("rate(2 days)", "2026-11-25T09:31", "2026-11-27T09:31"),
]


@pytest.mark.parametrize(("expression", "now", "expected"), NEXT_TIMES, ids=lambda v: str(v))
def test_next_time(expression: str, now: str, expected: str | None) -> None:
    schedule = parse_schedule(expression, utc(now))
    assert schedule.next_after(utc(now)) == (utc(expected) if expected else None)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",  # 1 takes the singular
        "rate(5 minute)",  # more than 1 takes the plural
        "rate(0 minutes)",
        "rate(5 seconds)",
        "cron(0 10 * * ?)",  # five fields
        "cron(0 10 * * * *)",  # day-of-month and day-of-week both given
        "cron(0 10 ? * ? *)",  # both '?'
        "cron(0 10 ? * 3#1,6#3 *)",  # only one expression with '#'
        "cron(60 10 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 10 32 * ? *)",
        "cron(0 10 * 13 ? *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 * * ? 2200)",
        "cron(0 10 L * ? *",
        "every 5 minutes",
    ],
)
def test_invalid_expressions_are_refused(expression: str) -> None:
    with pytest.raises(InvalidSchedule):
        parse_schedule(expression, utc("2026-11-25T00:00"))


@pytest.fixture(scope="module")
def bus(plane: ApiPlane, ctx: LocalContext) -> Iterator[EventBus]:
    event_bus = EventBus(ctx, schedules=False)  # the tests tick their own scheduler
    previous = plane.router.apis.get("events")
    plane.register("events", EventsApi(ctx, event_bus))
    yield event_bus
    event_bus.drain(10)
    if previous is not None:
        plane.register("events", previous)
    else:
        plane.router.apis.pop("events")


def _scheduled_rule(ctx: LocalContext, name: str, expression: str, state: str) -> str:
    events, sqs = ctx.client("events"), ctx.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = events.put_rule(Name=name, ScheduleExpression=expression, State=state)["RuleArn"]
    events.put_targets(
        Rule=name, Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"}]
    )
    return str(url) if arn else ""


def _messages(ctx: LocalContext, url: str) -> list[dict[str, Any]]:
    received = ctx.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in received.get("Messages", [])]


def test_scheduled_rules_fire_on_the_clock_and_disabled_ones_never(
    ctx: LocalContext, bus: EventBus
) -> None:
    # Far-future years: a scheduler on the real clock elsewhere in the session never fires them.
    every = _scheduled_rule(ctx, "sched-every-5", "rate(5 minutes)", "ENABLED")
    nightly = _scheduled_rule(ctx, "sched-nightly", "cron(30 2 * * ? 2099)", "ENABLED")
    off = _scheduled_rule(ctx, "sched-off", "cron(* * * * ? *)", "DISABLED")
    scheduler = Scheduler(bus)
    start = utc("2099-03-10T02:00")

    assert scheduler.tick(start) == []  # the rate starts now; 02:30 is still to come
    assert scheduler.tick(start + dt.timedelta(minutes=4, seconds=59)) == []
    fired = scheduler.tick(start + dt.timedelta(minutes=5))
    assert [d.rule for d in fired] == ["sched-every-5"]
    late = scheduler.tick(start + dt.timedelta(minutes=30, seconds=20))
    assert sorted(d.rule for d in late) == ["sched-every-5", "sched-nightly"]
    assert scheduler.tick(start + dt.timedelta(minutes=30, seconds=40)) == []  # once a minute
    assert bus.drain(10)

    rate_events = _messages(ctx, every)
    assert [e["time"] for e in rate_events] == ["2099-03-10T02:05:00Z", "2099-03-10T02:30:00Z"]
    (event,) = _messages(ctx, nightly)
    assert event == {
        "version": "0",
        "id": event["id"],
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2099-03-10T02:30:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/sched-nightly"],
        "detail": {},
    }
    assert _messages(ctx, off) == []

    ctx.client("events").disable_rule(Name="sched-every-5")
    assert scheduler.tick(start + dt.timedelta(hours=1)) == []


def test_put_rule_refuses_an_invalid_schedule(ctx: LocalContext, bus: EventBus) -> None:
    events = ctx.client("events")
    with pytest.raises(ClientError) as raised:
        events.put_rule(Name="sched-bad", ScheduleExpression="rate(1 minutes)")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )
    with pytest.raises(ClientError):
        events.describe_rule(Name="sched-bad")  # nothing was stored


def test_the_scheduler_thread_fires_on_its_clock(ctx: LocalContext, bus: EventBus) -> None:
    queue = _scheduled_rule(ctx, "sched-new-year", "cron(0 4 1 1 ? 2098)", "ENABLED")
    times = iter([utc("2098-01-01T03:59:59"), utc("2098-01-01T04:00:00")])
    last = [utc("2098-01-01T04:00:00")]

    def clock() -> dt.datetime:
        last[0] = next(times, last[0])
        return last[0]

    scheduler = Scheduler(bus, clock=clock, interval=0.01).start()
    try:
        deadline = time.monotonic() + 10
        while not any(d.rule == "sched-new-year" for d in bus.deliveries):
            assert time.monotonic() < deadline, "the scheduled rule did not fire"
            time.sleep(0.01)
    finally:
        scheduler.close()
    assert bus.drain(10)
    assert [e["time"] for e in _messages(ctx, queue)] == ["2098-01-01T04:00:00Z"]
