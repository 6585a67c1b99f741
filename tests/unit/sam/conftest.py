"""Fixtures for the SAM application's tests: a moto world built FROM template.yaml.

Names, environment variables and the state machine definition all come from the template
(resolved for stack ``etl-local``, stage ``local``, account 123456789012 - the names the
sample events in ``events/`` carry), so the tests cannot drift from the real resources.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[3]
STACK, STAGE, ACCOUNT, REGION = "etl-local", "local", "123456789012", "us-east-1"
FUNCTIONS = {
    "TriggerFunction": "trigger",
    "PrepareFunction": "prepare",
    "CrawlerCheckFunction": "crawler_check",
    "CommitFunction": "commit",
    "QualityGateFunction": "quality_gate",
    "FailureHandlerFunction": "failure_handler",
}

sys.path.insert(0, str(ROOT / "tools"))


# --------------------------------------------------------------------------- template
class CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short-form tags into their long form."""


def _construct(loader: CfnLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct)


def load_template() -> dict[str, Any]:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)  # noqa: S506


@dataclass
class Resolver:
    """Ref/GetAtt/Sub for the resource types the Lambdas' environment and names use."""

    template: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in self.template.get("Parameters", {}).items():
            self.parameters.setdefault(name, str(spec.get("Default", "")))
        self.parameters |= {
            "AWS::StackName": STACK,
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
        }
        self.parameters["Stage"] = STAGE

    def resource(self, logical_id: str) -> dict[str, Any]:
        return self.template["Resources"][logical_id]

    def name(self, logical_id: str) -> str:
        props = self.resource(logical_id).get("Properties", {})
        for key in ("BucketName", "Name", "TopicName", "QueueName", "FunctionName"):
            if key in props:
                return str(self.resolve(props[key]))
        if "DatabaseInput" in props:
            return str(self.resolve(props["DatabaseInput"]["Name"]))
        return f"{STACK}-{logical_id}"

    def arn(self, logical_id: str) -> str:
        kind = self.resource(logical_id)["Type"]
        name = self.name(logical_id)
        return ARNS[kind].format(region=REGION, account=ACCOUNT, name=name)

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        kind = self.resource(name)["Type"]
        return self.arn(name) if kind in REF_IS_ARN else self.name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        return self.name(logical_id)  # Name, TopicName, QueueName

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::Sub":
                return self.sub(arg)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def sub(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def environment(self, logical_id: str) -> dict[str, str]:
        globals_env = self.template["Globals"]["Function"]["Environment"]["Variables"]
        own = self.resource(logical_id)["Properties"].get("Environment", {}).get("Variables", {})
        return {k: str(self.resolve(v)) for k, v in {**globals_env, **own}.items()}

    def substitutions(self) -> dict[str, str]:
        props = self.resource("PipelineStateMachine")["Properties"]
        return {k: str(self.resolve(v)) for k, v in props["DefinitionSubstitutions"].items()}


REF_IS_ARN = {"AWS::SNS::Topic", "AWS::Serverless::StateMachine", "AWS::SQS::Queue"}
ARNS = {
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::Serverless::StateMachine": "arn:aws:states:{region}:{account}:stateMachine:{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
}


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def resolver(template: dict[str, Any]) -> Resolver:
    return Resolver(template)


# --------------------------------------------------------------------------- events
def load_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / name).read_text())


@dataclass
class FakeContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id: str = "c8d5f2a4-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/25/[$LATEST]0123456789"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


