"""Map and Parallel: outputs, ItemSelector and $$.Map.Item, tolerated failures, history."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.stepfunctions.helpers import events, machine, run, single, types

pytestmark = pytest.mark.unit


def inline(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states}


DOUBLE = inline(
    {"D": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.v, $.v)"}, "End": True}}
)
FAIL_ODD = inline(
    {
        "Odd?": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.v", "NumericEquals": 1, "Next": "Boom"},
                {"Variable": "$.v", "NumericEquals": 3, "Next": "Boom"},
            ],
            "Default": "Ok",
        },
        "Boom": {"Type": "Fail", "Error": "OddItem", "Cause": "odd"},
        "Ok": {"Type": "Pass", "End": True},
    }
)


def items(n: int) -> dict[str, Any]:
    return {"items": [{"v": i} for i in range(n)]}


def test_map_outputs_in_order() -> None:
    result = run(single({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": DOUBLE}), items(4))
    assert result.output == [{"v": 0}, {"v": 2}, {"v": 4}, {"v": 6}]


def test_legacy_iterator_and_parameters() -> None:
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "Iterator": inline({"P": {"Type": "Pass", "End": True}}),
        "Parameters": {
            "i.$": "$$.Map.Item.Index",
            "val.$": "$$.Map.Item.Value.v",
            "tag.$": "$.tag",
        },
    }
    result = run(single(state), {**items(2), "tag": "t"})
    assert result.output == [{"i": 0, "val": 0, "tag": "t"}, {"i": 1, "val": 1, "tag": "t"}]


def test_map_history_events() -> None:
    result = run(single({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": DOUBLE}), items(2))
    assert types(result)[1:4] == ["MapStateEntered", "MapStateStarted", "MapIterationStarted"]
    assert events(result, "MapStateStarted")[0]["mapStateStartedEventDetails"] == {"length": 2}
    started = events(result, "MapIterationStarted")
    assert [e["mapIterationStartedEventDetails"] for e in started] == [
        {"name": "S", "index": 0},
        {"name": "S", "index": 1},
    ]
    map_started_id = events(result, "MapStateStarted")[0]["id"]
    assert all(e["previousEventId"] == map_started_id for e in started)
    assert types(result)[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_map_failure_fails_the_map_with_the_iteration_error() -> None:
    result = run(
        single({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": FAIL_ODD}), items(4)
    )
    assert (result.status, result.error, result.cause) == ("FAILED", "OddItem", "odd")
    assert "MapIterationFailed" in types(result)
    assert "MapStateFailed" in types(result)


TOLERANCE = [
    ("count-ok", {"ToleratedFailureCount": 2}, "SUCCEEDED"),
    ("count-exceeded", {"ToleratedFailureCount": 1}, "FAILED"),
    ("percentage-ok", {"ToleratedFailurePercentage": 50}, "SUCCEEDED"),
    ("percentage-exceeded", {"ToleratedFailurePercentage": 25}, "FAILED"),
]


@pytest.mark.parametrize(
    ("fields", "status"), [t[1:] for t in TOLERANCE], ids=[t[0] for t in TOLERANCE]
)
def test_tolerated_failures(fields: dict[str, Any], status: str) -> None:
    result = run(
        single({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": FAIL_ODD, **fields}),
        items(4),
    )
    assert result.status == status
    if status == "FAILED":
        assert result.error == "States.ExceedToleratedFailureThreshold"
    else:
        assert result.output[1] == {"Error": "OddItem", "Cause": "odd"}


def test_map_items_path_not_array() -> None:
    result = run(single({"Type": "Map", "ItemsPath": "$.x", "ItemProcessor": DOUBLE}), {"x": 1})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_parallel_outputs_and_events() -> None:
    state = {
        "Type": "Parallel",
        "Branches": [
            inline({"A": {"Type": "Pass", "Result": "a", "End": True}}),
            inline({"B": {"Type": "Wait", "Seconds": 5, "End": True}}),
        ],
        "ResultPath": "$.branches",
    }
    result = run(single(state), {"in": 1})
    assert result.output == {"in": 1, "branches": ["a", {"in": 1}]}
    assert types(result)[1:3] == ["ParallelStateEntered", "ParallelStateStarted"]
    assert "ParallelStateSucceeded" in types(result)


def test_parallel_branch_failure_propagates_its_error() -> None:
    state = {
        "Type": "Parallel",
        "Branches": [
            inline({"A": {"Type": "Pass", "End": True}}),
            inline({"F": {"Type": "Fail", "Error": "BranchBroke", "Cause": "x"}}),
        ],
        "Catch": [{"ErrorEquals": ["BranchBroke"], "Next": "Caught"}],
        "Next": "Done",
    }
    definition = machine(
        {"P": state, "Done": {"Type": "Succeed"}, "Caught": {"Type": "Pass", "End": True}}
    )
    result = run(definition, {})
    assert result.output == {"Error": "BranchBroke", "Cause": "x"}
    assert "ParallelStateFailed" in types(result)


def test_parallel_branches_run_on_forked_clocks() -> None:
    state = {
        "Type": "Parallel",
        "Branches": [
            inline({"W": {"Type": "Wait", "Seconds": 60, "End": True}}),
            inline({"W2": {"Type": "Wait", "Seconds": 60, "End": True}}),
        ],
    }
    result = run(single(state), {})
    start, end = result.history[0]["timestamp"], result.history[-1]["timestamp"]
    assert 59 < end - start < 65  # concurrently, not 120 s


def test_nested_map_in_parallel() -> None:
    inner = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": DOUBLE, "End": True}
    state = {"Type": "Parallel", "Branches": [inline({"M": inner})]}
    assert run(single(state), items(2)).output == [[{"v": 0}, {"v": 2}]]
