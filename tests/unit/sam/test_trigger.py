"""Trigger Lambda: every S3/EventBridge sample event, duplicates, ignored objects."""

from __future__ import annotations

import json

import pytest

from .conftest import Invoke, World, load_event

pytestmark = pytest.mark.unit

STARTS = [
    ("s3_put.json", "flights", "raw/flights/year=2013/month=01/flights_2013_01.csv"),
    (
        "s3_put_special_chars.json",
        "flights",
        "raw/flights/year=2013/month=02/flights+feb 2013 été v2.csv",
    ),
    (
        "eventbridge_object_created.json",
        "flights",
        "raw/flights/year=2013/month=01/flights_2013_01.csv",
    ),
    (
        "eventbridge_object_created_special_chars.json",
        "airlines",
        "raw/airlines/airlines übersicht+v2.csv",
    ),
]


@pytest.mark.parametrize(("event", "dataset", "key"), STARTS, ids=[s[0] for s in STARTS])
def test_landed_object_starts_one_execution(
    world: World, invoke: Invoke, event: str, dataset: str, key: str
) -> None:
    result = invoke("TriggerFunction", load_event(event))
    (decision,) = result["decisions"]
    assert decision["action"] == "started" and decision["key"] == key
    execution = world.sfn.describe_execution(
        executionArn=world.state_machine_arn.replace(":stateMachine:", ":execution:")
        + ":"
        + decision["execution"]
    )
    run_input = json.loads(execution["input"])
    assert run_input["dataset"] == dataset
    assert run_input["object"]["key"] == key
    assert run_input["object"]["bucket"] == world.raw


@pytest.mark.parametrize("event", ["s3_put.json", "eventbridge_object_created.json"])
def test_duplicate_delivery_is_a_success_not_a_second_run(
    world: World, invoke: Invoke, event: str
) -> None:
    first = invoke("TriggerFunction", load_event(event))["decisions"][0]
    second = invoke("TriggerFunction", load_event(event))["decisions"][0]
    assert second == {
        "key": first["key"],
        "action": "duplicate",
        "reason": "execution already exists",
        "execution": first["execution"],
    }
    executions = world.sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"]
    assert len(executions) == 1


IGNORED = [
    ("s3_put_outside_prefix.json", "key outside every dataset prefix"),
    ("s3_put_zero_byte.json", "zero-byte object"),
    ("s3_put_folder.json", "folder placeholder object"),
    ("eventbridge_object_created_outside_prefix.json", "key outside every dataset prefix"),
    ("eventbridge_object_created_zero_byte.json", "zero-byte object"),
]


@pytest.mark.parametrize(("event", "reason"), IGNORED, ids=[i[0] for i in IGNORED])
def test_objects_that_are_not_input_are_ignored(
    world: World, invoke: Invoke, event: str, reason: str
) -> None:
    (decision,) = invoke("TriggerFunction", load_event(event))["decisions"]
    assert decision["action"] == "ignored" and decision["reason"] == reason
    assert world.sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"] == []


def test_objects_of_another_bucket_are_ignored(world: World, invoke: Invoke) -> None:
    event = load_event("s3_put.json")
    event["Records"][0]["s3"]["bucket"]["name"] = "someone-elses-bucket"
    (decision,) = invoke("TriggerFunction", event)["decisions"]
    assert decision["reason"] == "bucket someone-elses-bucket is not the raw bucket"


def test_one_notification_with_many_records_starts_each(world: World, invoke: Invoke) -> None:
    event = load_event("s3_put.json")
    second = json.loads(json.dumps(event["Records"][0]))
    second["s3"]["object"]["key"] = "raw/weather/year=2013/month=01/weather_2013_01.csv"
    event["Records"].append(second)
    actions = [d["action"] for d in invoke("TriggerFunction", event)["decisions"]]
    assert actions == ["started", "started"]


def test_an_unrelated_event_fails_loudly(world: World, invoke: Invoke) -> None:
    with pytest.raises(ValueError, match="not an S3 notification"):
        invoke("TriggerFunction", load_event("sfn_execution_failed.json"))
