"""JSONPath input/output processing: InputPath, Parameters, ResultSelector, ResultPath, OutputPath."""

from __future__ import annotations

from typing import Any

import pytest
from etl_local.stepfunctions import jsonpath
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.stepfunctions.helpers import run, single

pytestmark = pytest.mark.unit

DOC = {"a": {"b": [10, 20, {"c": "x"}]}, "n": 1, "s": "str"}

CASES: list[tuple[str, dict[str, Any], Any, Any]] = [
    # id, Pass fields, input, expected output
    ("no-fields", {}, DOC, DOC),
    ("input-path", {"InputPath": "$.a"}, DOC, DOC["a"]),
    ("input-path-null", {"InputPath": None}, DOC, {}),
    ("input-path-index", {"InputPath": "$.a.b[1]"}, DOC, 20),
    ("input-path-bracket", {"InputPath": "$['a']['b'][2]"}, DOC, {"c": "x"}),
    ("result", {"Result": {"r": 1}}, DOC, {"r": 1}),
    ("result-path", {"Result": 5, "ResultPath": "$.out"}, {"k": 1}, {"k": 1, "out": 5}),
    ("result-path-nested-new", {"Result": 5, "ResultPath": "$.x.y"}, {}, {"x": {"y": 5}}),
    ("result-path-null", {"Result": 5, "ResultPath": None}, {"k": 1}, {"k": 1}),
    ("result-path-root", {"Result": 5, "ResultPath": "$"}, {"k": 1}, 5),
    (
        "result-path-on-raw-input",
        {"InputPath": "$.n", "ResultPath": "$.copy"},
        DOC,
        {**DOC, "copy": 1},
    ),
    ("output-path", {"Result": {"p": {"q": 1}}, "OutputPath": "$.p"}, {}, {"q": 1}),
    ("output-path-null", {"OutputPath": None}, DOC, {}),
    (
        "parameters",
        {"Parameters": {"v.$": "$.a.b[0]", "const": [1, {"k": "v"}]}},
        DOC,
        {"v": 10, "const": [1, {"k": "v"}]},
    ),
    (
        "parameters-nested",
        {"Parameters": {"o": {"v.$": "$.s"}, "l": [{"w.$": "$.n"}]}},
        DOC,
        {"o": {"v": "str"}, "l": [{"w": 1}]},
    ),
    ("parameters-context", {"Parameters": {"name.$": "$$.State.Name"}}, {}, {"name": "S"}),
    (
        "parameters-intrinsic",
        {"Parameters": {"v.$": "States.Format('{}-{}', $.s, $.n)"}},
        DOC,
        {"v": "str-1"},
    ),
    (
        "parameters-wildcard",
        {"Parameters": {"v.$": "$.list[*].id"}},
        {"list": [{"id": 1}, {"id": 2}]},
        {"v": [1, 2]},
    ),
    (
        "parameters-filter",
        {"Parameters": {"v.$": "$.list[?(@.id > 1)].id"}},
        {"list": [{"id": 1}, {"id": 2}]},
        {"v": [2]},
    ),
]


@pytest.mark.parametrize(
    ("fields", "data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pass_state_processing(fields: dict[str, Any], data: Any, expected: Any) -> None:
    result = run(single({"Type": "Pass", **fields}), data)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


FAILURES = [
    (
        "missing-input-path",
        {"InputPath": "$.nope"},
        "States.Runtime",
        "Invalid path '$.nope' : No results for path: $['nope']",
    ),
    (
        "missing-parameter-path",
        {"Parameters": {"v.$": "$.nope"}},
        "States.Runtime",
        "The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{\"k\":1}'",
    ),
    (
        "result-path-into-scalar",
        {"Result": 1, "ResultPath": "$.k.deeper"},
        "States.ResultPathMatchFailure",
        'Unable to apply ResultPath "$.k.deeper" to input "{"k":1}"',
    ),
    ("missing-output-path", {"OutputPath": "$.zz"}, "States.Runtime", "Invalid path '$.zz'"),
]


@pytest.mark.parametrize(
    ("fields", "error", "cause_part"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_path_failures(fields: dict[str, Any], error: str, cause_part: str) -> None:
    result = run(single({"Type": "Pass", **fields}), {"k": 1})
    assert result.status == "FAILED"
    assert result.error == error
    assert cause_part in (result.cause or "")
    if error == "States.Runtime":
        assert "An error occurred while executing the state 'S' (entered at the event id #2)." in (
            result.cause or ""
        )


def test_task_result_selector_then_result_path() -> None:
    definition = single(
        {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "Result": {"big": 1, "keep": 2}, "End": True}},
                }
            ],
            "ResultSelector": {"kept.$": "$[0].keep"},
            "ResultPath": "$.res",
            "OutputPath": "$.res",
        }
    )
    assert run(definition, {"x": 1}).output == {"kept": 2}


json_keys = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(json_keys, children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    data=st.dictionaries(json_keys, json_values, max_size=4),
    keys=st.lists(json_keys, min_size=1, max_size=3),
    value=json_values,
)
def test_write_then_read_roundtrip(data: dict[str, Any], keys: list[str], value: Any) -> None:
    path = "$." + ".".join(keys)
    before = repr(data)
    try:
        written = jsonpath.write(data, path, value)
    except jsonpath.ResultPathMismatch:
        return
    assert jsonpath.read(path, written) == value
    assert repr(data) == before  # the input is never mutated


@given(data=st.dictionaries(json_keys, json_values, min_size=1, max_size=4))
def test_dot_and_bracket_notation_agree(data: dict[str, Any]) -> None:
    for key in data:
        assert jsonpath.read(f"$.{key}", data) == jsonpath.read(f"$['{key}']", data) == data[key]


@given(data=json_values)
def test_pass_without_fields_is_identity(data: Any) -> None:
    assert run(single({"Type": "Pass"}), data).output == data
