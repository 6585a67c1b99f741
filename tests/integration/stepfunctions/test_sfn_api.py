"""StepFunctionsApi: lifecycle, history, redrive, status-change events, persistence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from etl_local.awserrors import AwsError
from etl_local.context import LocalContext
from etl_local.stepfunctions.api import StepFunctionsApi

from tests.unit.stepfunctions.helpers import MODEL, check

pytestmark = pytest.mark.integration


def get_object_machine(bucket: str) -> str:
    return json.dumps(
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {
                    "Type": "Pass",
                    "Result": "ready",
                    "ResultPath": "$.prepared",
                    "Next": "Read",
                },
                "Read": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                    "Parameters": {"Bucket": bucket, "Key": "data.txt"},
                    "ResultSelector": {"body.$": "$.Body"},
                    "ResultPath": "$.read",
                    "End": True,
                },
            },
        }
    )


def create(api: StepFunctionsApi, definition: str, name: str = "machine") -> str:
    return api.dispatch(
        "CreateStateMachine",
        {"name": name, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/sfn"},
    )["stateMachineArn"]


def start(api: StepFunctionsApi, machine: str, name: str, data: Any) -> dict[str, Any]:
    out = api.dispatch(
        "StartExecution", {"stateMachineArn": machine, "name": name, "input": json.dumps(data)}
    )
    api.wait(out["executionArn"])
    return api.dispatch("DescribeExecution", {"executionArn": out["executionArn"]})


def test_failed_execution_redrives_at_the_failed_state(
    api: StepFunctionsApi, aws: Any, bucket: str, events: list[dict[str, Any]]
) -> None:
    machine = create(api, get_object_machine(bucket))
    first = start(api, machine, "run-1", {"k": 1})
    assert first["status"] == "FAILED"
    assert first["error"] == "S3.NoSuchKeyException"
    assert first["redriveStatus"] == "REDRIVABLE"

    aws("s3").put_object(Bucket=bucket, Key="data.txt", Body=b"payload")
    api.dispatch("RedriveExecution", {"executionArn": first["executionArn"]})
    api.wait(first["executionArn"])
    second = api.dispatch("DescribeExecution", {"executionArn": first["executionArn"]})
    assert second["status"] == "SUCCEEDED"
    assert second["redriveCount"] == 1
    assert json.loads(second["output"]) == {
        "k": 1,
        "prepared": "ready",
        "read": {"body": "payload"},
    }

    history = api.dispatch("GetExecutionHistory", {"executionArn": first["executionArn"]})["events"]
    names = [(e["type"], e.get("stateEnteredEventDetails", {}).get("name")) for e in history]
    assert names.count(("PassStateEntered", "Prepare")) == 1  # successful states are not rerun
    assert names.count(("TaskStateEntered", "Read")) == 2
    assert [e["type"] for e in history].index("ExecutionRedriven") == [
        e["type"] for e in history
    ].index("ExecutionFailed") + 1
    assert [e["id"] for e in history] == list(range(1, len(history) + 1))

    redriven = api.dispatch(
        "ListExecutions", {"stateMachineArn": machine, "redriveFilter": "REDRIVEN"}
    )
    assert [e["name"] for e in redriven["executions"]] == ["run-1"]
    not_redriven = api.dispatch(
        "ListExecutions", {"stateMachineArn": machine, "redriveFilter": "NOT_REDRIVEN"}
    )
    assert not_redriven["executions"] == []

    statuses = [e["detail"]["status"] for e in events]
    assert statuses == ["RUNNING", "FAILED", "RUNNING", "SUCCEEDED"]
    failed = events[1]
    assert failed["source"] == "aws.states"
    assert failed["detail-type"] == "Step Functions Execution Status Change"
    assert failed["detail"]["executionArn"] == first["executionArn"]
    assert isinstance(failed["detail"]["stopDate"], int)


def test_succeeded_execution_is_not_redrivable(api: StepFunctionsApi) -> None:
    machine = create(
        api, json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    done = start(api, machine, "ok", {})
    assert done["status"] == "SUCCEEDED"
    with pytest.raises(AwsError) as err:
        api.dispatch("RedriveExecution", {"executionArn": done["executionArn"]})
    assert err.value.code == "ExecutionNotRedrivable"


NAME_CASES = [
    ("empty", ""),
    ("too-long", "x" * 81),
    ("space", "a b"),
    ("slash", "a/b"),
    ("star", "a*"),
    ("brace", "{a}"),
]


@pytest.mark.parametrize("name", [c[1] for c in NAME_CASES], ids=[c[0] for c in NAME_CASES])
def test_invalid_execution_names(api: StepFunctionsApi, name: str) -> None:
    machine = create(
        api, json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    with pytest.raises(AwsError) as err:
        api.dispatch("StartExecution", {"stateMachineArn": machine, "name": name, "input": "{}"})
    assert err.value.code == "InvalidName"


def test_same_name_rules(api: StepFunctionsApi) -> None:
    wait = {
        "StartAt": "W",
        "States": {
            "W": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                "Parameters": {
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:none",
                    "Message.$": "$$.Task.Token",
                },
                "End": True,
            }
        },
    }
    machine = create(api, json.dumps(wait))
    first = api.dispatch(
        "StartExecution", {"stateMachineArn": machine, "name": "dup", "input": "{}"}
    )
    api.wait(first["executionArn"])
    closed = api.dispatch("DescribeExecution", {"executionArn": first["executionArn"]})
    assert closed["status"] == "FAILED"  # the topic does not exist
    with pytest.raises(AwsError) as err:  # closed: same input or not, it already exists
        api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "dup", "input": "{}"})
    assert err.value.code == "ExecutionAlreadyExists"


def test_open_execution_same_input_is_idempotent(api: StepFunctionsApi, aws: Any) -> None:
    topic = aws("sns").create_topic(Name="callbacks")["TopicArn"]
    wait = {
        "StartAt": "W",
        "States": {
            "W": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                "Parameters": {"TopicArn": topic, "Message.$": "$$.Task.Token"},
                "End": True,
            }
        },
    }
    machine = create(api, json.dumps(wait))
    first = api.dispatch(
        "StartExecution", {"stateMachineArn": machine, "name": "open", "input": '{"a":1}'}
    )
    again = api.dispatch(
        "StartExecution", {"stateMachineArn": machine, "name": "open", "input": '{"a":1}'}
    )
    assert again["executionArn"] == first["executionArn"]
    with pytest.raises(AwsError) as err:
        api.dispatch(
            "StartExecution", {"stateMachineArn": machine, "name": "open", "input": '{"a":2}'}
        )
    assert err.value.code == "ExecutionAlreadyExists"
    api.dispatch(
        "StopExecution", {"executionArn": first["executionArn"], "error": "Manual", "cause": "test"}
    )
    stopped = api.dispatch("DescribeExecution", {"executionArn": first["executionArn"]})
    assert (stopped["status"], stopped["error"], stopped["cause"]) == ("ABORTED", "Manual", "test")
    assert stopped["redriveStatus"] == "REDRIVABLE"


def test_callback_success_through_send_task_success(api: StepFunctionsApi, aws: Any) -> None:
    sqs = aws("sqs")
    queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    definition = {
        "StartAt": "W",
        "States": {
            "W": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    machine = create(api, json.dumps(definition))
    arn = api.dispatch("StartExecution", {"stateMachineArn": machine, "name": "cb", "input": "{}"})[
        "executionArn"
    ]
    messages: list[Any] = []
    for _ in range(10):
        if messages:
            break
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    token = json.loads(messages[0]["Body"])["token"]
    api.dispatch("SendTaskSuccess", {"taskToken": token, "output": '{"approved": true}'})
    api.wait(arn)
    described = api.dispatch("DescribeExecution", {"executionArn": arn})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"approved": True}
    with pytest.raises(AwsError) as err:
        api.dispatch("SendTaskSuccess", {"taskToken": token, "output": "{}"})
    assert err.value.code == "TaskTimedOut"


def test_second_process_sees_executions(
    api: StepFunctionsApi, endpoint: str, tmp_path: Path
) -> None:
    machine = create(
        api,
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}),
    )
    done = start(api, machine, "persisted", {})
    other = StepFunctionsApi(LocalContext(endpoint_url=endpoint, workspace=tmp_path))
    listed = other.dispatch("ListExecutions", {"stateMachineArn": machine})["executions"]
    assert [e["name"] for e in listed] == ["persisted"]
    assert (
        other.dispatch("DescribeExecution", {"executionArn": done["executionArn"]})["output"] == "1"
    )
    history = other.dispatch(
        "GetExecutionHistory", {"executionArn": done["executionArn"], "reverseOrder": True}
    )["events"]
    assert history[0]["type"] == "ExecutionSucceeded"


ERRORS = [
    (
        "describe-missing-machine",
        "DescribeStateMachine",
        {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:nope"},
        "StateMachineDoesNotExist",
    ),
    (
        "describe-missing-execution",
        "DescribeExecution",
        {"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:nope"},
        "ExecutionDoesNotExist",
    ),
    ("bad-arn", "DescribeExecution", {"executionArn": "not-an-arn"}, "InvalidArn"),
    (
        "bad-definition",
        "CreateStateMachine",
        {"name": "bad", "definition": '{"StartAt": "X", "States": {}}', "roleArn": "r"},
        "InvalidDefinition",
    ),
    ("unknown-token", "SendTaskSuccess", {"taskToken": "abc", "output": "{}"}, "TaskDoesNotExist"),
]


@pytest.mark.parametrize(
    ("action", "params", "code"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_api_errors(api: StepFunctionsApi, action: str, params: dict[str, Any], code: str) -> None:
    with pytest.raises(AwsError) as err:
        api.dispatch(action, params)
    assert err.value.code == code


def test_validate_definition_reports_diagnostics(api: StepFunctionsApi) -> None:
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
    out = api.dispatch("ValidateStateMachineDefinition", {"definition": json.dumps(bad)})
    assert out["result"] == "FAIL"
    assert out["diagnostics"][0]["code"] == "MISSING_TRANSITION_TARGET"
    assert out["diagnostics"][0]["location"] == "/States/A/Next"
    good = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    assert api.dispatch("ValidateStateMachineDefinition", {"definition": json.dumps(good)}) == {
        "result": "OK",
        "diagnostics": [],
        "truncated": False,
    }


def test_describe_state_machine_for_execution_keeps_the_started_definition(
    api: StepFunctionsApi,
) -> None:
    first = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    machine = create(api, first)
    done = start(api, machine, "v1", {})
    api.dispatch(
        "UpdateStateMachine",
        {
            "stateMachineArn": machine,
            "definition": json.dumps({"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}),
        },
    )
    assert (
        api.dispatch("DescribeStateMachineForExecution", {"executionArn": done["executionArn"]})[
            "definition"
        ]
        == first
    )


def callback_machine(queue: str, **extra: Any) -> str:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": True,
        **extra,
    }
    return json.dumps({"StartAt": "W", "States": {"W": state}})


def receive_token(sqs: Any, queue: str) -> str:
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            return str(json.loads(messages[0]["Body"])["token"])
    raise AssertionError("no task token arrived")


def test_heartbeat_timeout(api: StepFunctionsApi, aws: Any) -> None:
    queue = aws("sqs").create_queue(QueueName="heartbeat-timeout")["QueueUrl"]
    machine = create(api, callback_machine(queue, HeartbeatSeconds=1))
    described = start(api, machine, "hb", {})
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")
    history = api.dispatch("GetExecutionHistory", {"executionArn": described["executionArn"]})[
        "events"
    ]
    assert [e["type"] for e in history][-3:] == ["TaskSubmitted", "TaskTimedOut", "ExecutionFailed"]


def test_heartbeats_keep_a_callback_alive_and_failure_is_reported(
    api: StepFunctionsApi, aws: Any
) -> None:
    sqs = aws("sqs")
    queue = sqs.create_queue(QueueName="heartbeats")["QueueUrl"]
    machine = create(api, callback_machine(queue, HeartbeatSeconds=1))
    arn = api.dispatch(
        "StartExecution", {"stateMachineArn": machine, "name": "beats", "input": "{}"}
    )["executionArn"]
    token = receive_token(sqs, queue)
    for _ in range(3):
        api.dispatch("SendTaskHeartbeat", {"taskToken": token})
        __import__("time").sleep(0.5)
    api.dispatch(
        "SendTaskFailure", {"taskToken": token, "error": "Rejected", "cause": "by reviewer"}
    )
    api.wait(arn)
    described = api.dispatch("DescribeExecution", {"executionArn": arn})
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "Rejected",
        "by reviewer",
    )


def test_execution_of_a_dead_process_ends_aborted_and_redrivable(api: StepFunctionsApi) -> None:
    machine = create(
        api,
        json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "done", "End": True}}}
        ),
    )
    done = start(api, machine, "orphan", {})
    record = api.store.execution(done["executionArn"])
    assert record is not None
    record.status, record.stop_date, record.output = "RUNNING", None, None
    record.history = record.history[:1]  # it died right after ExecutionStarted
    record.ledger = {"#resume": {"state": "P", "input": {}, "variables": {}}}
    record.owner = f"{__import__('socket').gethostname()}:999999999"
    api.store.put_execution(record)

    described = api.dispatch("DescribeExecution", {"executionArn": done["executionArn"]})
    assert (described["status"], described["redriveStatus"]) == ("ABORTED", "REDRIVABLE")
    api.dispatch("RedriveExecution", {"executionArn": done["executionArn"]})
    api.wait(done["executionArn"])
    again = api.dispatch("DescribeExecution", {"executionArn": done["executionArn"]})
    assert (again["status"], again["output"]) == ("SUCCEEDED", '"done"')


def test_tags(api: StepFunctionsApi) -> None:
    machine = api.dispatch(
        "CreateStateMachine",
        {
            "name": "tagged",
            "definition": json.dumps(
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
            ),
            "roleArn": "r",
            "tags": [{"key": "stage", "value": "dev"}],
        },
    )["stateMachineArn"]
    api.dispatch(
        "TagResource", {"resourceArn": machine, "tags": [{"key": "team", "value": "data"}]}
    )
    api.dispatch("UntagResource", {"resourceArn": machine, "tagKeys": ["stage"]})
    assert api.dispatch("ListTagsForResource", {"resourceArn": machine}) == {
        "tags": [{"key": "team", "value": "data"}]
    }


def test_start_sync_execution_for_express_machines(api: StepFunctionsApi) -> None:
    definition = json.dumps(
        {
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.v"}, "End": True}},
        }
    )
    express = api.dispatch(
        "CreateStateMachine",
        {"name": "fast", "definition": definition, "roleArn": "r", "type": "EXPRESS"},
    )["stateMachineArn"]
    out = api.dispatch("StartSyncExecution", {"stateMachineArn": express, "input": '{"v": 7}'})
    assert (out["status"], out["output"]) == ("SUCCEEDED", '{"v":7}')
    assert ":express:" in out["executionArn"]
    standard = create(api, definition, name="standard")
    with pytest.raises(AwsError) as err:
        api.dispatch("StartSyncExecution", {"stateMachineArn": standard, "input": "{}"})
    assert err.value.code == "StateMachineTypeNotSupported"


def test_responses_match_the_service_model(api: StepFunctionsApi) -> None:
    machine = create(
        api,
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        name="shapes",
    )
    done = start(api, machine, "shaped", {"a": 1})
    arn = done["executionArn"]
    calls = [
        ("DescribeExecution", {"executionArn": arn}),
        ("ListExecutions", {"stateMachineArn": machine}),
        ("GetExecutionHistory", {"executionArn": arn}),
        ("DescribeStateMachine", {"stateMachineArn": machine}),
        ("ListStateMachines", {}),
        ("DescribeStateMachineForExecution", {"executionArn": arn}),
        ("ValidateStateMachineDefinition", {"definition": "{}"}),
    ]
    for action, params in calls:
        shape = MODEL.operation_model(action).output_shape
        check(shape, api.dispatch(action, params), action)
