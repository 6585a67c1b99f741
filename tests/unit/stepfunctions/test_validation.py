"""Definition validation: ValidateStateMachineDefinition's codes and locations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from etl_local.stepfunctions import DefinitionError, load, validate

pytestmark = pytest.mark.unit

OK_PASS = {"Type": "Pass", "End": True}

INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "missing-next-target",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}},
        "MISSING_TRANSITION_TARGET",
        "/States/A/Next",
    ),
    (
        "missing-start-at-target",
        {"StartAt": "X", "States": {"A": OK_PASS}},
        "MISSING_TRANSITION_TARGET",
        "/StartAt",
    ),
    (
        "unreachable",
        {"StartAt": "A", "States": {"A": OK_PASS, "B": OK_PASS}},
        "UNREACHABLE_STATE",
        "/States/B",
    ),
    (
        "unknown-field",
        {"StartAt": "A", "States": {"A": {**OK_PASS, "Bogus": 1}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    ),
    (
        "unknown-type",
        {"StartAt": "A", "States": {"A": {"Type": "Nope", "End": True}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Type",
    ),
    (
        "next-and-end",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": True}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    ),
    (
        "bad-input-path",
        {"StartAt": "A", "States": {"A": {**OK_PASS, "InputPath": "nope"}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/InputPath",
    ),
    (
        "result-path-not-reference",
        {"StartAt": "A", "States": {"A": {**OK_PASS, "ResultPath": "$.a[*]"}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/ResultPath",
    ),
    (
        "bad-parameter-value",
        {"StartAt": "A", "States": {"A": {**OK_PASS, "Parameters": {"x.$": "no-path"}}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Parameters",
    ),
    (
        "bad-intrinsic",
        {"StartAt": "A", "States": {"A": {**OK_PASS, "Parameters": {"x.$": "States.Nope(1)"}}}},
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Parameters",
    ),
    (
        "choice-target",
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "Gone"}],
                    "Default": "C",
                }
            },
        },
        "MISSING_TRANSITION_TARGET",
        "/States/C/Choices[0]/Next",
    ),
    (
        "catch-target",
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}],
                    "End": True,
                }
            },
        },
        "MISSING_TRANSITION_TARGET",
        "/States/A/Catch[0]/Next",
    ),
    (
        "bad-resource",
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Task", "Resource": "arn:aws:states:::nothing:here.sync", "End": True}
            },
        },
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Resource",
    ),
    (
        "retry-all-not-alone",
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish",
                    "Retry": [{"ErrorEquals": ["States.ALL", "X"]}],
                    "End": True,
                }
            },
        },
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Retry[0]/ErrorEquals",
    ),
    (
        "retry-negative-attempts",
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish",
                    "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}],
                    "End": True,
                }
            },
        },
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Retry[0]/MaxAttempts",
    ),
    (
        "wait-two-modes",
        {
            "StartAt": "W",
            "States": {
                "W": {
                    "Type": "Wait",
                    "Seconds": 1,
                    "Timestamp": "2024-01-01T00:00:00Z",
                    "End": True,
                }
            },
        },
        "SCHEMA_VALIDATION_FAILED",
        "/States/W",
    ),
    (
        "parallel-inner-target",
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "P"}}}],
                    "End": True,
                }
            },
        },
        "MISSING_TRANSITION_TARGET",
        "/States/P/Branches[0]/States/X/Next",
    ),
    (
        "jsonpath-field-in-jsonata",
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {"A": {**OK_PASS, "InputPath": "$"}},
        },
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    ),
    (
        "no-terminal",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}},
        "MISSING_END_STATE",
        "/States",
    ),
]


@pytest.mark.parametrize(
    ("definition", "code", "location"), [i[1:] for i in INVALID], ids=[i[0] for i in INVALID]
)
def test_invalid_definitions(definition: dict[str, Any], code: str, location: str) -> None:
    found = [(d["code"], d["location"]) for d in validate(definition)]
    assert (code, location) in found
    with pytest.raises(DefinitionError) as err:
        load(definition)
    assert str(err.value).startswith("Invalid State Machine Definition: '")


def test_invalid_json_text() -> None:
    with pytest.raises(DefinitionError) as err:
        load("{not json")
    assert err.value.diagnostics[0]["code"] == "INVALID_JSON_DESCRIPTION"


def test_pipeline_definition_loads(repo_root: Any) -> None:
    paths = sorted((repo_root / "statemachine").glob("*.asl.json"))
    assert paths, "statemachine/*.asl.json"
    for path in paths:
        text = path.read_text()
        assert validate(json.loads(text)) == [], path.name
        machine = load(text)
        assert machine.start_at in machine.states


def test_invalid_definition_message() -> None:
    with pytest.raises(DefinitionError) as err:
        load({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}})
    assert (
        str(err.value)
        == "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next'"
    )
