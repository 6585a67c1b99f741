"""The event bus against the API plane: rules read from the store, targets delivered,
PutEvents through the bus, retries and the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.eventbus import DELIVERERS, EventBus, EventsApi, Target

pytestmark = pytest.mark.unit

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def bus(plane: ApiPlane, ctx: LocalContext) -> Iterator[EventBus]:
    event_bus = EventBus(ctx, backoff=lambda attempt: 0.0)
    plane.register("events", EventsApi(ctx, event_bus))
    sqs, events = ctx.client("sqs"), ctx.passthrough_client("events")
    for queue in ("bus-landed", "bus-dlq"):
        sqs.create_queue(QueueName=queue)
    events.put_rule(
        Name="bus-landed",
        EventPattern=json.dumps(
            {"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "raw/"}]}}}
        ),
    )
    events.put_targets(
        Rule="bus-landed",
        Targets=[
            {
                "Id": "q",
                "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:bus-landed",
                "InputPath": "$.detail",
            },
            {
                "Id": "gone",
                "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:no-such-queue",
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
                "DeadLetterConfig": {"Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:bus-dlq"},
            },
        ],
    )
    yield event_bus
    plane.router.apis.pop("events")
    event_bus.close()  # its scheduler thread and delivery workers


def _messages(ctx: LocalContext, queue: str) -> list[Any]:
    sqs = ctx.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in found]


def test_matching_event_reaches_every_target(ctx: LocalContext, bus: EventBus) -> None:
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"object": {"key": "raw/a.csv"}},
    }
    deliveries = bus.publish(event)
    assert bus.drain(10)
    assert [d.target.rsplit(":", 1)[-1] for d in deliveries] == ["bus-landed", "no-such-queue"]
    assert _messages(ctx, "bus-landed") == [{"object": {"key": "raw/a.csv"}}]
    failed = deliveries[1]
    assert failed.attempts == 1  # a missing queue is final: no retry
    assert "NonExistentQueue" in (failed.error or "")
    (dead,) = _messages(ctx, "bus-dlq")
    assert dead["id"] == event["id"]


def test_unmatched_event_is_recorded(bus: EventBus) -> None:
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"object": {"key": "other/a.csv"}},
    }
    assert bus.publish(event) == []
    assert bus.unmatched[-1]["id"] == event["id"]


def test_transient_errors_are_retried(
    ctx: LocalContext, bus: EventBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, int] = {}

    def flaky(ctx: LocalContext, target: Target, payload: str) -> dict[str, Any]:
        calls[target.id] = calls.get(target.id, 0) + 1
        if target.id == "gone" or calls[target.id] < 3:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Send")
        return {"ok": True}

    monkeypatch.setitem(DELIVERERS, "sqs", flaky)
    deliveries = bus.publish(
        {"source": "aws.s3", "detail-type": "x", "detail": {"object": {"key": "raw/b"}}}
    )
    assert bus.drain(10)
    # "q" succeeds on its third attempt; "gone" stops after its policy's 2 retries
    assert calls == {"q": 3, "gone": 3}
    assert [d.error is None for d in deliveries] == [True, False]
    assert len(_messages(ctx, "bus-dlq")) == 1


def test_put_events_goes_through_the_bus(ctx: LocalContext, bus: EventBus) -> None:
    response = ctx.client("events").put_events(
        Entries=[
            {
                "Source": "aws.s3",
                "DetailType": "Object Created",
                "Detail": json.dumps({"object": {"key": "raw/c.csv"}}),
            },
            {"Source": "etl", "DetailType": "x", "Detail": "not json"},
        ]
    )
    assert response["FailedEntryCount"] == 1
    assert response["Entries"][1]["ErrorCode"] == "MalformedDetail"
    assert bus.drain(10)
    assert _messages(ctx, "bus-landed") == [{"object": {"key": "raw/c.csv"}}]
