"""Athena's write rules not covered elsewhere: one line per rule, the exact error name."""

from __future__ import annotations

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def db(athena):
    name = athena.database("rules")
    athena.run(f"CREATE TABLE {name}.src WITH (format = 'PARQUET') AS SELECT 1 AS a, 'x' AS b")
    athena.run(f"CREATE VIEW {name}.v AS SELECT a FROM {name}.src")
    athena.put("s3://athena-t-lake/rules_occupied/f.csv", "1\n")
    return name


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        pytest.param(
            "CREATE TABLE {db}.ice WITH (table_type = 'ICEBERG') AS SELECT 1 AS a",
            "NOT_SUPPORTED",
            id="iceberg-not-local",
        ),
        pytest.param(
            "CREATE TABLE {db}.b1 WITH (bucketed_by = ARRAY['a']) AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            id="bucketed-by-without-count",
        ),
        pytest.param(
            "CREATE TABLE {db}.b2 WITH (bucketed_by = ARRAY['z'], bucket_count = 2) "
            "AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            id="unknown-bucket-column",
        ),
        pytest.param(
            "CREATE TABLE {db}.p1 WITH (partitioned_by = ARRAY['a']) AS SELECT 1 AS a",
            "NOT_SUPPORTED",
            id="only-partition-columns",
        ),
        pytest.param(
            "CREATE TABLE {db}.d1 AS SELECT 1 AS a, 2 AS a",
            "DUPLICATE_COLUMN_NAME",
            id="duplicate-column",
        ),
        pytest.param(
            "CREATE TABLE {db}.f1 WITH (format = 'XML') AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            id="unknown-format",
        ),
        pytest.param("INSERT INTO {db}.src SELECT 1", "TYPE_MISMATCH", id="insert-column-count"),
        pytest.param("INSERT INTO {db}.v SELECT 1", "NOT_SUPPORTED", id="insert-into-view"),
        pytest.param(
            "UNLOAD (SELECT 1 AS a) TO 's3://athena-t-lake/rules_occupied/'",
            "HIVE_PATH_ALREADY_EXISTS",
            id="unload-into-non-empty",
        ),
        pytest.param(
            "UNLOAD (SELECT 1 AS a) TO 's3://athena-t-lake/rules_u/' WITH (nope = 'x')",
            "INVALID_TABLE_PROPERTY",
            id="unload-unknown-property",
        ),
        pytest.param(
            "CREATE TABLE nodb_rules.t AS SELECT 1 AS a", "SCHEMA_NOT_FOUND", id="ctas-no-schema"
        ),
    ],
)
def test_write_rules(athena, db, sql, name):
    with pytest.raises(AthenaQueryError) as err:
        athena.run(sql.format(db=db))
    assert err.value.name == name
