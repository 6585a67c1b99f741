"""CTAS and INSERT INTO: files written, the Glue registration Athena makes, Athena's rules."""

from __future__ import annotations

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration

SOURCE = "SELECT * FROM (VALUES (1, 'a', 2013, 1), (2, 'b', 2013, 2), (3, 'c', 2014, 1)) AS t(id, name, year, month)"


@pytest.fixture(scope="module")
def db(athena):
    return athena.database("ctas")


@pytest.fixture(scope="module")
def flights(athena, db):
    location = athena.location("flights_typed")
    result = athena.run(
        f"""CREATE TABLE {db}.typed WITH (format = 'PARQUET', external_location = '{location}',
        partitioned_by = ARRAY['year', 'month'], write_compression = 'SNAPPY') AS {SOURCE}"""
    )
    return location, result


def test_ctas_reports_rows_written(flights):
    _, result = flights
    assert result.text_rows() == [["3"]]
    assert [c.name for c in result.columns] == ["rows"]


def test_ctas_writes_hive_partition_folders(athena, flights):
    location, _ = flights
    folders = sorted({k.rsplit("/", 1)[0].split("/", 1)[1] for k in athena.keys(location)})
    assert folders == ["year=2013/month=1", "year=2013/month=2", "year=2014/month=1"]


