"""One line per operation: recipe step(s) on the people table -> the values DataBrew gives.

Parameters follow the DataBrew recipe actions reference (docs.aws.amazon.com/databrew/latest/
dg/recipe-actions-reference.html); where a page has a worked example its parameters are used
as is (e.g. FLAG_OUTLIERS IQR 1.5 Yes/No, SPLIT_COLUMN_SINGLE_DELIMITER "/" limit 1,
MASK_RANGE whole string, REMOVE_WHITESPACE into a new column).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from databrew_steps import Apply, step

pytestmark = pytest.mark.integration

J = json.dumps

# (id, steps, column to read, expected values of that column, in row order)
COLUMN_CASES: list[tuple[str, list[dict[str, Any]], str, list[Any]]] = [
    # text, in place
    (
        "upper_case",
        [step("UPPER_CASE", sourceColumn="name")],
        "name",
        ["  ALICE SMITH ", "BOB", "CAROL", "BOB", "DAVE"],
    ),
    (
        "lower_case",
        [step("LOWER_CASE", sourceColumn="name")],
        "name",
        ["  alice smith ", "bob", "carol", "bob", "dave"],
    ),
    (
        "capital_case",
        [step("CAPITAL_CASE", sourceColumn="name")],
        "name",
        ["  Alice Smith ", "Bob", "Carol", "Bob", "Dave"],
    ),
    (
        "sentence_case",
        [step("SENTENCE_CASE", sourceColumn="city")],
        "city",
        ["Paris", "", "Berlin", "", "Paris"],
    ),
    (
        "add_prefix",
        [step("ADD_PREFIX", sourceColumn="name", pattern="n_")],
        "name",
        ["n_  alice smith ", "n_BOB", "n_carol", "n_BOB", "n_dave"],
    ),
    (
        "add_suffix",
        [step("ADD_SUFFIX", sourceColumn="city", pattern="!")],
        "city",
        ["Paris!", "!", "Berlin!", "!", "Paris!"],
    ),
    (
        "replace_text",
        [step("REPLACE_TEXT", sourceColumn="city", pattern="Paris", value="PAR")],
        "city",
        ["PAR", "", "Berlin", "", "PAR"],
    ),
    (
        "replace_pattern",
        [step("REPLACE_PATTERN", sourceColumn="name", pattern="[aeiou]", value="*")],
        "name",
        ["  *l*c* sm*th ", "BOB", "c*r*l", "BOB", "d*v*"],
    ),
    (
        "remove_combined_trim_and_collapse",
        [
            step(
                "REMOVE_COMBINED",
                sourceColumn="name",
                removeLeadingAndTrailingWhitespace="true",
                collapseConsecutiveWhitespace="true",
                removeAllQuotes="false",
            )
        ],
        "name",
        ["alice smith", "BOB", "carol", "BOB", "dave"],
    ),
    (
        "remove_combined_letters",
        [
            step(
                "REMOVE_COMBINED",
                sourceColumn="joined",
                removeLetters="true",
                removeSpecialCharacters="true",
                removeAllWhitespace="true",
            )
        ],
        "joined",
        ["20200115083000", "20210630", "", "20210630", "20191231"],
    ),
    # text functions, new column after the source
    (
        "remove_whitespace_doc_example",
        [step("REMOVE_WHITESPACE", sourceColumn="name", targetColumn="name_remove_whitespace")],
        "name_remove_whitespace",
        ["alicesmith", "BOB", "carol", "BOB", "dave"],
    ),
    (
        "remove_whitespace_value",
        [step("REMOVE_WHITESPACE", value="This string has spaces in it", targetColumn="s")],
        "s",
        ["Thisstringhasspacesinit"] * 5,
    ),
    (
        "trim",
        [step("TRIM", sourceColumn="name", targetColumn="t")],
        "t",
        ["alice smith", "BOB", "carol", "BOB", "dave"],
    ),
    (
        "proper",
        [step("PROPER", sourceColumn="name", targetColumn="p")],
        "p",
        ["  Alice Smith ", "Bob", "Carol", "Bob", "Dave"],
    ),
    ("len", [step("LEN", sourceColumn="city", targetColumn="n")], "n", [5, 0, 6, 0, 5]),
    (
        "left",
        [step("LEFT", sourceColumn="city", numChars="3", targetColumn="l")],
        "l",
        ["Par", "", "Ber", "", "Par"],
    ),
    (
        "extract_pattern",
        [step("EXTRACT_PATTERN", sourceColumn="joined", pattern="[0-9]{4}", targetColumn="y")],
        "y",
        ["2020", "2021", None, "2021", "2019"],
    ),
    (
        "extract_between_delimiters",
        [
            step(
                "EXTRACT_BETWEEN_DELIMITERS",
                sourceColumn="joined",
                startPattern="-",
                endPattern="-",
                targetColumn="m",
            )
        ],
        "m",
        ["01", "06", None, "06", "12"],
    ),
    (
        "extract_between_positions",
        [
            step(
                "EXTRACT_BETWEEN_POSITIONS",
                sourceColumn="joined",
                startPosition="0",
                endPosition="4",
                targetColumn="y",
            )
        ],
        "y",
        ["2020", "2021", "not ", "2021", "2019"],
    ),
    # missing values
    (
        "fill_with_average",
        [step("FILL_WITH_AVERAGE", sourceColumn="salary")],
        "salary",
        [100.0, 200.0, 1375.0, 200.0, 5000.0],
    ),
    (
        "fill_with_median",
        [step("FILL_WITH_MEDIAN", sourceColumn="salary")],
        "salary",
        [100.0, 200.0, 200.0, 200.0, 5000.0],
    ),
    (
        "fill_with_sum",
        [step("FILL_WITH_SUM", sourceColumn="salary")],
        "salary",
        [100.0, 200.0, 5500.0, 200.0, 5000.0],
    ),
    (
        "fill_with_custom",
        [step("FILL_WITH_CUSTOM", sourceColumn="age", value="0")],
        "age",
        [30, 0, 45, 0, 30],
    ),
    (
        "fill_with_most_frequent_counts_empty_as_missing",
        [step("FILL_WITH_MOST_FREQUENT", sourceColumn="city")],
        "city",
        ["Paris", "Paris", "Berlin", "Paris", "Paris"],
    ),
    (
        "fill_with_mode_ties_minimum",
        [step("FILL_WITH_MODE", sourceColumn="salary", modeType="MAXIMUM")],
        "salary",
        [100.0, 200.0, 200.0, 200.0, 5000.0],
    ),
    (
        "fill_with_null",
        [step("FILL_WITH_NULL", sourceColumn="city")],
        "city",
        ["Paris", None, "Berlin", None, "Paris"],
    ),
    (
        "fill_with_empty",
        [step("FILL_WITH_EMPTY", sourceColumn="city")],
        "city",
        ["Paris", "", "Berlin", "", "Paris"],
    ),
    (
        "fill_with_last_valid",
        [step("FILL_WITH_LAST_VALID", sourceColumn="age")],
        "age",
        [30, 30, 45, 45, 30],
    ),
    (
        "replace_with_custom_invalid_dates",
        [
            step(
                "REPLACE_WITH_CUSTOM",
                sourceColumn="joined",
                columnDataType="timestamp",
                value="1970-01-01",
            )
        ],
        "joined",
        ["2020-01-15 08:30:00", "2021-06-30", "1970-01-01", "2021-06-30", "2019-12-31"],
    ),
    (
        "replace_with_null_invalid",
        [step("REPLACE_WITH_NULL", sourceColumn="joined", columnDataType="date")],
        "joined",
        ["2020-01-15 08:30:00", "2021-06-30", None, "2021-06-30", "2019-12-31"],
    ),
    (
        "flag_column_from_null",
        [step("FLAG_COLUMN_FROM_NULL", sourceColumn="age", targetColumn="no_age")],
        "no_age",
        [False, True, False, True, False],
    ),
    (
        "flag_column_from_pattern",
        [
            step(
                "FLAG_COLUMN_FROM_PATTERN",
                sourceColumn="name",
                pattern="^[A-Z]+$",
                targetColumn="loud",
            )
        ],
        "loud",
        [False, True, False, True, False],
    ),
    # duplicates
    (
        "flag_duplicates_in_column",
        [
            step(
                "FLAG_DUPLICATES_IN_COLUMN",
                sourceColumn="name",
                targetColumn="dup",
                trueString="Yes",
                falseString="No",
            )
        ],
        "dup",
        ["No", "No", "No", "Yes", "No"],
    ),
    (
        "flag_duplicate_rows",
        [step("DELETE", sourceColumns=J(["id"])), step("FLAG_DUPLICATE_ROWS", targetColumn="dup")],
        "dup",
        [False, False, False, True, False],
    ),
    # outliers
    (
        "flag_outliers_doc_example_iqr",
        [
            step(
                "FLAG_OUTLIERS",
                sourceColumn="salary",
                targetColumn="out",
                outlierStrategy="IQR",
                threshold="1.5",
                trueString="Yes",
                falseString="No",
            )
        ],
        "out",
        ["No", "No", "No", "No", "Yes"],
    ),
    (
        "flag_outliers_z_score_defaults",
        [step("FLAG_OUTLIERS", sourceColumn="salary", targetColumn="out", threshold="1.4")],
        "out",
        ["False", "False", "False", "False", "True"],
    ),
    (
        "flag_outliers_modified_z",
        [
            step(
                "FLAG_OUTLIERS",
                sourceColumn="salary",
                targetColumn="out",
                outlierStrategy="MODIFIED_Z_SCORE",
                threshold="3.5",
            )
        ],
        "out",
        ["False", "False", "False", "False", "True"],
    ),
    (
        "replace_outliers_median",
        [
            step(
                "REPLACE_OUTLIERS",
                sourceColumn="salary",
                outlierStrategy="IQR",
                threshold="1.5",
                replaceType="REPLACE_WITH_MEDIAN",
            )
        ],
        "salary",
        [100.0, 200.0, None, 200.0, 200.0],
    ),
    (
        "replace_outliers_winsorize",
        [
            step(
                "REPLACE_OUTLIERS",
                sourceColumn="salary",
                outlierStrategy="IQR",
                threshold="1.5",
                replaceType="WINSORIZE_VALUES",
                minValue="0",
                maxValue="50",
            )
        ],
        "salary",
        [100.0, 200.0, None, 200.0, 200.0],
    ),
    (
        "remove_outliers_clear",
        [
            step(
                "REMOVE_OUTLIERS",
                sourceColumn="salary",
                outlierStrategy="IQR",
                threshold="1.5",
                removeType="CLEAR",
            )
        ],
        "salary",
        [100.0, 200.0, None, 200.0, None],
    ),
    # dates
    (
        "year",
        [step("YEAR", sourceColumn="joined", targetColumn="y")],
        "y",
        [2020, 2021, None, 2021, 2019],
    ),
    ("month", [step("MONTH", sourceColumn="joined", targetColumn="m")], "m", [1, 6, None, 6, 12]),
    ("day", [step("DAY", sourceColumn="joined", targetColumn="d")], "d", [15, 30, None, 30, 31]),
    ("hour", [step("HOUR", sourceColumn="joined", targetColumn="h")], "h", [8, 0, None, 0, 0]),
    (
        "quarter",
        [step("QUARTER", sourceColumn="joined", targetColumn="q")],
        "q",
        [1, 2, None, 2, 4],
    ),
    (
        "week_day_sunday_is_1",
        [step("WEEK_DAY", sourceColumn="joined", targetColumn="w")],
        "w",
        [4, 4, None, 4, 3],
    ),
    (
        "week_number",
        [step("WEEK_NUMBER", sourceColumn="joined", targetColumn="w")],
        "w",
        [3, 26, None, 26, 1],
    ),
    (
        "month_name",
        [step("MONTH_NAME", sourceColumn="joined", targetColumn="m")],
        "m",
        ["January", "June", None, "June", "December"],
    ),
    (
        "date_format_java_pattern",
        [
            step(
                "DATE_FORMAT",
                sourceColumn="joined",
                dateTimeFormat="yyyy/MM/dd HH:mm",
                targetColumn="f",
            )
        ],
        "f",
        ["2020/01/15 08:30", "2021/06/30 00:00", None, "2021/06/30 00:00", "2019/12/31 00:00"],
    ),
    (
        "format_date_databrew_pattern",
        [step("FORMAT_DATE", sourceColumn="joined", targetDateFormat="mm/dd/yyyy")],
        "joined",
        ["01/15/2020", "06/30/2021", None, "06/30/2021", "12/31/2019"],
    ),
    (
        "unix_time",
        [step("UNIX_TIME", sourceColumn="joined", targetColumn="u")],
        "u",
        [1579077000, 1625011200, None, 1625011200, 1577750400],
    ),
    (
        "date_diff_days",
        [
            step(
                "DATE_DIFF",
                sourceColumn1="joined",
                value2="2021-12-31",
                units="DAYS",
                targetColumn="dd",
            )
        ],
        "dd",
        [716, 184, None, 184, 731],
    ),
    # math and aggregates
    (
        "add_columns",
        [step("ADD", sourceColumn1="age", sourceColumn2="salary", targetColumn="t")],
        "t",
        [130.0, None, None, None, 5030.0],
    ),
    (
        "multiply_value",
        [step("MULTIPLY", sourceColumn1="age", value2="2", targetColumn="t")],
        "t",
        [60.0, None, 90.0, None, 60.0],
    ),
    (
        "divide_by_zero_is_null",
        [step("DIVIDE", sourceColumn1="salary", value2="0", targetColumn="t")],
        "t",
        [None] * 5,
    ),
    ("absolute", [step("ABSOLUTE", value="-3.5", targetColumn="a")], "a", [3.5] * 5),
    (
        "round",
        [step("ROUND", sourceColumn="salary", targetColumn="r")],
        "r",
        [100.0, 200.0, None, 200.0, 5000.0],
    ),
    ("floor", [step("FLOOR", value="2.7", targetColumn="f")], "f", [2.0] * 5),
    ("ceiling", [step("CEILING", value="2.1", targetColumn="c")], "c", [3.0] * 5),
    (
        "sum_aggregate",
        [step("SUM", sourceColumns=J(["salary"]), targetColumn="total")],
        "total",
        [5500.0] * 5,
    ),
    (
        "count_distinct",
        [step("COUNT_DISTINCT", sourceColumns=J(["city"]), targetColumn="n")],
        "n",
        [3] * 5,
    ),
    # encoding and masking
    (
        "categorical_mapping",
        [
            step(
                "CATEGORICAL_MAPPING",
                sourceColumn="city",
                categoryMap=J({"Paris": "FR", "Berlin": "DE"}),
                targetColumn="country",
            )
        ],
        "country",
        ["FR", None, "DE", None, "FR"],
    ),
    (
        "mask_range_doc_example",
        [step("MASK_RANGE", sourceColumns=J(["name"]), maskSymbol="#")],
        "name",
        ["##############", "###", "#####", "###", "####"],
    ),
    (
        "mask_range_keep_ends",
        [step("MASK_RANGE", sourceColumns=J(["city"]), maskSymbol="*", start="1", stop="-1")],
        "city",
        ["P***s", "", "B****n", "", "P***s"],
    ),
    (
        "mask_custom",
        [step("MASK_CUSTOM", sourceColumns=J(["city"]), customValue="ar", maskSymbol="*")],
        "city",
        ["P**is", "", "Berlin", "", "P**is"],
    ),
    (
        "mask_delimiter",
        [
            step(
                "MASK_DELIMITER",
                sourceColumns=J(["joined"]),
                maskSymbol="#",
                startDelimiter="-",
                endDelimiter="-",
            )
        ],
        "joined",
        ["2020-##-15 08:30:00", "2021-##-30", "not a date", "2021-##-30", "2019-##-31"],
    ),
    # types
    (
        "change_data_type_truncates",
        [step("CHANGE_DATA_TYPE", sourceColumn="salary", columnDataType="integer")],
        "salary",
        [100, 200, None, 200, 5000],
    ),
    (
        "to_string_column",
        [step("TO_STRING_COLUMN", sourceColumn="age", columnDataType="string")],
        "age",
        ["30", None, "45", None, "30"],
    ),
    (
        "change_data_type_invalid_is_null",
        [
            step("CHANGE_DATA_TYPE", sourceColumn="joined", columnDataType="timestamp"),
            step("YEAR", sourceColumn="joined", targetColumn="y"),
        ],
        "y",
        [2020, 2021, None, 2021, 2019],
    ),
    # conditions: the action applies only where every condition holds
    (
        "condition_in_place",
        [
            step(
                "UPPER_CASE",
                [{"Condition": "GREATER_THAN", "Value": "40", "TargetColumn": "age"}],
                sourceColumn="name",
            )
        ],
        "name",
        ["  alice smith ", "BOB", "CAROL", "BOB", "dave"],
    ),
    (
        "condition_new_column",
        [
            step(
                "YEAR",
                [{"Condition": "EQUALS", "Value": "Paris", "TargetColumn": "city"}],
                sourceColumn="joined",
                targetColumn="y",
            )
        ],
        "y",
        [2020, None, None, None, 2019],
    ),
    (
        "conditions_are_anded",
        [
            step(
                "FILL_WITH_CUSTOM",
                [
                    {"Condition": "IS_MISSING", "TargetColumn": "age"},
                    {"Condition": "IS_MISSING", "TargetColumn": "city"},
                    {"Condition": "LESS_THAN", "Value": "3", "TargetColumn": "id"},
                ],
                sourceColumn="age",
                value="-1",
            )
        ],
        "age",
        [30, -1, 45, None, 30],
    ),
    (
        "condition_starts_with",
        [
            step(
                "ADD_SUFFIX",
                [{"Condition": "STARTS_WITH", "Value": "20", "TargetColumn": "joined"}],
                sourceColumn="name",
                pattern="*",
            )
        ],
        "name",
        ["  alice smith *", "BOB*", "carol", "BOB*", "dave*"],
    ),
    (
        "condition_matches_is_full_match",
        [
            step(
                "LOWER_CASE",
                [{"Condition": "MATCHES", "Value": "[A-Z]+", "TargetColumn": "name"}],
                sourceColumn="name",
            )
        ],
        "name",
        ["  alice smith ", "bob", "carol", "bob", "dave"],
    ),
    (
        "condition_is_one_of",
        [
            step(
                "FILL_WITH_CUSTOM",
                [{"Condition": "IS_ONE_OF", "Value": J(["2"]), "TargetColumn": "id"}],
                sourceColumn="age",
                value="7",
            )
        ],
        "age",
        [30, 7, 45, None, 30],
    ),
    (
        "condition_is_invalid",
        [
            step(
                "REPLACE_TEXT",
                [{"Condition": "IS_INVALID", "Value": "date", "TargetColumn": "joined"}],
                sourceColumn="name",
                pattern="c",
                value="k",
            )
        ],
        "name",
        ["  alice smith ", "BOB", "karol", "BOB", "dave"],
    ),
]


@pytest.mark.parametrize(
    ("steps", "column", "expected"), [c[1:] for c in COLUMN_CASES], ids=[c[0] for c in COLUMN_CASES]
)
def test_operation_values(
    apply: Apply, steps: list[dict[str, Any]], column: str, expected: list[Any]
) -> None:
    columns, rows = apply(steps)
    values = [row[columns.index(column)] for row in rows]
    if isinstance(expected[0] if expected else None, float):
        assert values == pytest.approx(expected, nan_ok=True)
    else:
        assert values == expected


# (id, steps, expected column order)
LAYOUT_CASES: list[tuple[str, list[dict[str, Any]], list[str]]] = [
    (
        "delete",
        [step("DELETE", sourceColumns=J(["age", "city"]))],
        ["id", "name", "salary", "joined"],
    ),
    (
        "duplicate_after_source",
        [step("DUPLICATE", sourceColumn="age", targetColumn="age_copy")],
        ["id", "name", "age", "age_copy", "city", "salary", "joined"],
    ),
    (
        "rename_in_place",
        [step("RENAME", sourceColumn="city", targetColumn="town")],
        ["id", "name", "age", "town", "salary", "joined"],
    ),
    (
        "move_after",
        [step("MOVE_AFTER", sourceColumn="id", targetColumn="city")],
        ["name", "age", "city", "id", "salary", "joined"],
    ),
    (
        "move_before",
        [step("MOVE_BEFORE", sourceColumn="joined", targetColumn="name")],
        ["id", "joined", "name", "age", "city", "salary"],
    ),
    (
        "move_to_start",
        [step("MOVE_TO_START", sourceColumn="salary")],
        ["salary", "id", "name", "age", "city", "joined"],
    ),
    (
        "move_to_end",
        [step("MOVE_TO_END", sourceColumn="id")],
        ["name", "age", "city", "salary", "joined", "id"],
    ),
    (
        "move_to_index",
        [step("MOVE_TO_INDEX", sourceColumn="joined", targetIndex="1")],
        ["id", "joined", "name", "age", "city", "salary"],
    ),
    (
        "function_result_right_of_source",
        [
            step("YEAR", sourceColumn="joined", targetColumn="y"),
            step("UPPER", sourceColumn="name", targetColumn="u"),
        ],
        ["id", "name", "u", "age", "city", "salary", "joined", "y"],
    ),
    (
        "value_function_at_end",
        [step("ABSOLUTE", value="-1", targetColumn="one")],
        ["id", "name", "age", "city", "salary", "joined", "one"],
    ),
    (
        "split_replaces_source",
        [step("SPLIT_COLUMN_SINGLE_DELIMITER", sourceColumn="joined", pattern="-", limit="2")],
        ["id", "name", "age", "city", "salary", "joined_1", "joined_2", "joined_3"],
    ),
    (
        "merge_replaces_sources",
        [
            step(
                "MERGE_COLUMNS_AND_VALUES",
                sourceColumns=J(["city", "name"]),
                delimiter="/",
                targetColumn="where_who",
            )
        ],
        ["id", "age", "salary", "joined", "where_who"],
    ),
    (
        "one_hot_encoding",
        [step("ONE_HOT_ENCODING", sourceColumn="city")],
        ["id", "name", "age", "city", "city_Berlin", "city_Paris", "salary", "joined"],
    ),
    (
        "group_by_new_frame",
        [
            step(
                "GROUP_BY",
                sourceColumns=J(["city"]),
                useNewDataFrame="true",
                groupByAggFunctionOptions=J(
                    [
                        {
                            "sourceColumnName": "salary",
                            "targetColumnName": "total",
                            "aggregateFunction": "SUM",
                        }
                    ]
                ),
            )
        ],
        ["city", "total"],
    ),
]


@pytest.mark.parametrize(
    ("steps", "expected"), [c[1:] for c in LAYOUT_CASES], ids=[c[0] for c in LAYOUT_CASES]
)
def test_column_order(apply: Apply, steps: list[dict[str, Any]], expected: list[str]) -> None:
    columns, _ = apply(steps)
    assert columns == expected


# (id, steps, expected ids of the remaining rows, in order)
ROW_CASES: list[tuple[str, list[dict[str, Any]], list[int]]] = [
    ("remove_missing", [step("REMOVE_MISSING", sourceColumn="age")], [1, 3, 5]),
    ("remove_missing_empty_string", [step("REMOVE_MISSING", sourceColumn="city")], [1, 3, 5]),
    (
        "remove_invalid",
        [step("REMOVE_INVALID", sourceColumn="joined", columnDataType="timestamp")],
        [1, 2, 4, 5],
    ),
    (
        "remove_duplicates_keeps_first",
        [step("REMOVE_DUPLICATES", sourceColumn="name")],
        [1, 2, 3, 5],
    ),
    (
        "remove_duplicates_age_nulls_equal",
        [step("REMOVE_DUPLICATES", sourceColumn="age")],
        [1, 2, 3],
    ),
    (
        "delete_duplicate_rows",
        [
            step("DUPLICATE", sourceColumn="id", targetColumn="key"),
            step("CHANGE_DATA_TYPE", sourceColumn="key", columnDataType="string"),
            step("DELETE", sourceColumns=J(["name"])),
            step("DELETE_DUPLICATE_ROWS"),
            step("SORT", expressions=J([{"sourceColumn": "key"}])),
        ],
        [1, 2, 3, 4, 5],
    ),
    (
        "remove_outliers_iqr",
        [step("REMOVE_OUTLIERS", sourceColumn="salary", outlierStrategy="IQR", threshold="1.5")],
        [1, 2, 3, 4],
    ),
    (
        "remove_values_filter",
        [
            step(
                "REMOVE_VALUES",
                [{"Condition": "EQUALS", "Value": "Paris", "TargetColumn": "city"}],
                sourceColumn="city",
            )
        ],
        [2, 3, 4],
    ),
    (
        "sort_desc_nulls_bottom",
        [
            step(
                "SORT",
                expressions=J(
                    [
                        {
                            "sourceColumn": "salary",
                            "ordering": "DESCENDING",
                            "nullsOrdering": "NULLS_BOTTOM",
                        },
                        {"sourceColumn": "id", "ordering": "ASCENDING"},
                    ]
                ),
            )
        ],
        [5, 2, 4, 1, 3],
    ),
    (
        "order_kept_after_window_steps",
        [
            step("SORT", expressions=J([{"sourceColumn": "id", "ordering": "DESCENDING"}])),
            step("REMOVE_DUPLICATES", sourceColumn="name"),
        ],
        [5, 4, 3, 1],
    ),
    (
        "categorical_mapping_delete_other_rows",
        [
            step(
                "CATEGORICAL_MAPPING",
                sourceColumn="city",
                categoryMap=J({"Paris": "FR"}),
                targetColumn="c",
                deleteOtherRows="true",
            )
        ],
        [1, 5],
    ),
]


@pytest.mark.parametrize(
    ("steps", "expected"), [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES]
)
def test_rows_kept(apply: Apply, steps: list[dict[str, Any]], expected: list[int]) -> None:
    columns, rows = apply(steps)
    assert [row[columns.index("id")] for row in rows] == expected


def test_split_doc_example_include_in_split(apply: Apply) -> None:
    steps = [
        step(
            "SPLIT_COLUMN_SINGLE_DELIMITER",
            includeInSplit="true",
            limit="1",
            pattern="-",
            sourceColumn="joined",
        )
    ]
    columns, rows = apply(steps)
    assert [r[columns.index("joined_1")] for r in rows][:2] == ["2020-", "2021-"]
    assert [r[columns.index("joined_2")] for r in rows][:3] == ["01-15 08:30:00", "06-30", None]


def test_split_multiple_delimiters(apply: Apply) -> None:
    options = J(
        [{"pattern": "-", "includeInSplit": False}, {"pattern": " ", "includeInSplit": False}]
    )
    columns, rows = apply(
        [
            step(
                "SPLIT_COLUMN_MULTIPLE_DELIMITER",
                sourceColumn="joined",
                patternOptions=options,
                limit="3",
            )
        ]
    )
    assert rows[0][columns.index("joined_1") :] == ("2020", "01", "15", "08:30:00")
    assert rows[2][columns.index("joined_1") :] == ("not", "a", "date", None)


def test_group_by_values_in_first_occurrence_order(apply: Apply) -> None:
    options = J(
        [
            {"sourceColumnName": "salary", "targetColumnName": "total", "aggregateFunction": "SUM"},
            {"sourceColumnName": "id", "targetColumnName": "n", "aggregateFunction": "COUNT"},
        ]
    )
    _, rows = apply(
        [
            step(
                "GROUP_BY",
                sourceColumns=J(["city"]),
                useNewDataFrame="true",
                groupByAggFunctionOptions=options,
            )
        ]
    )
    assert rows == [("Paris", 5100.0, 2), ("", 400.0, 2), ("Berlin", None, 1)]


def test_cryptographic_hash_is_sha256_hex(apply: Apply) -> None:
    columns, rows = apply(
        [step("CRYPTOGRAPHIC_HASH", sourceColumns=J(["city"]), secretId="s3cret")]
    )
    import hashlib

    assert rows[0][columns.index("city")] == hashlib.sha256(b"s3cretParis").hexdigest()
