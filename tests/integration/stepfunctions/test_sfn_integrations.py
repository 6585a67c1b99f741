"""Service integrations against the local API plane (moto server): shapes and error names."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from etl_local.stepfunctions import ExecutionResult, run_definition
from etl_local.stepfunctions.integrations import Integrations

pytestmark = pytest.mark.integration


def task(resource: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": parameters,
                "End": True,
                **extra,
            }
        },
    }


def execute(
    integrations: Integrations, definition: dict[str, Any], data: Any = None
) -> ExecutionResult:
    return run_definition(definition, data or {}, virtual_clock=True, integrations=integrations)


def test_sdk_glue_start_crawler_errors(integrations: Integrations, aws: Any, bucket: str) -> None:
    missing = execute(
        integrations, task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": "nope"})
    )
    assert (missing.status, missing.error) == ("FAILED", "Glue.EntityNotFoundException")
    assert "(Service: Glue, Status Code: 400, Request ID:" in (missing.cause or "")

    name = f"crawler-{uuid.uuid4().hex[:8]}"
    aws("glue").create_crawler(
        Name=name,
        Role="arn:aws:iam::123456789012:role/glue",
        Targets={"S3Targets": [{"Path": f"s3://{bucket}/raw/"}]},
    )
    first = execute(
        integrations, task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": name})
    )
    assert (first.status, first.output) == ("SUCCEEDED", {})
    second = execute(
        integrations, task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": name})
    )
    assert second.error == "Glue.CrawlerRunningException"


def test_sdk_response_keys_are_pascal_case_and_map_keys_untouched(
    integrations: Integrations, aws: Any, bucket: str
) -> None:
    aws("s3").put_object(Bucket=bucket, Key="a.json", Body=b"{}", Metadata={"lower-key": "v"})
    result = execute(
        integrations,
        task("arn:aws:states:::aws-sdk:s3:headObject", {"Bucket": bucket, "Key": "a.json"}),
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ContentLength"] == 2
    assert result.output["Metadata"] == {"lower-key": "v"}


def test_sdk_camel_case_api_takes_pascal_case_parameters(
    integrations: Integrations, aws: Any
) -> None:
    result = execute(
        integrations, task("arn:aws:states:::aws-sdk:sfn:listStateMachines", {"MaxResults": 5})
    )
    assert result.status == "SUCCEEDED", result.cause
    assert "StateMachines" in result.output


def test_athena_start_query_sync_returns_query_execution(
    integrations: Integrations, bucket: str
) -> None:
    params = {
        "QueryString": "SELECT 1",
        "WorkGroup": "primary",
        "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/athena/"},
    }
    result = execute(integrations, task("arn:aws:states:::athena:startQueryExecution.sync", params))
    assert result.status == "SUCCEEDED", result.cause
    execution = result.output["QueryExecution"]
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert isinstance(execution["Status"]["SubmissionDateTime"], int)
    scheduled = [e for e in result.history if e["type"] == "TaskScheduled"][0][
        "taskScheduledEventDetails"
    ]
    assert (scheduled["resourceType"], scheduled["resource"]) == (
        "athena",
        "startQueryExecution.sync",
    )


def test_glue_start_job_run_sync_returns_the_job_run(integrations: Integrations, aws: Any) -> None:
    name = f"job-{uuid.uuid4().hex[:8]}"
    aws("glue").create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"},
    )
    result = execute(
        integrations,
        task(
            "arn:aws:states:::glue:startJobRun.sync", {"JobName": name, "Arguments": {"--k": "v"}}
        ),
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["JobName"] == name
    assert result.output["JobRunState"] == "SUCCEEDED"


def test_glue_start_job_run_missing_job(integrations: Integrations) -> None:
    result = execute(
        integrations, task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "missing-job"})
    )
    assert result.error == "Glue.EntityNotFoundException"


def test_sns_publish_and_events_put_events(integrations: Integrations, aws: Any) -> None:
    topic = aws("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    published = execute(
        integrations,
        task("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": {"json": "ok"}}),
    )
    assert published.status == "SUCCEEDED", published.cause
    assert published.output["MessageId"]
    entries = [
        {"Source": "etl.test", "DetailType": "Done", "Detail": {"k": 1}, "EventBusName": "default"}
    ]
    put = execute(integrations, task("arn:aws:states:::events:putEvents", {"Entries": entries}))
    assert put.status == "SUCCEEDED", put.cause
    assert put.output["FailedEntryCount"] == 0


def test_lambda_invoke_of_a_missing_function(integrations: Integrations) -> None:
    result = execute(
        integrations,
        task("arn:aws:states:::lambda:invoke", {"FunctionName": "nope", "Payload": {"a": 1}}),
    )
    assert result.error == "Lambda.ResourceNotFoundException"


def test_task_failure_payload_in_history(integrations: Integrations) -> None:
    result = execute(
        integrations, task("arn:aws:states:::aws-sdk:glue:getCrawler", {"Name": "absent"})
    )
    failed = [e for e in result.history if e["type"] == "TaskFailed"][0]["taskFailedEventDetails"]
    assert failed["error"] == "Glue.EntityNotFoundException"
    assert (failed["resourceType"], failed["resource"]) == ("aws-sdk:glue", "getCrawler")
    assert json.dumps(failed)


def distributed_map(reader: dict[str, Any], **extra: Any) -> dict[str, Any]:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemReader": reader,
                "ItemProcessor": processor,
                "End": True,
                **extra,
            }
        },
    }


READERS = [
    (
        "csv-first-row",
        "a.csv",
        b"id,name\n1,x\n2,y\n",
        {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        [{"id": "1", "name": "x"}, {"id": "2", "name": "y"}],
    ),
    (
        "csv-given-headers",
        "b.csv",
        b"1,x\n",
        {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["id", "name"]},
        [{"id": "1", "name": "x"}],
    ),
    (
        "json-array",
        "c.json",
        b'[{"k": 1}, {"k": 2}, {"k": 3}]',
        {"InputType": "JSON", "MaxItems": 2},
        [{"k": 1}, {"k": 2}],
    ),
    ("jsonl", "d.jsonl", b'{"k": 1}\n{"k": 2}\n', {"InputType": "JSONL"}, [{"k": 1}, {"k": 2}]),
]


@pytest.mark.parametrize(
    ("key", "body", "config", "expected"), [r[1:] for r in READERS], ids=[r[0] for r in READERS]
)
def test_item_reader_objects(
    integrations: Integrations,
    aws: Any,
    bucket: str,
    key: str,
    body: bytes,
    config: dict[str, Any],
    expected: list[Any],
) -> None:
    aws("s3").put_object(Bucket=bucket, Key=key, Body=body)
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": {"Bucket": bucket, "Key": key},
    }
    result = execute(integrations, distributed_map(reader))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


def test_item_reader_listing_and_batches(integrations: Integrations, aws: Any, bucket: str) -> None:
    for name in ("p/1.csv", "p/2.csv", "p/3.csv"):
        aws("s3").put_object(Bucket=bucket, Key=name, Body=b"x")
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": bucket, "Prefix": "p/"},
    }
    result = execute(integrations, distributed_map(reader, ItemBatcher={"MaxItemsPerBatch": 2}))
    assert result.status == "SUCCEEDED", result.cause
    assert [[item["Key"] for item in batch["Items"]] for batch in result.output] == [
        ["p/1.csv", "p/2.csv"],
        ["p/3.csv"],
    ]


def test_item_reader_failure(integrations: Integrations, bucket: str) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "missing.json"},
    }
    assert execute(integrations, distributed_map(reader)).error == "States.ItemReaderFailed"


def test_dynamodb_put_and_get_item(integrations: Integrations, aws: Any) -> None:
    table = f"t-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.id"}, "n": {"N": "3"}},
                },
                "ResultPath": None,
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"pk": {"S.$": "$.id"}}},
                "OutputPath": "$.Item",
                "End": True,
            },
        },
    }
    result = execute(integrations, definition, {"id": "a1"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"pk": {"S": "a1"}, "n": {"N": "3"}}


def test_optimized_integration_error_cause_is_worded_as_aws_sdk_v1(
    integrations: Integrations,
) -> None:
    result = execute(
        integrations, task("arn:aws:states:::glue:startJobRun", {"JobName": "missing-job"})
    )
    assert result.error == "Glue.EntityNotFoundException"
    assert (
        "(Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException; Request ID: "
        in (result.cause or "")
    )
    assert (result.cause or "").endswith("; Proxy: null)")
