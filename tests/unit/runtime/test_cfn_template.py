"""CloudFormation short-form tags, intrinsics, parameters, conditions and the SAM transform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from etl_local.stack.provision import read_samconfig
from etl_local.stack.sam import expand, merge_globals
from etl_local.stack.template import (
    NO_VALUE,
    Provisioned,
    Resolver,
    TemplateError,
    load_template,
    parameter_values,
    parse_overrides,
    references,
)

pytestmark = pytest.mark.unit

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, local, prod]}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Sizes: {dev: {Memory: 256}, local: {Memory: 128}, prod: {Memory: 1024}}
Resources:
  RawBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub ${AWS::StackName}-${Stage}-raw-${AWS::AccountId}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt Role.Arn
      Tags: !If [IsProd, {a: b}, !Ref AWS::NoValue]
      List: !Split [",", "a,b"]
      Joined: !Join ["-", [!Ref RawBucket, !Select [1, [x, y]]]]
      Memory: !FindInMap [Sizes, !Ref Stage, Memory]
      Literal: !Sub "${!NotAVariable}"
"""


@pytest.fixture
def template(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def _resolver(template: dict[str, Any], **overrides: str) -> Resolver:
    resolver = Resolver(
        stack_name="etl",
        parameters=parameter_values(template["Parameters"], overrides),
        mappings=template["Mappings"],
        condition_defs=template["Conditions"],
    )
    resolver.resources["RawBucket"] = Provisioned("RawBucket", "AWS::S3::Bucket", "etl-dev-raw")
    resolver.resources["Role"] = Provisioned(
        "Role", "AWS::IAM::Role", "r", {"Arn": "arn:aws:iam::123456789012:role/r"}
    )
    return resolver


def test_short_forms_load_as_long_forms(template: dict[str, Any]) -> None:
    props = template["Resources"]["Fn"]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert props["Tags"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}


@pytest.mark.parametrize(
    ("member", "stage", "expected"),
    [
        ("Role", "dev", "arn:aws:iam::123456789012:role/r"),
        ("Tags", "prod", {"a": "b"}),
        ("List", "dev", ["a", "b"]),
        ("Joined", "dev", "etl-dev-raw-y"),
        ("Memory", "dev", 256),
        ("Literal", "dev", "${NotAVariable}"),
    ],
    ids=["getatt", "if-true", "split", "join-select", "findinmap", "sub-escape"],
)
def test_intrinsics(template: dict[str, Any], member: str, stage: str, expected: Any) -> None:
    props = _resolver(template, Stage=stage).resolve(template["Resources"]["Fn"]["Properties"])
    assert props[member] == expected


def test_no_value_removes_the_property(template: dict[str, Any]) -> None:
    props = _resolver(template).resolve(template["Resources"]["Fn"]["Properties"])
    assert "Tags" not in props and NO_VALUE not in props.values()


def test_sub_with_pseudo_parameters(template: dict[str, Any]) -> None:
    props = _resolver(template, Stage="local").resolve(
        template["Resources"]["RawBucket"]["Properties"]
    )
    assert props["BucketName"] == "etl-local-raw-123456789012"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"Stage": "qa"}, "AllowedValues"), ({"Nope": "1"}, "do not exist")],
    ids=["not-allowed", "unknown"],
)
def test_bad_parameters_fail_like_cloudformation(
    template: dict[str, Any], overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        parameter_values(template["Parameters"], overrides)


def test_unresolved_reference(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match=r"Unresolved resource dependencies \[Missing\]"):
        _resolver(template).resolve({"Ref": "Missing"})


def test_references_found_in_sub_and_getatt(template: dict[str, Any]) -> None:
    assert references(template["Resources"]["Fn"]["Properties"]) >= {"Role", "RawBucket", "Stage"}
    assert references(template["Resources"]["RawBucket"]["Properties"]) == {
        "AWS::StackName",
        "Stage",
        "AWS::AccountId",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Stage=local Prefix="a b"', {"Stage": "local", "Prefix": "a b"}),
        (["Stage=local", "X=1"], {"Stage": "local", "X": "1"}),
        (None, {}),
    ],
    ids=["string", "list", "none"],
)
def test_parse_overrides(text: Any, expected: dict[str, str]) -> None:
    assert parse_overrides(text) == expected


def test_samconfig_local_environment(tmp_path: Path) -> None:
    (tmp_path / "samconfig.toml").write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "etl"\n'
        '[default.deploy.parameters]\nparameter_overrides = "Stage=dev"\n'
        '[local.deploy.parameters]\nparameter_overrides = "Stage=local"\n'
    )
    config = read_samconfig(tmp_path / "samconfig.toml")
    assert (config.stack_name, config.parameter_overrides) == ("etl", {"Stage": "local"})


@pytest.mark.parametrize(
    ("globals_", "props", "expected"),
    [
        ({"Timeout": 3}, {"Timeout": 30}, {"Timeout": 30}),
        (
            {"Environment": {"Variables": {"A": "1"}}},
            {"Environment": {"Variables": {"B": "2"}}},
            {"Environment": {"Variables": {"A": "1", "B": "2"}}},
        ),
        ({"Layers": ["g"]}, {"Layers": ["f"]}, {"Layers": ["g", "f"]}),
    ],
    ids=["scalar-overrides", "maps-merge", "lists-append"],
)
def test_sam_globals(
    globals_: dict[str, Any], props: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert merge_globals(globals_, props) == expected


def test_sam_events_become_rules() -> None:
    template = {
        "Resources": {
            "TriggerFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        "Landed": {
                            "Type": "EventBridgeRule",
                            "Properties": {
                                "Pattern": {"source": ["aws.s3"]},
                                "RetryPolicy": {"MaximumRetryAttempts": 2},
                            },
                        },
                        "Queue": {"Type": "SQS", "Properties": {}},
                    }
                },
            }
        }
    }
    resources, problems = expand(template)
    rule = resources["TriggerFunctionLanded"]
    assert rule["Type"] == "AWS::Events::Rule"
    assert rule["Properties"]["EventPattern"] == {"source": ["aws.s3"]}
    assert rule["Properties"]["Targets"] == [
        {
            "Id": "TriggerFunctionLandedLambdaTarget",
            "Arn": {"Fn::GetAtt": ["TriggerFunction", "Arn"]},
            "RetryPolicy": {"MaximumRetryAttempts": 2},
        }
    ]
    assert problems == [
        "TriggerFunction.Events.Queue: event source type SQS has no local counterpart"
    ]
