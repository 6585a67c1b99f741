"""EXPLAIN / EXPLAIN ANALYZE in Athena's shape (options, result columns, errors); the plan
text is the local engine's. Syntax and options: Athena's "Using EXPLAIN and EXPLAIN ANALYZE"."""

from __future__ import annotations

import json

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def table(athena):
    db = athena.database("explain")
    loc = athena.location("explain")
    athena.put(loc + "f.csv", "a,1\nb,2\n")
    athena.run(
        f"CREATE EXTERNAL TABLE {db}.t (k string, v int) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{loc}'"
    )
    return f"{db}.t"


@pytest.mark.parametrize(
    "options", ["", "(TYPE LOGICAL)", "(TYPE DISTRIBUTED, FORMAT TEXT)", "(FORMAT GRAPHVIZ)"]
)
def test_explain_answers_one_query_plan_row_and_scans_nothing(athena, table, options):
    result = athena.run(f"EXPLAIN {options} SELECT k, sum(v) FROM {table} GROUP BY k")
    assert (result.statement_type, result.substatement_type) == ("UTILITY", "EXPLAIN")
    assert [c.name for c in result.columns] == ["Query Plan"]
    ((plan,),) = result.rows
    assert plan.strip()
    assert result.data_scanned_bytes == 0


def test_explain_format_json_is_json(athena, table):
    ((plan,),) = athena.run(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table}").rows
    assert json.loads(plan)


def test_explain_validate_answers_valid_true(athena, table):
    result = athena.run(f"EXPLAIN (TYPE VALIDATE) SELECT k FROM {table}")
    assert [(c.name, c.duckdb_type) for c in result.columns] == [("Valid", "BOOLEAN")]
    assert result.rows == [(True,)]


def test_explain_validate_fails_with_the_statement_error_at_its_position(athena, table):
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"EXPLAIN (TYPE VALIDATE) SELECT nope FROM {table}")
    assert err.value.name == "COLUMN_NOT_FOUND"
    assert err.value.message.startswith("line 1:32: Column 'nope' cannot be resolved")


def test_explain_io_lists_tables_read_and_written(athena, table):
    database, name = table.split(".")
    sql = f"EXPLAIN (TYPE IO, FORMAT JSON) CREATE TABLE {database}.out AS SELECT k FROM {table}"
    ((plan,),) = athena.run(sql).rows
    io = json.loads(plan)
    assert io["inputTableColumnInfos"] == [
        {
            "table": {
                "catalog": "awsdatacatalog",
                "schemaTable": {"schema": database, "table": name},
            },
            "columnConstraints": [],
        }
    ]
    assert io["outputTable"]["schemaTable"] == {"schema": database, "table": "out"}
    assert [t["Name"] for t in athena.glue.get_tables(DatabaseName=database)["TableList"]] == ["t"]


def test_explain_analyze_runs_the_query_and_scans_its_data(athena, table):
    result = athena.run(f"EXPLAIN ANALYZE SELECT count(*) FROM {table}")
    ((plan,),) = result.rows
    assert "Total Time" in plan
    assert result.data_scanned_bytes == len("a,1\nb,2\n")


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        pytest.param("EXPLAIN ANALYZE (TYPE LOGICAL) SELECT 1", "NOT_SUPPORTED", id="analyze-type"),
        pytest.param(
            "EXPLAIN ANALYZE (FORMAT GRAPHVIZ) SELECT 1", "NOT_SUPPORTED", id="analyze-graphviz"
        ),
        pytest.param("EXPLAIN (TYPE IO) SELECT 1", "NOT_SUPPORTED", id="io-needs-json"),
        pytest.param("EXPLAIN (FORMAT XML) SELECT 1", "SYNTAX_ERROR", id="unknown-format"),
        pytest.param("EXPLAIN (TYPE LOGICAL, TYPE IO) SELECT 1", "SYNTAX_ERROR", id="duplicate"),
        pytest.param("EXPLAIN SELECT * FROM default.no_such", "TABLE_NOT_FOUND", id="no-table"),
    ],
)
def test_explain_errors(athena, sql, name):
    with pytest.raises(AthenaQueryError) as err:
        athena.run(sql)
    assert err.value.name == name
