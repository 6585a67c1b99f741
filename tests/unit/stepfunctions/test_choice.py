"""Choice rules: every comparison operator, its Path twin, type tests, And/Or/Not, Default."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.stepfunctions.helpers import machine, run

pytestmark = pytest.mark.unit

DATA = {
    "s": "beta",
    "n": 5,
    "f": 2.5,
    "b": True,
    "t": "2024-03-01T12:00:00Z",
    "t2": "2024-03-01T13:00:00+01:00",
    "nul": None,
    "other": {"s": "beta", "n": 5, "t": "2024-03-01T12:00:00Z"},
    "file": "data/2024/part-1.csv",
    "star": "a*b",
}

# (id, rule without Next, expected match)
RULES: list[tuple[str, dict[str, Any], bool]] = [
    ("string-equals", {"Variable": "$.s", "StringEquals": "beta"}, True),
    ("string-equals-type-mismatch", {"Variable": "$.n", "StringEquals": "5"}, False),
    ("string-less-than", {"Variable": "$.s", "StringLessThan": "gamma"}, True),
    ("string-greater-than", {"Variable": "$.s", "StringGreaterThan": "alpha"}, True),
    ("string-lte", {"Variable": "$.s", "StringLessThanEquals": "beta"}, True),
    ("string-gte", {"Variable": "$.s", "StringGreaterThanEquals": "c"}, False),
    ("string-equals-path", {"Variable": "$.s", "StringEqualsPath": "$.other.s"}, True),
    ("numeric-equals", {"Variable": "$.n", "NumericEquals": 5}, True),
    ("numeric-equals-float", {"Variable": "$.f", "NumericEquals": 2.5}, True),
    ("numeric-less-than", {"Variable": "$.n", "NumericLessThan": 5}, False),
    ("numeric-greater-than", {"Variable": "$.n", "NumericGreaterThan": 4.9}, True),
    ("numeric-lte", {"Variable": "$.n", "NumericLessThanEquals": 5}, True),
    ("numeric-gte", {"Variable": "$.f", "NumericGreaterThanEquals": 3}, False),
    ("numeric-equals-path", {"Variable": "$.n", "NumericEqualsPath": "$.other.n"}, True),
    ("numeric-on-string", {"Variable": "$.s", "NumericEquals": 5}, False),
    ("boolean-equals", {"Variable": "$.b", "BooleanEquals": True}, True),
    ("boolean-equals-path", {"Variable": "$.b", "BooleanEqualsPath": "$.b"}, True),
    ("timestamp-equals-offset", {"Variable": "$.t", "TimestampEqualsPath": "$.t2"}, True),
    ("timestamp-less-than", {"Variable": "$.t", "TimestampLessThan": "2024-03-02T00:00:00Z"}, True),
    (
        "timestamp-greater-than",
        {"Variable": "$.t", "TimestampGreaterThan": "2024-03-02T00:00:00Z"},
        False,
    ),
    ("timestamp-lte-path", {"Variable": "$.t", "TimestampLessThanEqualsPath": "$.other.t"}, True),
    (
        "timestamp-gte",
        {"Variable": "$.t", "TimestampGreaterThanEquals": "2024-03-01T12:00:00Z"},
        True,
    ),
    (
        "timestamp-not-a-timestamp",
        {"Variable": "$.s", "TimestampEquals": "2024-03-01T12:00:00Z"},
        False,
    ),
    ("string-matches-star", {"Variable": "$.file", "StringMatches": "data/*.csv"}, True),
    ("string-matches-no", {"Variable": "$.file", "StringMatches": "data/*.json"}, False),
    ("string-matches-escaped-star", {"Variable": "$.star", "StringMatches": "a\\*b"}, True),
    ("string-matches-escaped-star-literal", {"Variable": "$.s", "StringMatches": "b\\*"}, False),
    ("is-null", {"Variable": "$.nul", "IsNull": True}, True),
    ("is-null-false", {"Variable": "$.s", "IsNull": True}, False),
    ("is-present", {"Variable": "$.s", "IsPresent": True}, True),
    ("is-present-missing", {"Variable": "$.missing", "IsPresent": True}, False),
    ("is-not-present", {"Variable": "$.missing", "IsPresent": False}, True),
    ("is-numeric", {"Variable": "$.f", "IsNumeric": True}, True),
    ("is-numeric-bool", {"Variable": "$.b", "IsNumeric": True}, False),
    ("is-string", {"Variable": "$.s", "IsString": True}, True),
    ("is-boolean", {"Variable": "$.b", "IsBoolean": True}, True),
    ("is-timestamp", {"Variable": "$.t", "IsTimestamp": True}, True),
    ("is-timestamp-no", {"Variable": "$.s", "IsTimestamp": True}, False),
    (
        "and",
        {
            "And": [
                {"Variable": "$.n", "NumericGreaterThan": 1},
                {"Variable": "$.b", "BooleanEquals": True},
            ]
        },
        True,
    ),
    (
        "and-one-false",
        {
            "And": [
                {"Variable": "$.n", "NumericGreaterThan": 10},
                {"Variable": "$.b", "BooleanEquals": True},
            ]
        },
        False,
    ),
    (
        "or",
        {
            "Or": [
                {"Variable": "$.n", "NumericGreaterThan": 10},
                {"Variable": "$.b", "BooleanEquals": True},
            ]
        },
        True,
    ),
    ("not", {"Not": {"Variable": "$.s", "StringEquals": "beta"}}, False),
    ("context-variable", {"Variable": "$$.State.Name", "StringEquals": "Choose"}, True),
]


def choice(rule: dict[str, Any]) -> dict[str, Any]:
    return machine(
        {
            "Choose": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        }
    )


@pytest.mark.parametrize(("rule", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_choice_rule(rule: dict[str, Any], expected: bool) -> None:
    result = run(choice(rule), DATA)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == ("yes" if expected else "no")


def test_no_match_without_default_fails() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    result = run(definition, {"n": 2})
    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "States.NoChoiceMatched",
        "No Matches!",
    )


def test_missing_variable_is_a_runtime_error() -> None:
    result = run(choice({"Variable": "$.absent", "StringEquals": "x"}), {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "Invalid path '$.absent'" in (result.cause or "")


def test_choice_input_and_output_paths() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "InputPath": "$.inner",
                "OutputPath": "$.v",
                "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    assert run(definition, {"inner": {"v": 1}}).output == 1
