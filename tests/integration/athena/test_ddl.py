"""DDL and utility statements: databases, tables, views, partitions, SHOW, DESCRIBE."""

from __future__ import annotations

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def db(athena):
    name = athena.database("ddl")
    location = athena.location("events")
    athena.put(f"{location}dt=2020-01-01/a.csv", "1,x\n2,y\n")
    athena.put(f"{location}dt=2020-01-02/a.csv", "3,z\n")
    athena.run(
        f"CREATE EXTERNAL TABLE {name}.events (id int, tag string) PARTITIONED BY (dt string) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{location}'"
    )
    return name, location


def test_create_and_drop_database(athena):
    athena.run("CREATE DATABASE IF NOT EXISTS ddl_made")
    assert ["ddl_made"] in athena.rows("SHOW DATABASES LIKE 'ddl_m*'")
    athena.run("DROP DATABASE ddl_made")
    assert athena.rows("SHOW DATABASES LIKE 'ddl_m*'") == []


def test_add_partition_then_query(athena, db):
    name, location = db
    athena.run(
        f"ALTER TABLE {name}.events ADD IF NOT EXISTS PARTITION (dt = '2020-01-01') PARTITION (dt = '2020-01-02')"
    )
    assert athena.rows(f"SHOW PARTITIONS {name}.events") == [["dt=2020-01-01"], ["dt=2020-01-02"]]
    assert athena.rows(f"SELECT count(*) FROM {name}.events") == [["3"]]


def test_partition_set_location_and_drop(athena, db):
    name, location = db
    athena.run(f"ALTER TABLE {name}.events ADD IF NOT EXISTS PARTITION (dt = '2020-01-01')")
    moved = athena.location("moved")
    athena.put(f"{moved}b.csv", "9,moved\n")
    athena.run(f"ALTER TABLE {name}.events PARTITION (dt = '2020-01-01') SET LOCATION '{moved}'")
    assert athena.rows(f"SELECT id, tag FROM {name}.events WHERE dt = '2020-01-01'") == [
        ["9", "moved"]
    ]
    athena.run(f"ALTER TABLE {name}.events DROP IF EXISTS PARTITION (dt = '2020-01-01')")
    assert athena.rows(f"SELECT count(*) FROM {name}.events WHERE dt = '2020-01-01'") == [["0"]]


def test_table_set_location(athena, db):
    name, _ = db
    location = athena.location("flat")
    athena.put(f"{location}f.csv", "1\n2\n")
    athena.run(f"CREATE EXTERNAL TABLE {name}.flat (n int) LOCATION 's3://athena-t-lake/nowhere/'")
    assert athena.rows(f"SELECT count(*) FROM {name}.flat") == [["0"]]
    athena.run(f"ALTER TABLE {name}.flat SET LOCATION '{location}'")
    assert athena.rows(f"SELECT sum(n) FROM {name}.flat") == [["3"]]


def test_show_columns_and_describe(athena, db):
    name, _ = db
    assert athena.rows(f"SHOW COLUMNS IN {name}.events") == [["id"], ["tag"], ["dt"]]
    described = athena.rows(f"DESCRIBE {name}.events")
    assert described[:3] == [["id", "int", ""], ["tag", "string", ""], ["dt", "string", ""]]
    assert ["# Partition Information", None, None] in described


def test_add_and_replace_columns(athena, db):
    name, _ = db
    location = athena.location("evolve")
    athena.put(f"{location}e.csv", "1,a\n")
    athena.run(
        f"CREATE EXTERNAL TABLE {name}.evolve (n int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{location}'"
    )
    athena.run(f"ALTER TABLE {name}.evolve ADD COLUMNS (s string)")
    assert athena.rows(f"SELECT n, s FROM {name}.evolve") == [["1", "a"]]
    athena.run(f"ALTER TABLE {name}.evolve REPLACE COLUMNS (only_n int)")
    assert athena.rows(f"SHOW COLUMNS IN {name}.evolve") == [["only_n"]]


def test_show_tblproperties_and_views(athena, db):
    name, _ = db
    athena.run(f"CREATE OR REPLACE VIEW {name}.v1 AS SELECT 1 AS one")
    assert athena.rows(f"SHOW VIEWS IN {name}") == [["v1"]]
    assert ["EXTERNAL", "TRUE"] in athena.rows(f"SHOW TBLPROPERTIES {name}.events")


