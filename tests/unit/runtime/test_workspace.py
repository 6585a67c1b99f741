"""The workspace: object keys stay inside it, the lake round-trips, lake.duckdb has views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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


TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde"


def _text_table(
    name: str,
    columns: list[tuple[str, str]],
    serde: str,
    params: dict[str, str],
    location: str,
    keys: tuple[str, ...] = (),
    header: bool = True,
) -> dict[str, Any]:
    return {
        "Name": name,
        "Parameters": {
            "classification": "csv",
            **({"skip.header.line.count": "1"} if header else {}),
        },
        "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": location,
            "InputFormat": TEXT_INPUT,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": params},
        },
        "Partitions": [],
    }


def _query(workspace: Workspace, sql: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    with duckdb.connect(str(workspace.database), read_only=True) as con:
        result = con.execute(sql)
        rows = result.fetchall()
        types = [str(c[1]) for c in result.description]
    return rows, types


def test_raw_csv_views_use_the_catalogue_columns_types_and_serde(tmp_path: Path) -> None:
    """The raw classifier catalogues every column as string: the view shows the text as Athena
    does ('007' stays '007', NA stays 'NA'), with the table's delimiter, quote and header."""
    workspace = Workspace(tmp_path / "ws").create()
    raw = workspace.lake / "raw-bucket" / "raw" / "flights" / "year=2013" / "month=01"
    raw.mkdir(parents=True)
    (raw / "f.csv").write_text("carrier,flight,dep_delay\nUA,007,NA\nAA,1,\nB6,12,3,extra\nDL\n")
    flights = _text_table(
        "flights",
        [("carrier", "string"), ("flight", "string"), ("dep_delay", "string")],
        LAZY,
        {"field.delim": ","},
        "s3://raw-bucket/raw/flights/",
        keys=("year", "month"),
    )
    flights["Partitions"] = [
        {
            "Values": ["2013", "01"],
            "StorageDescriptor": {"Location": "s3://raw-bucket/raw/flights/year=2013/month=01/"},
        }
    ]
    quoted = workspace.lake / "raw-bucket" / "raw" / "airlines"
    quoted.mkdir(parents=True)
    (quoted / "a.csv").write_text("code;name\n'9E';'Endeavor; Air'\n'AA';''\n")
    airlines = _text_table(
        "airlines",
        [("code", "string"), ("name", "string")],
        OPEN_CSV,
        {"separatorChar": ";", "quoteChar": "'"},
        "s3://raw-bucket/raw/airlines/",
    )
    typed = workspace.lake / "raw-bucket" / "typed"
    typed.mkdir(parents=True)
    (typed / "t.txt").write_text("1|2.5|2013-01-01\nx|bad|\\N\n")
    numbers = _text_table(
        "numbers",
        [("n", "bigint"), ("d", "double"), ("day", "date")],
        LAZY,
        {"field.delim": "|"},
        "s3://raw-bucket/typed/",
        header=False,
    )
    committed = _text_table(  # committed, no run has written data yet
        "flights_daily",
        [("flights", "bigint"), ("delay", "decimal(10,2)")],
        LAZY,
        {},
        "s3://raw-bucket/analytics/flights_daily/",
        keys=("year", "month"),
    )
    orc_folder = workspace.lake / "raw-bucket" / "orc"
    orc_folder.mkdir(parents=True)
    (orc_folder / "part-0.orc").write_bytes(b"ORC\x00binary")
    orc = _text_table(
        "orc_t",
        [("n", "bigint")],
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
        {},
        "s3://raw-bucket/orc/",
        header=False,
    )
    orc["StorageDescriptor"]["InputFormat"] = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
    catalog = {
        "databases": [
            {"Name": "raw", "Tables": [flights, airlines, numbers]},
            {"Name": "analytics", "Tables": [committed, orc]},  # ORC: no view, not garbage
        ]
    }

    assert sorted(build_lake_database(workspace, catalog)) == [
        "analytics.flights_daily",
        "raw.airlines",
        "raw.flights",
        "raw.numbers",
    ]
    rows, types = _query(workspace, "SELECT * FROM analytics.flights_daily")
    assert (rows, types) == ([], ["BIGINT", "DECIMAL(10,2)", "VARCHAR", "VARCHAR"])
    rows, types = _query(workspace, "SELECT * FROM raw.flights ORDER BY carrier")
    assert types == ["VARCHAR"] * 5
    assert rows == [
        ("AA", "1", "", "2013", "01"),  # LazySimpleSerDe: an empty field is '' (only \\N is NULL)
        ("B6", "12", "3", "2013", "01"),  # extra fields are ignored
        ("DL", None, None, "2013", "01"),  # missing fields are NULL
        ("UA", "007", "NA", "2013", "01"),  # text as written: no type sniffing, NA is text
    ]
    rows, types = _query(workspace, "SELECT * FROM raw.airlines ORDER BY code")
    assert types == ["VARCHAR", "VARCHAR"]
    assert rows == [("9E", "Endeavor; Air"), ("AA", "")]
    rows, types = _query(workspace, "SELECT * FROM raw.numbers ORDER BY n NULLS LAST")
    assert types == ["BIGINT", "DOUBLE", "DATE"]
    assert rows == [(1, 2.5, dt.date(2013, 1, 1)), (None, None, None)]  # bad values: NULL
