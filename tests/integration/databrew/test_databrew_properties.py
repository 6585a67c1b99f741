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


DELETE_ID = {"Action": {"Operation": "DELETE", "Parameters": {"sourceColumns": '["id"]'}}}
DELETE_DUPLICATE_ROWS = {"Action": {"Operation": "DELETE_DUPLICATE_ROWS", "Parameters": {}}}


@SETTINGS
@given(tables)
def test_delete_duplicate_rows_keeps_each_distinct_row_once(rows: list[tuple[Any, Any]]) -> None:
    # nulls equal nulls, '' is its own value; the output order is not kept (as on Spark)
    out = run(rows, [DELETE_ID, DELETE_DUPLICATE_ROWS])
    assert sorted(out, key=repr) == sorted(set(rows), key=repr)


@SETTINGS
@given(tables)
def test_delete_duplicate_rows_keeps_first_positions_when_order_matters(
    rows: list[tuple[Any, Any]],
) -> None:
    # REMOVE_DUPLICATES afterwards needs row order: each distinct row stays where it first was
    out = run(
        rows,
        [
            DELETE_ID,
            DELETE_DUPLICATE_ROWS,
            {"Action": {"Operation": "REMOVE_DUPLICATES", "Parameters": {"sourceColumn": "n"}}},
        ],
    )
    expected, seen_rows, seen_n = [], set(), set()
    for row in rows:
        if row not in seen_rows:
            seen_rows.add(row)
            if row[1] not in seen_n:
                seen_n.add(row[1])
                expected.append(row)
    assert out == expected


@pytest.mark.parametrize(
    ("values", "kept"),
    [
        pytest.param([0.0, -0.0, 1.5], 2, id="zero_and_negative_zero_are_one_value"),
        pytest.param([float("nan"), float("nan"), 1.0], 2, id="nan_equals_nan"),
        pytest.param([None, None, 2.0], 2, id="nulls_are_one_value"),
    ],
)
def test_delete_duplicate_rows_float_equality(values: list[float | None], kept: int) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    assert len(run_recipe(con, "t", [DELETE_DUPLICATE_ROWS]).fetchall()) == kept