def test_show_create_table_recreates_the_table(athena, db):
    name, location = db
    text = "\n".join(row[0] for row in athena.rows(f"SHOW CREATE TABLE {name}.events"))
    assert text.startswith(f"CREATE EXTERNAL TABLE `{name}`.`events`(")
    athena.run(f"DROP TABLE {name}.events")
    athena.run(text)
    athena.run(f"MSCK REPAIR TABLE {name}.events")
    assert athena.rows(f"SELECT count(*) FROM {name}.events WHERE dt = '2020-01-02'") == [["1"]]


def test_views_are_stored_as_presto_views_and_queryable(athena, db):
    name, _ = db
    athena.run(
        f"CREATE OR REPLACE VIEW {name}.tagged AS SELECT tag, count(*) AS n FROM {name}.events GROUP BY tag"
    )
    table = athena.glue.get_table(DatabaseName=name, Name="tagged")["Table"]
    assert table["TableType"] == "VIRTUAL_VIEW"
    assert table["ViewOriginalText"].startswith("/* Presto View: ")
    assert athena.rows(f"SELECT n FROM {name}.tagged WHERE tag = 'z'") == [["1"]]
    athena.run(f"DROP VIEW {name}.tagged")
    assert athena.glue.get_tables(DatabaseName=name, Expression="tagged")["TableList"] == []


def test_drop_external_table_keeps_data(athena, db):
    name, _ = db
    location = athena.location("kept")
    athena.put(f"{location}k.csv", "1\n")
    athena.run(f"CREATE EXTERNAL TABLE {name}.kept (n int) LOCATION '{location}'")
    athena.run(f"DROP TABLE {name}.kept")
    athena.run(f"DROP TABLE IF EXISTS {name}.kept")
    assert athena.keys(location) == [location.split("/", 3)[3] + "k.csv"]


def test_msck_repair_adds_only_new_partitions(athena, db):
    name, location = db
    athena.put(f"{location}dt=2020-01-03/c.csv", "4,w\n")
    athena.run(f"MSCK REPAIR TABLE {name}.events")
    assert ["dt=2020-01-03"] in athena.rows(f"SHOW PARTITIONS {name}.events")


@pytest.mark.parametrize(
    ("sql", "name", "message"),
    [
        pytest.param(
            "CREATE EXTERNAL TABLE {db}.events (a int) LOCATION 's3://athena-t-lake/x/'",
            "AlreadyExistsException",
            "Table events already exists",
            id="create-existing-table",
        ),
        pytest.param(
            "DROP TABLE {db}.missing",
            "SemanticException",
            "Table not found {db}.missing",
            id="drop-missing-table",
        ),
        pytest.param(
            "CREATE TABLE {db}.managed (a int)",
            "NOT_SUPPORTED",
            "Only external tables are supported",
            id="non-external-hive-table",
        ),
        pytest.param(
            "ALTER TABLE {db}.events DROP PARTITION (dt = '1999-01-01')",
            "SemanticException",
            "Partition not found",
            id="drop-missing-partition",
        ),
        pytest.param(
            "DROP DATABASE {db}",
            "InvalidOperationException",
            "is not empty",
            id="drop-non-empty-database",
        ),
        pytest.param(
            "SELECT * FROM nodb.t",
            "SCHEMA_NOT_FOUND",
            "line 1:15: Schema 'nodb' does not exist",
            id="unknown-schema",
        ),
    ],
)
def test_ddl_errors(athena, db, sql, name, message):
    with pytest.raises(AthenaQueryError) as err:
        athena.run(sql.format(db=db[0]))
    assert err.value.name == name
    assert message.format(db=db[0]) in err.value.message


def test_concurrent_create_external_table_if_not_exists_is_a_no_op(athena, db):
    """Several runs landing at once all create the committed tables; none may fail."""
    from concurrent.futures import ThreadPoolExecutor

    name, _ = db
    location = athena.location("raced")
    sql = f"CREATE EXTERNAL TABLE IF NOT EXISTS {name}.raced (n int) LOCATION '{location}'"
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: athena.run(sql), range(12)))
    assert athena.rows(f"SHOW TABLES IN {name} 'raced'") == [["raced"]]
    with pytest.raises(AthenaQueryError, match="already exists"):
        athena.run(f"CREATE EXTERNAL TABLE {name}.raced (n int) LOCATION '{location}'")