def test_ctas_registers_table_as_athena_does(athena, db, flights):
    location, _ = flights
    table = athena.glue.get_table(DatabaseName=db, Name="typed")["Table"]
    storage = table["StorageDescriptor"]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"]["classification"] == "parquet"
    assert table["Parameters"]["parquet.compression"] == "SNAPPY"
    assert storage["Columns"] == [{"Name": "id", "Type": "int"}, {"Name": "name", "Type": "string"}]
    assert table["PartitionKeys"] == [
        {"Name": "year", "Type": "int"},
        {"Name": "month", "Type": "int"},
    ]
    assert storage["Location"] == location
    assert storage["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert (
        storage["OutputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    )
    assert storage["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    partitions = athena.glue.get_partitions(DatabaseName=db, TableName="typed")["Partitions"]
    by_values = {tuple(p["Values"]): p["StorageDescriptor"]["Location"] for p in partitions}
    assert by_values == {
        ("2013", "1"): f"{location}year=2013/month=1/",
        ("2013", "2"): f"{location}year=2013/month=2/",
        ("2014", "1"): f"{location}year=2014/month=1/",
    }


def test_ctas_table_reads_back(athena, db, flights):
    rows = athena.rows(
        f"SELECT id, name, year, month FROM {db}.typed WHERE year = 2013 ORDER BY id"
    )
    assert rows == [["1", "a", "2013", "1"], ["2", "b", "2013", "2"]]


def test_insert_into_appends_and_adds_partitions(athena, db):
    location = athena.location("ins")
    athena.run(
        f"CREATE TABLE {db}.ins WITH (external_location = '{location}', partitioned_by = ARRAY['year']) "
        "AS SELECT 1 AS id, 2013 AS year"
    )
    result = athena.run(
        f"INSERT INTO {db}.ins SELECT * FROM (VALUES (2, 2013), (3, 2014)) AS t(id, year)"
    )
    assert result.text_rows() == [["2"]]
    assert athena.rows(f"SELECT id, year FROM {db}.ins ORDER BY id") == [
        ["1", "2013"],
        ["2", "2013"],
        ["3", "2014"],
    ]
    assert athena.rows(f"SHOW PARTITIONS {db}.ins") == [["year=2013"], ["year=2014"]]


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [
        pytest.param("JSON", "", id="json"),
        pytest.param("TEXTFILE", ", field_delimiter = '|'", id="textfile-delimited"),
        pytest.param("PARQUET", ", write_compression = 'ZSTD'", id="parquet-zstd"),
        pytest.param("ORC", "", id="orc-through-arrow"),
        pytest.param("AVRO", ", write_compression = 'BZIP2'", id="avro-through-arrow"),
    ],
)
def test_ctas_formats_round_trip(athena, db, fmt, extra):
    name = f"fmt_{fmt.lower()}_{len(extra)}"
    location = athena.location(name)
    athena.run(
        f"CREATE TABLE {db}.{name} WITH (format = '{fmt}', external_location = '{location}'{extra}) "
        "AS SELECT 1 AS id, 'x' AS s, CAST(NULL AS varchar) AS n, DATE '2020-01-02' AS d"
    )
    assert athena.rows(f"SELECT id, s, n, d FROM {db}.{name}") == [["1", "x", None, "2020-01-02"]]


@pytest.mark.parametrize(
    ("sql", "name", "message"),
    [
        pytest.param(
            "CREATE TABLE {db}.nonempty WITH (external_location = 's3://athena-t-lake/occupied/') AS SELECT 1 AS a",
            "HIVE_PATH_ALREADY_EXISTS",
            "Target directory for table '{db}.nonempty' already exists: s3://athena-t-lake/occupied/",
            id="non-empty-location",
        ),
        pytest.param(
            "CREATE TABLE {db}.typed AS SELECT 1 AS a",
            "TABLE_ALREADY_EXISTS",
            "line 1:1: Table 'awsdatacatalog.{db}.typed' already exists",
            id="existing-table",
        ),
        pytest.param(
            "CREATE TABLE {db}.many WITH (external_location = 's3://athena-t-lake/many/', partitioned_by = ARRAY['p']) "
            "AS SELECT x, x AS p FROM UNNEST(sequence(1, 101)) AS t(x)",
            "HIVE_TOO_MANY_OPEN_PARTITIONS",
            "Exceeded limit of 100 open writers for partitions/buckets",
            id="101-partitions",
        ),
        pytest.param(
            "CREATE TABLE {db}.order WITH (external_location = 's3://athena-t-lake/order/', partitioned_by = ARRAY['p']) "
            "AS SELECT 1 AS p, 2 AS x",
            "HIVE_COLUMN_ORDER_MISMATCH",
            "Partition keys must be the last columns in the table and in the same order as the table properties: [p]",
            id="partition-not-last",
        ),
        pytest.param(
            "CREATE TABLE {db}.ion WITH (format = 'ION', external_location = 's3://athena-t-lake/ion/') AS SELECT 1 AS a",
            "NOT_SUPPORTED",
            "Writing ION is not supported",
            id="ion-not-writable-locally",
        ),
        pytest.param(
            "CREATE TABLE {db}.delim WITH (format = 'PARQUET', field_delimiter = ',') AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            "Cannot specify field_delimiter table property for storage format: PARQUET",
            id="textfile-property-on-parquet",
        ),
        pytest.param(
            "CREATE TABLE {db}.nokey WITH (partitioned_by = ARRAY['nope']) AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            "Partition columns [nope] not present in schema",
            id="unknown-partition-column",
        ),
        pytest.param(
            "CREATE TABLE {db}.prop WITH (colour = 'blue') AS SELECT 1 AS a",
            "INVALID_TABLE_PROPERTY",
            "Catalog 'awsdatacatalog' table property 'colour' does not exist",
            id="unknown-property",
        ),
    ],
)
def test_ctas_rules(athena, db, flights, sql, name, message):
    athena.put("s3://athena-t-lake/occupied/file.parquet", b"x")
    with pytest.raises(AthenaQueryError) as err:
        athena.run(sql.format(db=db))
    assert err.value.name == name
    assert message.format(db=db) in err.value.message


def test_too_many_partitions_leaves_no_table_and_no_files(athena, db):
    assert athena.glue.get_tables(DatabaseName=db, Expression="many")["TableList"] == []
    assert athena.keys("s3://athena-t-lake/many/") == []


def test_insert_into_a_partition_registered_elsewhere_lands_there(athena, db):
    location = athena.location("relocated")
    athena.run(
        f"CREATE TABLE {db}.relocated WITH (external_location = '{location}', partitioned_by = ARRAY['p']) "
        "AS SELECT 1 AS id, 'a' AS p"
    )
    elsewhere = athena.location("run_a")
    athena.run(f"ALTER TABLE {db}.relocated PARTITION (p = 'a') SET LOCATION '{elsewhere}'")
    athena.run(f"INSERT INTO {db}.relocated SELECT 2, 'a'")
    assert athena.rows(f"SELECT id FROM {db}.relocated WHERE p = 'a'") == [["2"]]
    assert len(athena.keys(elsewhere)) == 1


@pytest.mark.parametrize("fmt", ["ORC", "AVRO"])
def test_arrow_formats_partitioned_and_insert(athena, db, fmt):
    name = f"part_{fmt.lower()}"
    location = athena.location(name)
    athena.run(
        f"CREATE TABLE {db}.{name} WITH (format = '{fmt}', external_location = '{location}', "
        f"partitioned_by = ARRAY['p']) AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(x, p)"
    )
    athena.run(f"INSERT INTO {db}.{name} VALUES (3, 'a')")
    assert athena.rows(f"SELECT x, p FROM {db}.{name} ORDER BY x") == [
        ["1", "a"],
        ["2", "b"],
        ["3", "a"],
    ]
    assert athena.rows(f"SHOW PARTITIONS {db}.{name}") == [["p=a"], ["p=b"]]


def test_unload_writes_files_without_a_table(athena, db):
    location = athena.location("unload")
    result = athena.run(
        f"UNLOAD (SELECT x, p FROM (VALUES (1, 'a'), (2, 'b')) AS t(x, p)) TO '{location}' "
        "WITH (format = 'JSON', compression = 'GZIP', partitioned_by = ARRAY['p'])"
    )
    assert result.text_rows() == [["2"]]
    folders = sorted(key.rsplit("/", 2)[1] for key in athena.keys(location))
    assert folders == ["p=a", "p=b"]
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"UNLOAD (SELECT 1 AS x) TO '{location}'")
    assert err.value.name == "HIVE_PATH_ALREADY_EXISTS"


def test_date_arithmetic_on_a_table_column_keeps_date_type(athena, db):
    location = athena.location("dated")
    athena.run(
        f"CREATE TABLE {db}.dated WITH (external_location = '{location}') AS SELECT DATE '2013-01-31' AS d"
    )
    result = athena.run(
        f"SELECT date_add('month', 1, d) AS next, d + INTERVAL '1' DAY AS tomorrow FROM {db}.dated"
    )
    assert result.text_rows() == [["2013-02-28", "2013-02-01"]]
    assert [c.column_info()["Type"] for c in result.columns] == ["date", "date"]


def test_ctas_without_location_writes_under_the_result_location(athena, db):
    result = athena.run(f"CREATE TABLE {db}.placed AS SELECT 1 AS x")
    table = athena.glue.get_table(DatabaseName=db, Name="placed")["Table"]
    assert table["StorageDescriptor"]["Location"].startswith(f"{athena.results}tables/")
    assert result.written_files[0].startswith(table["StorageDescriptor"]["Location"])


def test_ctas_with_no_data_creates_an_empty_table(athena, db):
    athena.run(f"CREATE TABLE {db}.shape AS SELECT 1 AS x, 'a' AS y WITH NO DATA")
    columns = athena.glue.get_table(DatabaseName=db, Name="shape")["Table"]["StorageDescriptor"][
        "Columns"
    ]
    assert columns == [{"Name": "x", "Type": "int"}, {"Name": "y", "Type": "string"}]
    assert athena.rows(f"SELECT count(*) FROM {db}.shape") == [["0"]]


@pytest.mark.parametrize("fmt", ["PARQUET", "ORC"])
def test_ctas_of_no_rows_writes_no_files(athena, db, fmt):
    location = athena.location(f"nothing_{fmt}")
    result = athena.run(
        f"CREATE TABLE {db}.nothing_{fmt.lower()} WITH (format = '{fmt}', external_location = '{location}') "
        "AS SELECT 1 AS x WHERE false"
    )
    assert result.text_rows() == [["0"]]
    assert athena.keys(location) == []
    assert athena.rows(f"SELECT count(*) FROM {db}.nothing_{fmt.lower()}") == [["0"]]


def test_bucketed_ctas_writes_hive_buckets(athena, db):
    location = athena.location("bucketed")
    athena.run(
        f"CREATE TABLE {db}.bucketed WITH (external_location = '{location}', bucketed_by = ARRAY['id'], "
        "bucket_count = 4, partitioned_by = ARRAY['p']) "
        "AS SELECT x AS id, 'v' || CAST(x AS varchar) AS v, 'a' AS p FROM UNNEST(sequence(1, 20)) AS t(x)"
    )
    storage = athena.glue.get_table(DatabaseName=db, Name="bucketed")["Table"]["StorageDescriptor"]
    assert (storage["NumberOfBuckets"], storage["BucketColumns"]) == (4, ["id"])
    names = [key.rsplit("/", 1)[1] for key in athena.keys(location)]
    assert sorted(n[:6] for n in names) == ["000000", "000001", "000002", "000003"]
    rows = athena.rows(f'SELECT "$path" FROM {db}.bucketed LIMIT 0') if False else None
    assert rows is None
    assert athena.rows(f"SELECT count(*), sum(id) FROM {db}.bucketed") == [["20", "210"]]
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"INSERT INTO {db}.bucketed SELECT 21, 'v21', 'a'")
    assert err.value.message == "INSERT INTO is not supported on bucketed tables"


