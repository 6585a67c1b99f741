"""Reading catalog tables: SerDes, header skip, NULL formats, partitions, pruning."""

from __future__ import annotations

import gzip

import pytest

pytestmark = pytest.mark.integration

CSV = 'id,name,amount\n1,"Smith, J",10.5\n2,NA,\n3,"say ""hi""",7\n'
PIPE = "1|a|\\N\n2||5\n"


@pytest.fixture(scope="module")
def db(athena):
    name = athena.database("tables")
    loc = athena.location("opencsv")
    athena.put(loc + "part-0.csv", CSV)
    athena.put(loc + "_SUCCESS", "")
    athena.run(
        f"""CREATE EXTERNAL TABLE {name}.opencsv (id string, name string, amount string)
        ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
        WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '\\\\')
        STORED AS TEXTFILE LOCATION '{loc}'
        TBLPROPERTIES ('skip.header.line.count' = '1')"""
    )
    loc = athena.location("pipe")
    athena.put(loc + "a/data.txt.gz", gzip.compress(PIPE.encode()))
    athena.run(
        f"""CREATE EXTERNAL TABLE {name}.pipe (id int, name string, qty bigint)
        ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION '{loc}'"""
    )
    loc = athena.location("parts")
    for year, month, rows in [
        ("2013", "01", "a,1\nb,2\n"),
        ("2013", "02", "c,3\n"),
        ("2014", "01", "d,4\n"),
    ]:
        athena.put(f"{loc}year={year}/month={month}/f.csv", rows)
    athena.run(
        f"""CREATE EXTERNAL TABLE {name}.parts (k string, v int)
        PARTITIONED BY (year string, month string)
        ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{loc}'"""
    )
    athena.run(f"MSCK REPAIR TABLE {name}.parts")
    loc = athena.location("json")
    athena.put(loc + "x.json", '{"a": 1, "b": "x", "c": [1, 2]}\n{"a": 2, "b": null, "c": []}\n')
    athena.run(
        f"""CREATE EXTERNAL TABLE {name}.js (a int, b string, c array<int>)
        ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION '{loc}'"""
    )
    return name


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "SELECT * FROM opencsv ORDER BY id",
            [["1", "Smith, J", "10.5"], ["2", "NA", ""], ["3", 'say "hi"', "7"]],
            id="opencsv-quotes-no-nulls-header-skipped",
        ),
        pytest.param(
            "SELECT id, name, qty, typeof(qty) FROM pipe ORDER BY id",
            [["1", "a", None, "bigint"], ["2", "", "5", "bigint"]],
            id="lazysimple-gzip-null-format-typed",
        ),
        pytest.param(
            "SELECT k, v, year, month FROM parts ORDER BY k",
            [
                ["a", "1", "2013", "01"],
                ["b", "2", "2013", "01"],
                ["c", "3", "2013", "02"],
                ["d", "4", "2014", "01"],
            ],
            id="partition-columns-exposed",
        ),
        pytest.param(
            "SELECT k FROM parts WHERE year = '2013' AND month = '02'",
            [["c"]],
            id="partition-predicate",
        ),
        pytest.param(
            "SELECT a, b, c, cardinality(c) FROM js ORDER BY a",
            [["1", "x", "[1, 2]", "2"], ["2", None, "[]", "0"]],
            id="json-lines",
        ),
    ],
)
def test_reads(athena, db, sql, expected):
    assert athena.rows(sql, database=db) == expected


def test_partition_pruning_reads_only_matching_partitions(athena, db):
    everything = athena.run("SELECT count(*) FROM parts", database=db)
    pruned = athena.run("SELECT count(*) FROM parts WHERE year = '2014'", database=db)
    assert pruned.text_rows() == [["1"]]
    assert 0 < pruned.data_scanned_bytes < everything.data_scanned_bytes


def test_partitions_registered_by_msck(athena, db):
    assert athena.rows(f"SHOW PARTITIONS {db}.parts") == [
        ["year=2013/month=01"],
        ["year=2013/month=02"],
        ["year=2014/month=01"],
    ]


@pytest.fixture(scope="module")
def pushed(athena):
    """Partitions p (string) x n (int); every row says which partition it is in."""
    name = athena.database("pushdown")
    loc = athena.location("pushdown")
    for p in ("a", "b", "c"):
        for n in (1, 2, 3):
            athena.put(f"{loc}p={p}/n={n}/f.csv", f"{p}{n}\n")
    athena.run(
        f"CREATE EXTERNAL TABLE {name}.t (k string) PARTITIONED BY (p string, n int) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{loc}'"
    )
    athena.run(f"MSCK REPAIR TABLE {name}.t")
    return name


# Partition filters Glue evaluates (GetPartitions Expression) and ones only the engine can:
# the rows must be the same either way.
@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param("p = 'a'", ["a1", "a2", "a3"], id="string-equals"),
        pytest.param("p IN ('a', 'c') AND n = 2", ["a2", "c2"], id="in-and-int-equals"),
        pytest.param("n BETWEEN 2 AND 3 AND p <> 'b'", ["a2", "a3", "c2", "c3"], id="between"),
        pytest.param("p > 'a' AND n < 2", ["b1", "c1"], id="ranges"),
        pytest.param("p = 'a' OR n = 3", ["a1", "a2", "a3", "b3", "c3"], id="or-across-keys"),
        pytest.param("upper(p) = 'B' AND n >= 3", ["b3"], id="function-local-only"),
        pytest.param("\"p\" = 'c' AND k LIKE 'c%'", ["c1", "c2", "c3"], id="quoted-key"),
    ],
)
def test_partition_filters_pushed_to_glue_keep_the_same_rows(athena, pushed, where, expected):
    assert athena.rows(f"SELECT k FROM {pushed}.t WHERE {where} ORDER BY k") == [
        [k] for k in expected
    ]
