"""Variables (Assign, scoping) and the JSONata query language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.stepfunctions.helpers import machine, run, single

pytestmark = pytest.mark.unit


def test_assign_and_reference_variables_in_jsonpath() -> None:
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"total.$": "$.n", "label": "fixed"}, "Next": "Use"},
            "Use": {
                "Type": "Pass",
                "Parameters": {"t.$": "$total", "l.$": "$label", "first.$": "$items[0]"},
                "End": True,
            },
        }
    )
    definition["States"]["Set"]["Assign"]["items.$"] = "$.list"
    assert run(definition, {"n": 3, "list": [7, 8]}).output == {"t": 3, "l": "fixed", "first": 7}


def test_choice_on_a_variable() -> None:
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"mode": "fast"}, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$mode", "StringEquals": "fast", "Next": "Fast"}],
                "Default": "Slow",
            },
            "Fast": {"Type": "Pass", "Result": "fast", "End": True},
            "Slow": {"Type": "Pass", "Result": "slow", "End": True},
        }
    )
    assert run(definition, {}).output == "fast"


def test_inner_assignments_do_not_leak_out_of_a_map() -> None:
    processor = {
        "StartAt": "In",
        "States": {
            "In": {
                "Type": "Pass",
                "Assign": {"inner": 1},
                "Parameters": {"outer.$": "$outer"},
                "End": True,
            }
        },
    }
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ItemProcessor": processor,
                "ResultPath": "$.r",
                "Next": "After",
            },
            "After": {
                "Type": "Pass",
                "Parameters": {"r.$": "$.r", "has_inner.$": "States.ArrayLength($.xs)"},
                "End": True,
            },
        }
    )
    result = run(definition, {"xs": [1, 2]})
    assert result.output == {"r": [{"outer": "o"}, {"outer": "o"}], "has_inner": 2}
    leak = machine(
        {
            "M": {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor, "Next": "Read"},
            "Read": {"Type": "Pass", "Parameters": {"x.$": "$inner"}, "End": True},
        }
    )
    assert run(leak, {"xs": [1]}).error == "States.Runtime"


JSONATA: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("output", {"Type": "Pass", "Output": "{% $states.input.a + 1 %}"}, {"a": 1}, 2),
    (
        "output-object",
        {"Type": "Pass", "Output": {"sum": "{% $sum($states.input.xs) %}", "const": 1}},
        {"xs": [1, 2, 3]},
        {"sum": 6, "const": 1},
    ),
    ("no-output-passes-input", {"Type": "Pass"}, {"a": 1}, {"a": 1}),
    ("context", {"Type": "Pass", "Output": "{% $states.context.State.Name %}"}, {}, "S"),
]


@pytest.mark.parametrize(
    ("state", "data", "expected"), [j[1:] for j in JSONATA], ids=[j[0] for j in JSONATA]
)
def test_jsonata_states(state: dict[str, Any], data: Any, expected: Any) -> None:
    result = run(single(state, QueryLanguage="JSONata"), data)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


def test_jsonata_choice_assign_and_map() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"limit": "{% $states.input.limit %}"}, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $count($states.input.xs) > $limit %}", "Next": "M"}],
                "Default": "Small",
            },
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "StartAt": "Sq",
                    "States": {
                        "Sq": {
                            "Type": "Pass",
                            "Output": "{% $states.input.value * $states.input.value %}",
                            "End": True,
                        }
                    },
                },
                "Output": "{% $states.result %}",
                "End": True,
            },
            "Small": {"Type": "Pass", "Output": "small", "End": True},
        },
        QueryLanguage="JSONata",
    )
    assert run(definition, {"xs": [1, 2, 3], "limit": 2}).output == [1, 4, 9]
    assert run(definition, {"xs": [1], "limit": 2}).output == "small"


def test_jsonata_error_is_query_evaluation_error() -> None:
    result = run(
        single({"Type": "Pass", "Output": "{% $undefinedfn(1) %}"}, QueryLanguage="JSONata"), {}
    )
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")


def test_jsonata_fail_state_and_catch_error_output() -> None:
    definition = machine(
        {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {
                            "F": {"Type": "Fail", "Error": "{% 'E' & $string(1) %}", "Cause": "c"}
                        },
                    }
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["E1"],
                        "Output": {"caught": "{% $states.errorOutput.Error %}"},
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
        QueryLanguage="JSONata",
    )
    assert run(definition, {}).output == {"caught": "E1"}


def test_per_state_query_language_override() -> None:
    definition = machine(
        {
            "Old": {"Type": "Pass", "Parameters": {"v.$": "$.a"}, "Next": "New"},
            "New": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.v * 10 %}",
                "End": True,
            },
        }
    )
    assert run(definition, {"a": 2}).output == 20


AWS_FUNCTIONS: list[tuple[str, str, Any]] = [
    ("partition", "{% $partition([1, 2, 3, 4, 5], 2) %}", [[1, 2], [3, 4], [5]]),
    ("range", "{% $range(0, 10, 5) %}", [0, 5, 10]),
    ("hash", "{% $hash('input data', 'MD5') %}", "812f45842bc6d66ee14572ce20db8e86"),
    ("parse", "{% $parse('{\"a\": [1]}') %}", {"a": [1]}),
    ("random-seeded-is-stable", "{% $random(42) = $random(42) %}", True),
    ("uuid-length", "{% $length($uuid()) %}", 36),
]


@pytest.mark.parametrize(
    ("expression", "expected"), [f[1:] for f in AWS_FUNCTIONS], ids=[f[0] for f in AWS_FUNCTIONS]
)
def test_aws_jsonata_functions(expression: str, expected: Any) -> None:
    result = run(single({"Type": "Pass", "Output": expression}, QueryLanguage="JSONata"), {})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


NULLS: list[tuple[str, str, Any, Any]] = [
    ("null-input-field-is-null", "{% $states.input.a = null %}", {"a": None}, True),
    ("null-literal", "{% {'v': null} %}", {}, {"v": None}),
]


@pytest.mark.parametrize(
    ("expression", "data", "expected"), [n[1:] for n in NULLS], ids=[n[0] for n in NULLS]
)
def test_jsonata_nulls(expression: str, data: Any, expected: Any) -> None:
    assert (
        run(single({"Type": "Pass", "Output": expression}, QueryLanguage="JSONata"), data).output
        == expected
    )


def test_jsonata_undefined_output_is_an_error() -> None:
    result = run(
        single({"Type": "Pass", "Output": "{% $states.input.missing %}"}, QueryLanguage="JSONata"),
        {},
    )
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert "returned nothing (undefined)" in (result.cause or "")


def test_assigned_variables_in_state_exited_event() -> None:
    result = run(single({"Type": "Pass", "Assign": {"n": 1, "s": "x"}}), {})
    exited = [e for e in result.history if e["type"] == "PassStateExited"][0][
        "stateExitedEventDetails"
    ]
    assert exited["assignedVariables"] == {"n": "1", "s": '"x"'}
    assert exited["assignedVariablesDetails"] == {"truncated": False}