# Athena engine v3 "Hive compression support": Avro writes BZIP2, DEFLATE, SNAPPY, ZSTD, NONE.
@pytest.mark.parametrize(
    ("compression", "codec"),
    [
        ("SNAPPY", "snappy"),
        ("ZSTD", "zstandard"),
        ("DEFLATE", "deflate"),
        ("BZIP2", "bzip2"),
        ("NONE", "null"),
    ],
)
def test_ctas_avro_write_compression(athena, db, compression, codec):
    import io

    import fastavro

    name = f"avro_{compression.lower()}"
    location = athena.location(name)
    athena.run(
        f"CREATE TABLE {db}.{name} WITH (format = 'AVRO', write_compression = '{compression}', "
        f"external_location = '{location}') AS SELECT 7 AS id, 'x' AS s"
    )
    assert athena.rows(f"SELECT id, s FROM {db}.{name}") == [["7", "x"]]
    (key,) = athena.keys(location)
    bucket = location[5:].partition("/")[0]
    body = athena.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert fastavro.reader(io.BytesIO(body)).codec == codec
    table = athena.glue.get_table(DatabaseName=db, Name=name)["Table"]
    assert table["Parameters"]["avro.compression"] == compression


@pytest.mark.parametrize(
    ("fmt", "compression", "name", "message"),
    [
        pytest.param(
            "AVRO", "GZIP", "HIVE_UNSUPPORTED_FORMAT",
            "Compression codec GZIP not supported for AVRO", id="avro-gzip",
        ),
        pytest.param(
            "PARQUET", "LZ4", "HIVE_UNSUPPORTED_FORMAT",
            "Compression codec LZ4 not supported for Parquet", id="parquet-lz4",
        ),
        pytest.param(
            "ORC", "GZIP", "HIVE_UNSUPPORTED_FORMAT",
            "Compression codec GZIP not supported for ORC", id="orc-gzip",
        ),
        pytest.param(
            "PARQUET", "FAST", "INVALID_TABLE_PROPERTY",
            "Catalog 'awsdatacatalog' table property 'write_compression' value 'FAST' is invalid",
            id="unknown-codec",
        ),
        pytest.param(
            "TEXTFILE", "BZIP2", "NOT_SUPPORTED",
            "Writing TEXTFILE with BZIP2 compression is not supported by the local engine "
            "(it writes GZIP, NONE, ZSTD)",
            id="athena-writes-it-the-local-engine-does-not",
        ),
    ],
)  # fmt: skip
def test_ctas_write_compression_errors(athena, db, fmt, compression, name, message):
    location = athena.location("bad_codec")
    with pytest.raises(AthenaQueryError) as err:
        athena.run(
            f"CREATE TABLE {db}.bad_codec WITH (format = '{fmt}', write_compression = "
            f"'{compression}', external_location = '{location}') AS SELECT 1 AS a"
        )
    assert (err.value.name, err.value.message) == (name, message)
    assert athena.keys(location) == []
