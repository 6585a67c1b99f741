"""What the API plane relies on in moto. A moto upgrade that changes any of it fails here."""

from __future__ import annotations

import importlib

import pytest
from etl_local.awsapi import MOTO_INTERNALS, _moto_app, eventbridge_enabled
from etl_local.context import LocalContext
from werkzeug.test import Client

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("dotted", MOTO_INTERNALS, ids=lambda d: d.rsplit(".", 1)[-1])
def test_moto_names_we_use_exist(dotted: str) -> None:
    module, _, name = dotted.rpartition(".")
    assert hasattr(importlib.import_module(module), name), f"moto no longer has {dotted}"


def test_moto_drops_eventbridge_configuration_from_get_notification(ctx: LocalContext) -> None:
    """moto stores EventBridgeConfiguration but leaves it out of the response (hence
    ``eventbridge_enabled`` reads moto's model); the plane puts it back, as S3 answers.
    When moto fixes this, the passthrough assertion fails: drop the rewrite then."""
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket="contract-eventbridge")
    s3.put_bucket_notification_configuration(
        Bucket="contract-eventbridge",
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(
        Bucket="contract-eventbridge"
    )
    assert eventbridge_enabled("contract-eventbridge")
    assert not eventbridge_enabled("no-such-bucket-here")
    moto_app, _ = _moto_app()
    scope = "Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    response = Client(moto_app).get(
        "/contract-eventbridge?notification",
        headers={"Authorization": f"AWS4-HMAC-SHA256 {scope}"},
    )
    assert response.status_code == 200
    assert b"EventBridgeConfiguration" not in response.data  # moto's gap, still there


def test_moto_no_longer_delivers_s3_events_itself(ctx: LocalContext) -> None:
    """moto's own S3 -> EventBridge delivery is switched off: an SQS target of a matching
    rule receives nothing unless the runtime's bus delivers it."""
    s3, sqs, events = ctx.client("s3"), ctx.client("sqs"), ctx.passthrough_client("events")
    s3.create_bucket(Bucket="contract-silent")
    s3.put_bucket_notification_configuration(
        Bucket="contract-silent", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    url = sqs.create_queue(QueueName="contract-silent")["QueueUrl"]
    events.put_rule(Name="contract-rule", EventPattern='{"source": ["aws.s3"]}')
    events.put_targets(
        Rule="contract-rule",
        Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:contract-silent"}],
    )
    s3.put_object(Bucket="contract-silent", Key="a.csv", Body=b"a\n1\n")
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
    assert messages == []
    events.remove_targets(Rule="contract-rule", Ids=["q"])
    events.delete_rule(Name="contract-rule")


def test_action_moto_lacks_is_a_clear_aws_error(ctx: LocalContext) -> None:
    """moto answers an unimplemented action with an HTML 500 (which botocore retries); the
    plane turns it into a 501 in the protocol's error shape, not retried. Glue classifiers
    are one such action in moto 5.2 (the Glue engine implements them)."""
    from botocore.exceptions import ClientError

    glue = ctx.passthrough_client("glue")
    with pytest.raises(ClientError) as err:
        glue.create_classifier(CsvClassifier={"Name": "contract-csv", "Delimiter": ","})
    assert err.value.response["Error"]["Code"] == "NotImplementedException"
    assert err.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert "AWSGlue.CreateClassifier" in err.value.response["Error"]["Message"]


def test_moto_models_the_workspace_mirror_reads(ctx: LocalContext) -> None:
    """The mirror reads the current object and the catalogue from moto's models (no request,
    no recursion into the plane): the shapes it relies on."""
    from etl_local.awsapi import (
        bucket_names,
        current_database,
        current_object,
        current_objects,
        current_partition,
        current_partitions,
        current_table,
    )

    s3, glue = ctx.client("s3"), ctx.client("glue")
    s3.create_bucket(Bucket="contract-mirror")
    s3.put_object(Bucket="contract-mirror", Key="k", Body=b"body")
    assert "contract-mirror" in bucket_names()
    assert current_object("contract-mirror", "k") == b"body"
    assert current_object("contract-mirror", "missing") is None
    assert current_object("no-such-bucket-here", "k") is None
    s3.put_object(Bucket="contract-mirror", Key="gone", Body=b"x")
    s3.delete_object(Bucket="contract-mirror", Key="gone")
    assert current_objects("contract-mirror") == [("k", 4, '"841a2d689ad86bd1611447453c22c6fc"')]
    glue.create_database(DatabaseInput={"Name": "contract_mirror", "Description": "d"})
    table = {"Name": "t", "PartitionKeys": [{"Name": "p", "Type": "string"}]}
    glue.create_table(DatabaseName="contract_mirror", TableInput=table)
    glue.create_partition(
        DatabaseName="contract_mirror", TableName="t", PartitionInput={"Values": ["1"]}
    )
    assert current_database("contract_mirror") == {"Name": "contract_mirror", "Description": "d"}
    assert current_table("contract_mirror", "t") == table
    assert current_partition("contract_mirror", "t", ("1",)) == {"Values": ["1"]}
    assert current_partition("contract_mirror", "t", ("2",)) is None
    assert current_partitions("contract_mirror", "t") == [{"Values": ["1"]}]
    assert current_table("contract_mirror", "missing") is None
    glue.delete_database(Name="contract_mirror")
    assert current_database("contract_mirror") is None
