"""awswrangler, unmodified, against the local plane: the client data engineers actually use."""

from __future__ import annotations

from collections.abc import Iterator

import awswrangler as wr
import boto3
import pytest

pytestmark = pytest.mark.integration

OUTPUT = "s3://athena-t-results/wrangler/"


@pytest.fixture(scope="module")
def session(plane) -> Iterator[boto3.Session]:
    endpoint = plane.ctx.endpoint_url
    names = ("athena_endpoint_url", "s3_endpoint_url", "glue_endpoint_url", "sts_endpoint_url")
    previous = {n: getattr(wr.config, n) for n in names}
    for name in names:
        setattr(wr.config, name, endpoint)
    yield boto3.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    )
    for name, value in previous.items():
        setattr(wr.config, name, value)


@pytest.fixture(scope="module")
def database(plane, session) -> str:
    name = "wrangler_db"
    location = "s3://athena-t-lake/wrangler/cities/"
    plane.client("s3").put_object(
        Bucket="athena-t-lake",
        Key="wrangler/cities/c.csv",
        Body=b"1,Paris,2.1\n2,Oslo,0.7\n3,Lima,\n",
    )
    wr.catalog.create_database(name, exist_ok=True, boto3_session=session)
    wr.catalog.create_csv_table(
        database=name,
        table="cities",
        path=location,
        columns_types={"id": "int", "name": "string", "population": "double"},
        boto3_session=session,
    )
    return name


@pytest.mark.parametrize(
    "ctas_approach", [pytest.param(False, id="result-csv"), pytest.param(True, id="ctas-parquet")]
)
def test_read_sql_query(session, database, ctas_approach):
    frame = wr.athena.read_sql_query(
        "SELECT id, name, population FROM cities ORDER BY id",
        database=database,
        ctas_approach=ctas_approach,
        s3_output=OUTPUT,
        boto3_session=session,
    )
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame["name"].tolist() == ["Paris", "Oslo", "Lima"]
    assert frame["population"].tolist()[:2] == [2.1, 0.7]
    assert frame["population"].isna().tolist() == [False, False, True]


def test_start_and_wait_query(session, database):
    query_id = wr.athena.start_query_execution(
        "SELECT count(*) AS n FROM cities",
        database=database,
        s3_output=OUTPUT,
        boto3_session=session,
    )
    response = wr.athena.wait_query(query_execution_id=query_id, boto3_session=session)
    assert response["Status"]["State"] == "SUCCEEDED"


def test_catalog_sees_tables_created_by_ctas(session, database):
    wr.athena.start_query_execution(
        "CREATE TABLE big_cities WITH (format = 'PARQUET', external_location = "
        "'s3://athena-t-lake/wrangler/big_cities/') AS SELECT id, name FROM cities WHERE population > 1",
        database=database,
        s3_output=OUTPUT,
        wait=True,
        boto3_session=session,
    )
    types = wr.catalog.get_table_types(database=database, table="big_cities", boto3_session=session)
    assert types == {"id": "int", "name": "string"}
    frame = wr.s3.read_parquet("s3://athena-t-lake/wrangler/big_cities/", boto3_session=session)
    assert frame["name"].tolist() == ["Paris"]
