"""Intrinsic functions with AWS's argument rules and escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from etl_local.stepfunctions import intrinsics
from etl_local.stepfunctions.errors import StatesError
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.stepfunctions.helpers import run, single

pytestmark = pytest.mark.unit

DATA = {
    "name": "World",
    "n": 3,
    "list": [1, 2, 2, 3],
    "obj": {"a": 1},
    "json": '{"k":[1,2]}',
    "text": "a,b;c",
}

CASES: list[tuple[str, str, Any]] = [
    ("format", "States.Format('Hello, {}!', $.name)", "Hello, World!"),
    ("format-number-bool-null", "States.Format('{} {} {}', $.n, true, null)", "3 true null"),
    ("format-escaped-braces", "States.Format('\\{literal\\} {}', $.n)", "{literal} 3"),
    ("format-escaped-quote", "States.Format('it\\'s {}', $.name)", "it's World"),
    ("string-to-json", "States.StringToJson($.json)", {"k": [1, 2]}),
    ("json-to-string", "States.JsonToString($.obj)", '{"a":1}'),
    ("array", "States.Array($.n, 'x', $.obj)", [3, "x", {"a": 1}]),
    ("array-partition", "States.ArrayPartition($.list, 3)", [[1, 2, 2], [3]]),
    ("array-contains", "States.ArrayContains($.list, 3)", True),
    ("array-contains-no", "States.ArrayContains($.list, 9)", False),
    ("array-range", "States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
    ("array-range-negative", "States.ArrayRange(5, 1, -2)", [5, 3, 1]),
    ("array-get-item", "States.ArrayGetItem($.list, 3)", 3),
    ("array-length", "States.ArrayLength($.list)", 4),
    ("array-unique", "States.ArrayUnique($.list)", [1, 2, 3]),
    ("base64-encode", "States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
    ("base64-decode", "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
    ("hash-md5", "States.Hash('input data', 'MD5')", "812f45842bc6d66ee14572ce20db8e86"),
    ("hash-sha1", "States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
    (
        "hash-sha256",
        "States.Hash('input data', 'SHA-256')",
        "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
    ),
    (
        "json-merge",
        "States.JsonMerge($.obj, States.StringToJson('{\"b\":2}'), false)",
        {"a": 1, "b": 2},
    ),
    ("math-add", "States.MathAdd($.n, -1)", 2),
    ("math-random-seeded", "States.MathRandom(1, 2, 7)", 1),
    ("string-split", "States.StringSplit($.text, ',;')", ["a", "b", "c"]),
    ("nested", "States.ArrayLength(States.ArrayUnique($.list))", 3),
]


@pytest.mark.parametrize(
    ("expression", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_intrinsic(expression: str, expected: Any) -> None:
    result = run(single({"Type": "Pass", "Parameters": {"v.$": expression}}), DATA)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"v": expected}


def test_uuid_is_v4() -> None:
    value = run(single({"Type": "Pass", "Parameters": {"v.$": "States.UUID()"}})).output["v"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value
    )


FAILURES: list[tuple[str, str]] = [
    ("format-placeholder-count", "States.Format('{} {}', $.n)"),
    ("format-object-arg", "States.Format('{}', $.obj)"),
    ("string-to-json-invalid", "States.StringToJson($.name)"),
    ("array-get-item-out-of-range", "States.ArrayGetItem($.list, 10)"),
    ("array-range-too-long", "States.ArrayRange(1, 2000, 1)"),
    ("array-range-step-zero", "States.ArrayRange(1, 2, 0)"),
    ("hash-bad-algorithm", "States.Hash('x', 'SHA-3')"),
    ("json-merge-deep", "States.JsonMerge($.obj, $.obj, true)"),
    ("math-add-not-int", "States.MathAdd(1.5, 1)"),
    ("array-length-not-array", "States.ArrayLength($.name)"),
]


@pytest.mark.parametrize("expression", [f[1] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_intrinsic_failure(expression: str) -> None:
    result = run(single({"Type": "Pass", "Parameters": {"v.$": expression}}), DATA)
    assert (result.status, result.error) == ("FAILED", "States.IntrinsicFailure")
    assert result.cause


def test_intrinsic_failure_is_catchable() -> None:
    with pytest.raises(StatesError) as err:
        intrinsics.evaluate("States.ArrayLength($.x)", lambda path: "not a list")
    assert err.value.error == "States.IntrinsicFailure"


json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
json_docs = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


def call(expression: str, data: Any) -> Any:
    return intrinsics.evaluate(expression, lambda path: data)


@given(items=st.lists(json_scalars, max_size=20), size=st.integers(1, 6))
def test_partition_then_flatten_is_identity(items: list[Any], size: int) -> None:
    chunks = intrinsics.evaluate(f"States.ArrayPartition($.x, {size})", lambda path: items)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) <= size for chunk in chunks)


@given(items=st.lists(json_scalars, max_size=20))
def test_array_unique_is_idempotent(items: list[Any]) -> None:
    once = call("States.ArrayUnique($.x)", items)
    assert call("States.ArrayUnique($.x)", once) == once


@given(text=st.text(max_size=100))
def test_base64_roundtrip(text: str) -> None:
    encoded = call("States.Base64Encode($.x)", text)
    assert call("States.Base64Decode($.x)", encoded) == text


@given(doc=json_docs)
def test_json_string_roundtrip(doc: Any) -> None:
    assert call("States.StringToJson($.x)", call("States.JsonToString($.x)", doc)) == doc