# --------------------------------------------------------------------------- world
@dataclass
class World:
    resolver: Resolver
    s3: Any
    glue: Any
    sfn: Any
    sns: Any
    sqs: Any
    notifications_queue: str
    state_machine_arn: str

    def bucket(self, logical_id: str) -> str:
        return self.resolver.name(logical_id)

    @property
    def raw(self) -> str:
        return self.bucket("RawBucket")

    @property
    def lake(self) -> str:
        return self.bucket("LakeBucket")

    def put_raw(self, key: str, body: bytes) -> dict[str, Any]:
        """Land an object; returns the run input the trigger would build for it."""
        put = self.s3.put_object(Bucket=self.raw, Key=key, Body=body)
        return {
            "bucket": self.raw,
            "key": key,
            "size": len(body),
            "etag": put["ETag"].strip('"'),
            "version_id": put.get("VersionId", ""),
        }

    def notifications(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.notifications_queue, MaxNumberOfMessages=10
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def read_json(self, bucket: str, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return sorted(o["Key"] for o in listed)


def _substituted_definition(resolver: Resolver) -> str:
    text = (ROOT / "statemachine" / "pipeline.asl.json").read_text()
    for name, value in resolver.substitutions().items():
        text = text.replace("${" + name + "}", value)
    return text


@pytest.fixture(scope="session")
def clients() -> dict[str, Any]:
    """boto3 clients made once: moto intercepts every client while a mock is active, and
    each test's ``mock_aws`` starts from empty backends."""
    services = ("s3", "glue", "sns", "sqs", "stepfunctions")
    return {name: boto3.client(name, region_name=REGION) for name in services}  # type: ignore[call-overload]


@pytest.fixture
def world(
    resolver: Resolver, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        from etl_shared import config
        from publish_config import publish

        config.clear_cache()
        s3 = clients["s3"]
        for logical_id in ("RawBucket", "LakeBucket", "AthenaResultsBucket", "ArtifactsBucket"):
            s3.create_bucket(Bucket=resolver.name(logical_id))
        s3.put_bucket_versioning(
            Bucket=resolver.name("RawBucket"), VersioningConfiguration={"Status": "Enabled"}
        )
        publish(s3, resolver.name("ArtifactsBucket"), "config/", ROOT)
        glue = clients["glue"]
        for logical_id in (
            "RawDatabase",
            "StagingDatabase",
            "CuratedDatabase",
            "AnalyticsDatabase",
        ):
            glue.create_database(DatabaseInput={"Name": resolver.name(logical_id)})
        crawler = resolver.resource("RawCrawler")["Properties"]
        glue.create_crawler(
            Name=resolver.name("RawCrawler"),
            Role=resolver.arn("CrawlerCheckFunction"),
            DatabaseName=resolver.name("RawDatabase"),
            Targets=resolver.resolve(crawler["Targets"]),
        )
        sns = clients["sns"]
        topic = sns.create_topic(Name=resolver.name("FailureTopic"))["TopicArn"]
        sqs = clients["sqs"]
        queue = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue_arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        sfn = clients["stepfunctions"]
        machine = sfn.create_state_machine(
            name=resolver.name("PipelineStateMachine"),
            definition=_substituted_definition(resolver),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/pipeline",
        )["stateMachineArn"]
        assert topic == resolver.ref("FailureTopic")
        assert machine == resolver.ref("PipelineStateMachine")
        yield World(resolver, s3, glue, sfn, sns, sqs, queue, machine)
        config.clear_cache()


# --------------------------------------------------------------------------- handlers
_handlers: dict[str, ModuleType] = {}


def _import_handler(folder: str) -> ModuleType:
    if folder not in _handlers:
        path = ROOT / "functions" / folder / "app.py"
        spec = importlib.util.spec_from_file_location(f"sam_function_{folder}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _handlers[folder] = module
    return _handlers[folder]


Invoke = Callable[[str, dict[str, Any]], Any]


@pytest.fixture
def invoke(world: World, monkeypatch: pytest.MonkeyPatch, lambda_context: FakeContext) -> Invoke:
    """invoke("PrepareFunction", event): the handler, with that function's template env."""

    def run(logical_id: str, event: dict[str, Any]) -> Any:
        for key, value in world.resolver.environment(logical_id).items():
            monkeypatch.setenv(key, value)
        module = _import_handler(FUNCTIONS[logical_id])
        return module.lambda_handler(event, lambda_context)

    return run
