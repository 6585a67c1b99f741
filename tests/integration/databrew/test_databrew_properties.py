"""Property tests: DataBrew's rules for missing values and conditions, on random tables."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from etl_local.databrew.recipe import run_recipe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.integration

texts = st.one_of(st.none(), st.just(""), st.text(alphabet="ab ", max_size=3))
numbers = st.one_of(st.none(), st.integers(min_value=-5, max_value=5))
tables = st.lists(st.tuples(texts, numbers), min_size=1, max_size=12)
COMPARISONS = [
    "EQUALS",
    "NOT_EQUALS",
    "LESS_THAN",
    "GREATER_THAN",
    "LESS_THAN_EQUAL",
    "GREATER_THAN_EQUAL",
]
TEXT_TESTS = [
    "STARTS_WITH",
    "ENDS_WITH",
    "CONTAINS",
    "NOT_CONTAINS",
    "NOT_STARTS_WITH",
    "NOT_ENDS_WITH",
]

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run(rows: list[tuple[Any, Any]], steps: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id BIGINT, s VARCHAR, n BIGINT)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)", [(i, s, n) for i, (s, n) in enumerate(rows, start=1)]
    )
    return run_recipe(con, "t", steps).fetchall()


def suffix(conditions: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "Action": {
                "Operation": "ADD_SUFFIX",
                "Parameters": {"sourceColumn": "s", "pattern": "!"},
            },
            "ConditionExpressions": conditions,
        }
    ]


def mark(conditions: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Adds a column that is 'x' exactly where the conditions hold (null elsewhere)."""
    return [
        {
            "Action": {
                "Operation": "REPEAT",
                "Parameters": {"value": "x", "count": "1", "targetColumn": "hit"},
            },
            "ConditionExpressions": conditions,
        }
    ]


def missing(value: Any) -> bool:
    return value is None or value == ""


@SETTINGS
@given(tables)
def test_is_missing_is_null_or_empty(rows: list[tuple[Any, Any]]) -> None:
    out = run(rows, mark([{"Condition": "IS_MISSING", "TargetColumn": "s"}]))
    assert [r[-1] == "x" for r in out] == [missing(s) for s, _ in rows]
    out = run(rows, mark([{"Condition": "IS_NOT_MISSING", "TargetColumn": "s"}]))
    assert [r[-1] == "x" for r in out] == [not missing(s) for s, _ in rows]


@SETTINGS
@given(tables, st.sampled_from(COMPARISONS), st.integers(min_value=-3, max_value=3))
def test_comparisons_never_hold_on_missing_values(
    rows: list[tuple[Any, Any]], condition: str, value: int
) -> None:
    out = run(rows, mark([{"Condition": condition, "Value": str(value), "TargetColumn": "n"}]))
    for (_, n), row in zip(rows, out, strict=True):
        if n is None:
            assert row[-1] is None


@SETTINGS
@given(tables, st.sampled_from(TEXT_TESTS), st.sampled_from(["a", "b", " "]))
def test_text_conditions_never_hold_on_missing_values(
    rows: list[tuple[Any, Any]], condition: str, value: str
) -> None:
    out = run(rows, mark([{"Condition": condition, "Value": value, "TargetColumn": "s"}]))
    for (s, _), row in zip(rows, out, strict=True):
        if missing(s):
            assert row[-1] is None


@SETTINGS
@given(tables, st.integers(min_value=-3, max_value=3))
def test_conditions_are_anded_and_other_rows_untouched(
    rows: list[tuple[Any, Any]], bound: int
) -> None:
    conditions = [
        {"Condition": "GREATER_THAN", "Value": str(bound), "TargetColumn": "n"},
        {"Condition": "CONTAINS", "Value": "a", "TargetColumn": "s"},
    ]
    out = run(rows, suffix(conditions))
    for (s, n), (_, s_out, n_out) in zip(rows, out, strict=True):
        hit = n is not None and n > bound and not missing(s) and "a" in s
        assert s_out == (s + "!" if hit else s)
        assert n_out == n


@SETTINGS
@given(tables)
def test_fill_replaces_exactly_the_missing_values(rows: list[tuple[Any, Any]]) -> None:
    out = run(
        rows,
        [
            {
                "Action": {
                    "Operation": "FILL_WITH_CUSTOM",
                    "Parameters": {"sourceColumn": "s", "value": "?"},
                }
            }
        ],
    )
    assert [r[1] for r in out] == [("?" if missing(s) else s) for s, _ in rows]


@SETTINGS
@given(tables)
def test_remove_missing_keeps_order_of_the_rest(rows: list[tuple[Any, Any]]) -> None:
    out = run(
        rows,
        [
            {"Action": {"Operation": "REMOVE_MISSING", "Parameters": {"sourceColumn": "s"}}},
            {"Action": {"Operation": "REMOVE_DUPLICATES", "Parameters": {"sourceColumn": "s"}}},
        ],
    )
    expected, seen = [], set()
    for i, (s, _) in enumerate(rows, start=1):
        if not missing(s) and s not in seen:
            seen.add(s)
            expected.append(i)
    assert [r[0] for r in out] == expected
