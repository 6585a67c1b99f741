"""Queries run concurrently, as in Athena, and Athena's write rules still hold between them."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration

RESULTS = {"OutputLocation": "s3://athena-t-results/concurrent/"}
# Long enough (hundreds of millions of rows) to still run while a second query starts.
SLOW = (
    "SELECT sum(a * b) AS s FROM UNNEST(sequence(1, 30000)) AS x(a) "
    "CROSS JOIN UNNEST(sequence(1, 30000)) AS y(b)"
)


def start(athena, sql: str, database: str = "default") -> str:
    return athena.start_query_execution(
        QueryString=sql,
        ResultConfiguration=RESULTS,
        QueryExecutionContext={"Database": database},
    )["QueryExecutionId"]


def state(athena, query_id: str) -> dict:
    return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]


def finish(athena, query_id: str, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = state(athena, query_id)
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"query {query_id} did not finish")


@pytest.fixture(scope="module")
def athena(plane):
    return plane.client("athena")


def test_a_short_query_is_not_queued_behind_a_long_one(athena):
    slow = start(athena, SLOW)
    quick = start(athena, "SELECT 1")
    try:
        assert finish(athena, quick)["State"] == "SUCCEEDED"
        assert state(athena, slow)["State"] == "RUNNING"
    finally:
        athena.stop_query_execution(QueryExecutionId=slow)
    assert finish(athena, slow)["State"] == "CANCELLED"


def _ctas(database: str, name: str, location: str) -> str:
    """A CTAS that takes a moment: the second one starts while the first still runs."""
    return (
        f"CREATE TABLE {database}.{name} WITH (external_location = '{location}') "
        "AS SELECT sum(a * b) AS s FROM UNNEST(sequence(1, 3000)) AS x(a) "
        "CROSS JOIN UNNEST(sequence(1, 3000)) AS y(b)"
    )


def test_two_concurrent_ctas_into_one_location_one_fails_path_already_exists(plane, athena):
    database = "concurrent_loc"
    plane.ctx.client("glue").create_database(DatabaseInput={"Name": database})
    location = "s3://athena-t-lake/concurrent_same_location/"
    first = start(athena, _ctas(database, "a", location), database)
    second = start(athena, _ctas(database, "b", location), database)
    outcomes = sorted(
        (status["State"], status.get("StateChangeReason", "").split(":")[0])
        for status in (finish(athena, first), finish(athena, second))
    )
    assert outcomes == [("FAILED", "HIVE_PATH_ALREADY_EXISTS"), ("SUCCEEDED", "")]


def test_two_concurrent_ctas_of_one_table_one_fails_table_already_exists(plane, athena):
    glue = plane.ctx.client("glue")
    database = "concurrent_name"
    glue.create_database(DatabaseInput={"Name": database})
    locations = [f"s3://athena-t-lake/concurrent_name_{i}/" for i in range(2)]
    ids = [start(athena, _ctas(database, "same", loc), database) for loc in locations]
    statuses = [finish(athena, query_id) for query_id in ids]
    outcomes = sorted((s["State"], s.get("StateChangeReason", "").split(":")[0]) for s in statuses)
    assert outcomes == [("FAILED", "TABLE_ALREADY_EXISTS"), ("SUCCEEDED", "")]
    table = glue.get_table(DatabaseName=database, Name="same")["Table"]
    winner = table["StorageDescriptor"]["Location"]
    loser = next(loc for loc in locations if loc != winner)
    bucket, _, prefix = loser[5:].partition("/")
    s3 = plane.ctx.client("s3")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)


def test_concurrent_inserts_into_one_new_partition_all_succeed(plane, athena):
    glue = plane.ctx.client("glue")
    database = "concurrent_insert"
    glue.create_database(DatabaseInput={"Name": database})
    location = "s3://athena-t-lake/concurrent_insert/"
    first = start(
        athena,
        f"CREATE TABLE {database}.t WITH (external_location = '{location}', "
        "partitioned_by = ARRAY['p']) AS SELECT 0 AS x, 'old' AS p",
        database,
    )
    assert finish(athena, first)["State"] == "SUCCEEDED"
    ids = [
        start(athena, f"INSERT INTO {database}.t VALUES ({i}, 'new')", database) for i in range(4)
    ]
    assert [finish(athena, query_id)["State"] for query_id in ids] == ["SUCCEEDED"] * 4
    count = start(athena, f"SELECT count(*) FROM {database}.t WHERE p = 'new'", database)
    assert finish(athena, count)["State"] == "SUCCEEDED"
    assert plane.api.result(count).rows == [(4,)]


def test_registering_an_existing_partition_if_not_exists_is_no_error(athena_engine_catalog):
    catalog, database = athena_engine_catalog
    partition = catalog.partitions(database, "t")[0]
    catalog.add_partitions(database, "t", [partition], if_not_exists=True)
    with pytest.raises(ClientError) as err:
        catalog.add_partitions(database, "t", [partition])
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"


@pytest.fixture
def athena_engine_catalog(plane):
    from etl_local.athena.catalog import GlueCatalog

    glue = plane.ctx.client("glue")
    database = "partition_exists"
    glue.create_database(DatabaseInput={"Name": database})
    descriptor = {"Columns": [{"Name": "x", "Type": "int"}], "Location": "s3://athena-t-lake/pe/"}
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "t",
            "StorageDescriptor": descriptor,
            "PartitionKeys": [{"Name": "p", "Type": "string"}],
        },
    )
    glue.create_partition(
        DatabaseName=database,
        TableName="t",
        PartitionInput={"Values": ["a"], "StorageDescriptor": descriptor},
    )
    return GlueCatalog(glue), database
