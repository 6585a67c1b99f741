"""The workspace: object keys stay inside it, the lake round-trips, lake.duckdb has views."""

from __future__ import annotations

import duckdb
import pytest
from etl_local.context import LocalContext
from etl_local.workspace import (
    UnsafeKey,
    Workspace,
    build_lake_database,
    dump_catalog,
    key_from_relative_path,
    restore_catalog,
    safe_relative_path,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("raw/flights/year=2013/f.csv", "b/raw/flights/year=2013/f.csv"),
        ("a/../../etc/passwd", "b/a/%2E%2E/%2E%2E/etc/passwd"),
        ("a/./b", "b/a/%2E/b"),
        ("nul\x00byte", "b/nul%00byte"),
        ("tab\tand\nnewline", "b/tab%09and%0Anewline"),
        ("50%/x", "b/50%25/x"),
        ("back\\slash", "b/back%5Cslash"),
        ("a//b", "b/a/%00empty/b"),
    ],
    ids=["plain", "dotdot", "dot", "nul", "control", "percent", "backslash", "empty-segment"],
)
def test_keys_map_inside_the_bucket_folder(key: str, expected: str) -> None:
    path = safe_relative_path("b", key)
    assert path.as_posix() == expected
    assert ".." not in path.parts and not path.is_absolute()
    assert key_from_relative_path(path) == ("b", key)


@pytest.mark.parametrize("key", ["/etc/passwd", ""], ids=["absolute", "empty"])
def test_refused_keys(key: str) -> None:
    with pytest.raises(UnsafeKey):
        safe_relative_path("b", key)


@pytest.fixture(scope="module")
def lake(ctx: LocalContext, tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    tmp_path = tmp_path_factory.mktemp("lake")
    s3, glue = ctx.client("s3"), ctx.client("glue")
    bucket = "workspace-lake"
    s3.create_bucket(Bucket=bucket)
    duckdb.sql(
        "COPY (SELECT 1 AS id, 'a' AS name UNION ALL SELECT 2, 'b') TO "
        f"'{tmp_path / 'part.parquet'}' (FORMAT parquet)"
    )
    for month in ("01", "02"):
        s3.upload_file(
            str(tmp_path / "part.parquet"), bucket, f"t/_runs/r{month}/month={month}/p.parquet"
        )
    s3.put_object(Bucket=bucket, Key="t/../escape.txt", Body=b"x")
    glue.create_database(DatabaseInput={"Name": "ws_db"})
    glue.create_table(
        DatabaseName="ws_db",
        TableInput={
            "Name": "t",
            "PartitionKeys": [{"Name": "month", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "name", "Type": "string"}],
                "Location": f"s3://{bucket}/t/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        },
    )
    for month in ("01", "02"):
        glue.create_partition(
            DatabaseName="ws_db",
            TableName="t",
            PartitionInput={
                "Values": [month],
                "StorageDescriptor": {
                    "Location": f"s3://{bucket}/t/_runs/r{month}/month={month}/",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    },
                },
            },
        )
    return Workspace(tmp_path / ".etl-local").create(), bucket


def test_export_builds_views_per_table(ctx: LocalContext, lake: tuple[Workspace, str]) -> None:
    workspace, bucket = lake
    written = workspace.export_objects(ctx.client("s3"), [bucket])
    assert written == 3
    assert (workspace.lake / bucket / "t" / "%2E%2E" / "escape.txt").read_bytes() == b"x"
    assert workspace.export_objects(ctx.client("s3"), [bucket]) == 0  # unchanged: not rewritten
    glue = ctx.client("glue")
    glue.create_table(
        DatabaseName="ws_db",
        TableInput={
            "Name": "no_rows",
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "n", "Type": "bigint"},
                    {"Name": "d", "Type": "decimal(10,2)"},
                ],
                "Location": f"s3://{bucket}/no_rows/",
            },
        },
    )
    catalog = dump_catalog(glue)
    assert sorted(build_lake_database(workspace, catalog)) == ["ws_db.no_rows", "ws_db.t"]
    with duckdb.connect(str(workspace.database), read_only=True) as con:
        rows = con.execute(
            "SELECT month, count(*), sum(id) FROM ws_db.t GROUP BY 1 ORDER BY 1"
        ).fetchall()
        empty = con.execute("SELECT n, d FROM ws_db.no_rows").description
        count = con.execute("SELECT count(*) FROM ws_db.no_rows").fetchone()
    assert rows == [("01", 2, 3), ("02", 2, 3)]
    assert [c[0] for c in empty] == ["n", "d"] and count == (0,)


def test_catalog_round_trip(ctx: LocalContext, lake: tuple[Workspace, str]) -> None:
    workspace, _ = lake
    glue = ctx.client("glue")
    workspace.save_catalog(dump_catalog(glue))
    glue.delete_table(DatabaseName="ws_db", Name="t")
    assert restore_catalog(glue, workspace.load_catalog()) >= 1
    partitions = glue.get_partitions(DatabaseName="ws_db", TableName="t")["Partitions"]
    assert sorted(p["Values"][0] for p in partitions) == ["01", "02"]
