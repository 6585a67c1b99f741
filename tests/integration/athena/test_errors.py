"""Athena's error names and messages, with the line:column of the offending name."""

from __future__ import annotations

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        pytest.param(
            "SELECT nope FROM (SELECT 1 AS a)",
            "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
            id="unknown-column",
        ),
        pytest.param(
            "SELECT a,\n       missing_col\nFROM (SELECT 1 AS a)",
            "COLUMN_NOT_FOUND: line 2:8: Column 'missing_col' cannot be resolved",
            id="unknown-column-second-line",
        ),
        pytest.param(
            "SELECT * FROM default.no_such_table",
            "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.default.no_such_table' does not exist",
            id="unknown-table",
        ),
        pytest.param(
            "SELECT 1 FROM\n  no_such_table",
            "TABLE_NOT_FOUND: line 2:3: Table 'awsdatacatalog.default.no_such_table' does not exist",
            id="unknown-table-default-database",
        ),
        pytest.param(
            "SELECT no_such_fn(1)",
            "FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_fn' not registered",
            id="unknown-function",
        ),
        pytest.param(
            "SELECT 1; SELECT 2",
            "SYNTAX_ERROR: Only one sql statement is allowed. Got: 2",
            id="two-statements",
        ),
        pytest.param(
            "SELECT CAST('x' AS integer)",
            "INVALID_CAST_ARGUMENT: Cannot cast 'x' to INT",
            id="bad-cast",
        ),
    ],
)
def test_error_reason(athena, sql, reason):
    with pytest.raises(AthenaQueryError) as err:
        athena.engine.execute(sql)
    assert err.value.reason == reason


def test_syntax_error_has_position(athena):
    with pytest.raises(AthenaQueryError) as err:
        athena.engine.execute("SELECT FROM WHERE")
    assert err.value.name == "SYNTAX_ERROR"
    assert err.value.message.startswith("line 1:")


@pytest.mark.parametrize(
    ("name", "category", "error_type"),
    [
        ("SYNTAX_ERROR", 2, 1006),
        ("HIVE_PATH_ALREADY_EXISTS", 2, 1003),
        ("GENERIC_INTERNAL_ERROR", 1, 200),
    ],
)
def test_athena_error_fields(name, category, error_type):
    fields = AthenaQueryError(name, "m").athena_error()
    assert (fields["ErrorCategory"], fields["ErrorType"]) == (category, error_type)
