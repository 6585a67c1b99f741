"""SerDe properties as Hive's SerDes apply them: JSON key matching, malformed lines, escapes.

Athena documents the OpenX JSON SerDe properties (case.insensitive, mapping.*, dots.in.keys,
ignore.malformed.json) on its "OpenX JSON SerDe" page, LazySimpleSerDe's on "LazySimpleSerDe
for CSV, TSV, and custom-delimited files".
"""

from __future__ import annotations

import pytest
from etl_local.athena.errors import AthenaQueryError

pytestmark = pytest.mark.integration

OPENX = "org.openx.data.jsonserde.JsonSerDe"
HIVE_JSON = "org.apache.hive.hcatalog.data.JsonSerDe"


def json_table(athena, lines: str, columns: str, serde: str = OPENX, props: str = "") -> str:
    db = athena.database("serde")
    loc = athena.location("serde_json")
    athena.put(loc + "data.json", lines)
    properties = f"WITH SERDEPROPERTIES ({props})" if props else ""
    athena.run(
        f"CREATE EXTERNAL TABLE {db}.t ({columns}) ROW FORMAT SERDE '{serde}' {properties} "
        f"LOCATION '{loc}'"
    )
    return db


@pytest.mark.parametrize("serde", [OPENX, HIVE_JSON], ids=["openx", "hive"])
def test_json_keys_match_columns_ignoring_case(athena, serde):
    db = json_table(
        athena,
        '{"UserId": 1, "NAME": "a"}\n{"userid": 2, "Name": "b"}\n',
        "userid int, name string",
        serde,
    )
    assert athena.rows(f"SELECT userid, name FROM {db}.t ORDER BY 1") == [["1", "a"], ["2", "b"]]


def test_openx_case_sensitive_keys_with_mapping(athena):
    db = json_table(
        athena,
        '{"userId": 1, "userid": 9, "Name": "a"}\n',
        "userid int, name string, alias int",
        props="'case.insensitive' = 'FALSE', 'mapping.alias' = 'userId'",
    )
    # case-sensitive: 'Name' is not 'name'; the mapping reads the exact key
    assert athena.rows(f"SELECT userid, name, alias FROM {db}.t") == [["9", None, "1"]]


def test_openx_mapping_reads_another_key(athena):
    db = json_table(
        athena,
        '{"ts": "2024-01-02", "v": 3}\n',
        "event_time string, v int",
        props="'mapping.event_time' = 'ts'",
    )
    assert athena.rows(f"SELECT event_time, v FROM {db}.t") == [["2024-01-02", "3"]]


def test_openx_dots_in_keys_read_as_underscores(athena):
    db = json_table(
        athena, '{"a.b": 5, "c": 1}\n', "a_b int, c int", props="'dots.in.keys' = 'TRUE'"
    )
    assert athena.rows(f"SELECT a_b, c FROM {db}.t") == [["5", "1"]]


def test_dots_in_keys_off_by_default(athena):
    db = json_table(athena, '{"a.b": 5, "c": 1}\n', "a_b int, c int")
    assert athena.rows(f"SELECT a_b, c FROM {db}.t") == [[None, "1"]]


@pytest.mark.parametrize("serde", [OPENX, HIVE_JSON], ids=["openx", "hive"])
def test_a_malformed_json_line_fails_the_query(athena, serde):
    db = json_table(athena, '{"a": 1}\nnot json\n', "a int", serde)
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"SELECT a FROM {db}.t")
    assert err.value.name == "HIVE_CURSOR_ERROR"
    assert err.value.message.startswith("Row is not a valid JSON Object")


def test_openx_ignore_malformed_json_reads_the_line_as_nulls(athena):
    db = json_table(
        athena,
        '{"a": 1}\nnot json\n{"a": 3}\n',
        "a int",
        props="'ignore.malformed.json' = 'true'",
    )
    assert athena.rows(f"SELECT a FROM {db}.t ORDER BY a") == [["1"], ["3"], [None]]


def test_keys_equal_ignoring_case_are_a_duplicate_key(athena):
    db = json_table(athena, '{"a": 1, "A": 2}\n', "a int")
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"SELECT a FROM {db}.t")
    assert err.value.name == "HIVE_CURSOR_ERROR"
    assert "Duplicate key" in err.value.message


def test_json_nested_and_typed_values(athena):
    db = json_table(
        athena,
        '{"id": "7", "tags": ["x", "y"], "attrs": {"k": 1}, "obj": {"p": true}}\n',
        "id bigint, tags array<string>, attrs map<string,int>, obj string",
    )
    assert athena.rows(f"SELECT id, tags, attrs['k'], obj FROM {db}.t") == [
        ["7", "[x, y]", "1", '{"p":true}']
    ]


def delimited_table(athena, body: str, row_format: str, columns: str = "a string, b int") -> str:
    db = athena.database("serde")
    loc = athena.location("serde_text")
    athena.put(loc + "data.txt", body)
    athena.run(f"CREATE EXTERNAL TABLE {db}.t ({columns}) {row_format} LOCATION '{loc}'")
    return db


def test_lazy_simple_escaped_delimiter_stays_in_the_field(athena):
    db = delimited_table(
        athena,
        "x\\,y,1\nback\\\\slash,2\nplain,3\n",
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' ESCAPED BY '\\\\'",
    )
    assert athena.rows(f"SELECT a, b FROM {db}.t ORDER BY b") == [
        ["x,y", "1"],
        ["back\\slash", "2"],
        ["plain", "3"],
    ]


def test_lazy_simple_without_escape_splits_at_every_delimiter(athena):
    db = delimited_table(
        athena, "x\\,y,1\n", "ROW FORMAT DELIMITED FIELDS TERMINATED BY ','", "a string, b string"
    )
    assert athena.rows(f"SELECT a, b FROM {db}.t") == [["x\\", "y"]]


@pytest.mark.parametrize(
    ("row_format", "body"),
    [
        pytest.param(
            "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' NULL DEFINED AS 'NA'",
            "NA|1\n\\N|2\n|NA\n",
            id="null-defined-as",
        ),
        pytest.param(
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "
            "WITH SERDEPROPERTIES ('field.delim' = '|', 'serialization.null.format' = 'NA', "
            "'escape.delim' = '\\\\')",
            "NA|1\n\\N|2\n|NA\n",
            id="serde-properties-with-escape",
        ),
    ],
)
def test_lazy_simple_serialization_null_format(athena, row_format, body):
    db = delimited_table(athena, body, row_format)
    # only the null format is NULL: Hive's default \N and the empty string are text then
    rows = athena.rows(f"SELECT a, b FROM {db}.t ORDER BY b NULLS LAST")
    assert rows == [[None, "1"], ["N" if "escape" in row_format else "\\N", "2"], ["", None]]
