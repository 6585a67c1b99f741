"""Glue's built-in CSV classifier, one behaviour per row (AWS Glue developer guide,
"Built-in CSV classifier": delimiters, header heuristics, types, SerDe)."""

from __future__ import annotations

import pytest
from etl_local.glue.classifiers import classify_bytes
from etl_local.glue.classifiers.csvfmt import LAZY_SIMPLE, OPEN_CSV

pytestmark = pytest.mark.unit

# (id, file content, expected (name, type) columns)
SCHEMAS = [
    (
        "header-types",
        "id,name,score,ok\n1,a,1.5,true\n2,b,2,false\n",
        [("id", "bigint"), ("name", "string"), ("score", "double"), ("ok", "boolean")],
    ),
    ("na-among-numbers-is-string", "a,b\n1,2\nNA,3\n", [("a", "string"), ("b", "bigint")]),
    ("empty-value-keeps-type", "a,b\n1,\n2,3\n", [("a", "bigint"), ("b", "bigint")]),
    (
        "dates-stay-string",
        "d,t,n\n2013-01-01,2013-01-01 05:00:00,1\n2013-01-02,2013-01-02 06:00:00,2\n",
        [("d", "string"), ("t", "string"), ("n", "bigint")],
    ),
    ("all-strings-no-header", "x,y\na,b\nc,d\n", [("col0", "string"), ("col1", "string")]),
    ("numeric-first-row-no-header", "1,2\n3,4\n", [("col0", "bigint"), ("col1", "bigint")]),
    (
        "names-lower-cased",
        "Carrier,Flight Num\nUA,1\nAA,2\n",
        [("carrier", "string"), ("flight num", "bigint")],
    ),
    (
        "bigint-overflow-is-double",
        "a,b\n99999999999999999999,x\n1,y\n",
        [("a", "double"), ("b", "string")],
    ),
    ("negative-and-exponent", "a,b\n-1,1e3\n+2,-2.5E-1\n", [("a", "bigint"), ("b", "double")]),
    ("boolean-any-case", "a,b\nTRUE,1\nfalse,2\n", [("a", "boolean"), ("b", "bigint")]),
    (
        "long-header-value-is-data",
        "a" * 150 + ",b\n1,2\n3,4\n",
        [("col0", "string"), ("col1", "string")],
    ),
]


@pytest.mark.parametrize(("text", "columns"), [s[1:] for s in SCHEMAS], ids=[s[0] for s in SCHEMAS])
def test_csv_schema(text: str, columns: list[tuple[str, str]]) -> None:
    found = classify_bytes(text.encode(), complete=True)
    assert found.classification == "csv"
    assert found.columns == columns


# (id, content, delimiter, serde, header skipped)
FORMATS = [
    ("comma", "a,b\n1,2\n3,4\n", ",", LAZY_SIMPLE, True),
    ("pipe", "a|b\n1|2\n3|4\n", "|", LAZY_SIMPLE, True),
    ("tab", "a\tb\n1\t2\n3\t4\n", "\t", LAZY_SIMPLE, True),
    ("semicolon", "a;b\n1;2\n3;4\n", ";", LAZY_SIMPLE, True),
    ("ctrl-a", "a\x01b\n1\x012\n3\x014\n", "\x01", LAZY_SIMPLE, True),
    ("quoted-values-open-csv", 'a,b\n"x, y",2\n"z",4\n', ",", OPEN_CSV, True),
    ("headerless", "a,b\nc,d\n", ",", LAZY_SIMPLE, False),
]


@pytest.mark.parametrize(
    ("text", "delimiter", "serde", "header"), [f[1:] for f in FORMATS], ids=[f[0] for f in FORMATS]
)
def test_csv_format(text: str, delimiter: str, serde: str, header: bool) -> None:
    found = classify_bytes(text.encode(), complete=True)
    assert found.storage is not None
    assert found.storage.serde == serde
    assert found.parameters["delimiter"] == delimiter
    assert ("skip.header.line.count" in found.parameters) == header


def test_quoted_serde_parameters() -> None:
    found = classify_bytes(b'a,b\n"x",1\n"y",2\n', complete=True)
    assert found.storage is not None
    assert found.storage.serde_parameters == {"separatorChar": ",", "quoteChar": '"'}
    assert found.columns == [("a", "string"), ("b", "bigint")]


NOT_CSV = [
    ("one-column", "a\n1\n2\n"),
    ("one-row", "a,b\n"),
    ("ragged-rows", "a,b\n1,2,3\n4\n"),
    ("binary-garbage", "\x00\x01\x02\x03"),
]


@pytest.mark.parametrize("text", [n[1] for n in NOT_CSV], ids=[n[0] for n in NOT_CSV])
def test_unclassifiable_is_unknown(text: str) -> None:
    assert classify_bytes(text.encode(), complete=True).classification == "UNKNOWN"


def test_truncated_sample_drops_partial_last_line() -> None:
    data = b"a,b\n1,x\n2,y\n3,NA-but-cut"
    found = classify_bytes(data[:-8], complete=False)
    assert found.columns == [("a", "bigint"), ("b", "string")]
    assert found.records == 2


def test_non_utf8_bytes_still_classify_as_strings() -> None:
    found = classify_bytes("name,n\ncaf\xe9,1\nna\xefve,2\n".encode("latin-1"), complete=True)
    assert found.classification == "csv"
    assert found.columns == [("name", "string"), ("n", "bigint")]


@pytest.mark.parametrize("codec", ["gzip", "bz2"])
def test_compressed_csv(codec: str) -> None:
    import bz2
    import gzip

    compress = {"gzip": gzip.compress, "bz2": bz2.compress}[codec]
    found = classify_bytes(compress(b"a,b\n1,x\n2,y\n"), complete=True)
    assert found.classification == "csv"
    assert found.compression == {"gzip": "gzip", "bz2": "bzip2"}[codec]
    assert found.columns == [("a", "bigint"), ("b", "string")]


def test_corrupt_gzip_is_unknown() -> None:
    assert classify_bytes(b"\x1f\x8b\x08\x00garbage", complete=True).classification == "UNKNOWN"
