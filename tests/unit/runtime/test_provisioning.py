"""Provisioning a small SAM template through the API plane: resources created in dependency
order, intrinsics resolved into what the services hold, types without a local counterpart
listed, unknown types reported, functions registered with their resolved environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.stack import Provisioner, Stack, TemplateError

pytestmark = pytest.mark.unit

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    Timeout: 30
    Environment:
      Variables:
        LAKE: !Ref LakeBucket
Resources:
  LakeBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-${Stage}-lake-${AWS::AccountId}"
      VersioningConfiguration: {Status: Enabled}
      NotificationConfiguration:
        EventBridgeConfiguration: {EventBridgeEnabled: true}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 120
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: !Sub "${AWS::StackName}-alerts"}
  Database:
    Type: AWS::Glue::Database
    Properties:
      CatalogId: !Ref AWS::AccountId
      DatabaseInput: {Name: !Sub "prov_${Stage}"}
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      Environment:
        Variables:
          QUEUE_ARN: !GetAtt Queue.Arn
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Queue.QueueName}
      Events:
        Landed:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [aws.s3]
              detail: {bucket: {name: [!Ref LakeBucket]}}
  Classifier:
    Type: AWS::Glue::Classifier
    Properties:
      CsvClassifier: {Name: prov-csv, Delimiter: ",", ContainsHeader: PRESENT}
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  Mystery:
    Type: AWS::Made::Up
    Properties: {}
Outputs:
  LakeArn:
    Value: !GetAtt LakeBucket.Arn
  Topic:
    Value: !Ref Topic
"""


@pytest.fixture(scope="module")
def stack(
    plane: ApiPlane, ctx: LocalContext, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    from etl_local.glue.api import GlueApi  # classifiers are the Glue engine's, not moto's

    glue = GlueApi(ctx)
    plane.register("glue", glue)
    root = tmp_path_factory.mktemp("sam")
    (root / "fn").mkdir()
    (root / "fn" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "samconfig.toml").write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "prov"\n'
        '[local.deploy.parameters]\nparameter_overrides = "Stage=local"\n'
    )
    yield Provisioner(ctx, root / "template.yaml").provision()
    plane.router.apis.pop("glue")
    glue.close()


def test_outputs_resolved(stack: Stack) -> None:
    assert stack.outputs == {
        "LakeArn": "arn:aws:s3:::prov-local-lake-123456789012",
        "Topic": "arn:aws:sns:us-east-1:123456789012:prov-alerts",
    }


def test_bucket_configuration_applied(ctx: LocalContext, stack: Stack) -> None:
    s3 = ctx.client("s3")
    bucket = stack.physical("LakeBucket")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_rule_generated_from_function_events(ctx: LocalContext, stack: Stack) -> None:
    events = ctx.passthrough_client("events")
    name = stack.physical("HandlerLanded")
    rule = events.describe_rule(Name=name)
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.s3"],
        "detail": {"bucket": {"name": ["prov-local-lake-123456789012"]}},
    }
    (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
    assert target["Id"] == "HandlerLandedLambdaTarget"
    assert target["Arn"] == stack.functions["Handler"].arn


def test_function_environment_merged_and_resolved(stack: Stack) -> None:
    spec = stack.functions["Handler"]
    assert spec.timeout == 30.0
    assert dict(spec.environment) == {
        "LAKE": "prov-local-lake-123456789012",
        "QUEUE_ARN": stack.resources["Queue"].attributes["Arn"],
    }


def test_queue_and_database_created(ctx: LocalContext, stack: Stack) -> None:
    url = stack.physical("Queue")
    attributes = ctx.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "120"
    glue = ctx.client("glue")
    assert glue.get_database(Name="prov_local")["Database"]["Name"] == "prov_local"
    csv = glue.get_classifier(Name=stack.physical("Classifier"))["Classifier"]["CsvClassifier"]
    assert (csv["Delimiter"], csv["ContainsHeader"]) == (",", "PRESENT")


def test_types_without_local_effect_listed_and_unknown_reported(stack: Stack) -> None:
    assert "Role (AWS::IAM::Role)" in stack.not_needed
    assert "HandlerRole (AWS::IAM::Role)" in stack.not_needed  # generated from Policies
    assert stack.unsupported == ["Mystery: resource type AWS::Made::Up is not supported locally"]


def test_dangling_reference_fails_like_cloudformation(ctx: LocalContext, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nope\n"
    )
    with pytest.raises(TemplateError, match=r"Unresolved resource dependencies \['Nope'\]"):
        Provisioner(ctx, tmp_path / "template.yaml").provision()


def test_first_resource_of_a_service_is_created_alone(
    ctx: LocalContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API plane loads a service's model on its first request: concurrent first requests
    would each load it, so the first create of a service runs alone, the others together."""
    import threading

    from etl_local.stack import creators
    from etl_local.stack.template import Provisioned

    lock = threading.Lock()
    started: list[str] = []
    finished: list[str] = []
    others_together = threading.Barrier(3, timeout=20)  # broken if the others ran one by one

    def create(site: object, logical_id: str, props: dict[str, object]) -> Provisioned:
        with lock:
            first = not started
            assert first or finished, "a create began before the service's first one ended"
            started.append(logical_id)
        if not first:
            others_together.wait()
        with lock:
            finished.append(logical_id)
        return Provisioned(logical_id, "AWS::Fake::Thing", logical_id)

    monkeypatch.setitem(creators.CREATORS, "AWS::Fake::Thing", create)
    names = [f"Thing{i}" for i in range(4)]
    (tmp_path / "template.yaml").write_text(
        "Resources:\n" + "".join(f"  {n}:\n    Type: AWS::Fake::Thing\n" for n in names)
    )
    Provisioner(ctx, tmp_path / "template.yaml").provision()
    assert sorted(finished) == names
