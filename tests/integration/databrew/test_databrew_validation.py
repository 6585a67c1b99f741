"""Recipes DataBrew rejects are rejected before any row is read, naming the step."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from databrew_steps import step
from etl_local.databrew.errors import RecipeValidationError
from etl_local.databrew.recipe import compile_recipe, run_recipe, validate_recipe

pytestmark = pytest.mark.integration

OK = step("UPPER_CASE", sourceColumn="name")

# (id, steps, expected message)
CASES: list[tuple[str, Any, str]] = [
    ("not_a_list", {"Action": {}}, "Invalid recipe step 0 (-): A recipe must be a list of steps."),
    (
        "no_action",
        [{"Operation": "UPPER_CASE"}],
        "Invalid recipe step 1 (-): Each step needs an Action with an Operation.",
    ),
    (
        "unknown_operation",
        [OK, step("MAKE_IT_BETTER")],
        "Invalid recipe step 2 (MAKE_IT_BETTER): Operation 'MAKE_IT_BETTER' is not supported.",
    ),
    (
        "missing_parameter",
        [OK, OK, step("LOWER_CASE")],
        "Invalid recipe step 3 (LOWER_CASE): Missing required parameter 'sourceColumn'.",
    ),
    (
        "missing_column",
        [step("UPPER_CASE", sourceColumn="nom")],
        "Invalid recipe step 1 (UPPER_CASE): Column 'nom' does not exist.",
    ),
    (
        "column_deleted_by_earlier_step",
        [step("DELETE", sourceColumns='["name"]'), OK],
        "Invalid recipe step 2 (UPPER_CASE): Column 'name' does not exist.",
    ),
    (
        "column_renamed_by_earlier_step",
        [step("RENAME", sourceColumn="name", targetColumn="n"), OK],
        "Invalid recipe step 2 (UPPER_CASE): Column 'name' does not exist.",
    ),
    (
        "source_columns_not_json",
        [step("DELETE", sourceColumns="name")],
        "Invalid recipe step 1 (DELETE): Parameter 'sourceColumns' must be valid JSON.",
    ),
    (
        "source_columns_not_list",
        [step("DELETE", sourceColumns='{"a": 1}')],
        "Invalid recipe step 1 (DELETE): Parameter 'sourceColumns' must be a JSON list of column names.",
    ),
    (
        "target_exists",
        [step("DUPLICATE", sourceColumn="name", targetColumn="city")],
        "Invalid recipe step 1 (DUPLICATE): Column 'city' already exists.",
    ),
    (
        "source_and_value",
        [step("UPPER", sourceColumn="name", value="x", targetColumn="u")],
        "Invalid recipe step 1 (UPPER): Specify either 'sourceColumn' or 'value', but not both.",
    ),
    (
        "bad_integer",
        [step("SPLIT_COLUMN_SINGLE_DELIMITER", sourceColumn="name", pattern=" ", limit="x")],
        "Invalid recipe step 1 (SPLIT_COLUMN_SINGLE_DELIMITER): Parameter 'limit' must be an integer, got 'x'.",
    ),
    (
        "limit_out_of_range",
        [step("SPLIT_COLUMN_SINGLE_DELIMITER", sourceColumn="name", pattern=" ", limit="21")],
        "Invalid recipe step 1 (SPLIT_COLUMN_SINGLE_DELIMITER): Parameter 'limit' must be between 1 and 20, got 21.",
    ),
    (
        "bad_choice",
        [step("FLAG_OUTLIERS", sourceColumn="salary", targetColumn="o", outlierStrategy="MAGIC")],
        "Invalid recipe step 1 (FLAG_OUTLIERS): Invalid value 'MAGIC' for parameter 'outlierStrategy': "
        "expected one of Z_SCORE, MODIFIED_Z_SCORE, IQR.",
    ),
    (
        "non_numeric_outliers",
        [step("FLAG_OUTLIERS", sourceColumn="city", targetColumn="o")],
        "Invalid recipe step 1 (FLAG_OUTLIERS): Column 'city' must be numeric, but it is VARCHAR.",
    ),
    (
        "bad_boolean",
        [
            step(
                "SPLIT_COLUMN_SINGLE_DELIMITER",
                sourceColumn="name",
                pattern=" ",
                includeInSplit="yes",
            )
        ],
        "Invalid recipe step 1 (SPLIT_COLUMN_SINGLE_DELIMITER): Parameter 'includeInSplit' must be 'true' or "
        "'false', got 'yes'.",
    ),
    (
        "bad_regex",
        [step("REPLACE_PATTERN", sourceColumn="name", pattern="([a-z", value="")],
        "Invalid recipe step 1 (REPLACE_PATTERN): Parameter 'pattern' is not a valid regular expression: "
        "unterminated character set at position 1.",
    ),
    (
        "bad_data_type",
        [step("CHANGE_DATA_TYPE", sourceColumn="age", columnDataType="money")],
        "Invalid recipe step 1 (CHANGE_DATA_TYPE): Unsupported data type 'money' for parameter 'columnDataType'.",
    ),
    (
        "unknown_condition",
        [
            step(
                "UPPER_CASE", [{"Condition": "IS_NICE", "TargetColumn": "age"}], sourceColumn="name"
            )
        ],
        "Invalid recipe step 1 (UPPER_CASE): Unsupported condition 'IS_NICE'.",
    ),
    (
        "condition_missing_column",
        [
            step(
                "UPPER_CASE",
                [{"Condition": "IS_MISSING", "TargetColumn": "nope"}],
                sourceColumn="name",
            )
        ],
        "Invalid recipe step 1 (UPPER_CASE): Condition target column 'nope' does not exist.",
    ),
    (
        "condition_needs_value",
        [
            step(
                "UPPER_CASE",
                [{"Condition": "LESS_THAN", "TargetColumn": "age"}],
                sourceColumn="name",
            )
        ],
        "Invalid recipe step 1 (UPPER_CASE): Condition LESS_THAN requires a Value.",
    ),
    (
        "filter_needs_condition",
        [step("REMOVE_VALUES", sourceColumn="name")],
        "Invalid recipe step 1 (REMOVE_VALUES): REMOVE_VALUES needs at least one condition expression.",
    ),
    (
        "group_by_bad_function",
        [
            step(
                "GROUP_BY",
                sourceColumns='["city"]',
                groupByAggFunctionOptions=json.dumps(
                    [{"sourceColumnName": "age", "aggregateFunction": "GUESS"}]
                ),
            )
        ],
        "Invalid recipe step 1 (GROUP_BY): Invalid aggregate option {'sourceColumnName': 'age', "
        "'aggregateFunction': 'GUESS'}.",
    ),
]


@pytest.mark.parametrize(("steps", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rejected_with_databrew_message(
    con: duckdb.DuckDBPyConnection, steps: Any, message: str
) -> None:
    with pytest.raises(RecipeValidationError) as info:
        validate_recipe(con, "people", steps)
    assert info.value.message == message
    assert info.value.code == "ValidationException"


def test_validation_reads_no_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Every row of this source raises when read; validation still reports the bad step."""
    con.execute(
        "CREATE VIEW boom AS SELECT id, CASE WHEN id > 0 THEN error('row read') END AS x, name FROM people"
    )
    with pytest.raises(RecipeValidationError, match="step 2"):
        run_recipe(con, "boom", [OK, step("LOWER_CASE", sourceColumn="missing")])
    assert validate_recipe(con, "boom", [OK])[2].name == "name"


def test_statistics_wait_until_every_step_is_valid(con: duckdb.DuckDBPyConnection) -> None:
    """A statistic (step 1) would read the exploding column; step 2 is rejected first."""
    con.execute(
        "CREATE VIEW boom AS SELECT id, CASE WHEN id > 0 THEN error('row read') END AS x, name FROM people"
    )
    steps = [
        step("FILL_WITH_MODE", sourceColumn="x"),
        step("LOWER_CASE", sourceColumn="missing"),
    ]
    with pytest.raises(RecipeValidationError, match="step 2"):
        compile_recipe(con, "boom", steps)
    with pytest.raises(duckdb.Error, match="row read"):  # the statistic does read the data
        compile_recipe(con, "boom", steps[:1])
