"""Custom CSV classifiers (CreateClassifier's CsvClassifier) ahead of the built-in ones."""

from __future__ import annotations

from typing import Any

import pytest
from etl_local.glue.classifiers import classify_bytes, custom_classifiers
from etl_local.glue.classifiers.csvfmt import LAZY_SIMPLE, OPEN_CSV

pytestmark = pytest.mark.unit

CASES = [
    (
        "header-present-all-strings",
        {"ContainsHeader": "PRESENT"},
        "carrier,name\n9E,Endeavor\nAA,American\n",
        [("carrier", "string"), ("name", "string")],
        True,
    ),
    (
        "built-in-would-say-col0",
        {},
        "carrier,name\n9E,Endeavor\nAA,American\n",
        [("col0", "string"), ("col1", "string")],
        False,
    ),
    (
        "header-absent",
        {"ContainsHeader": "ABSENT"},
        "a,b\n1,2\n3,4\n",
        [("col0", "string"), ("col1", "string")],
        False,
    ),
    (
        "explicit-names",
        {"ContainsHeader": "ABSENT", "Header": ["X", "y"]},
        "1,2\n3,4\n",
        [("x", "bigint"), ("y", "bigint")],
        False,
    ),
    (
        "own-delimiter",
        {"Delimiter": "#", "ContainsHeader": "PRESENT"},
        "a#b\n1#x\n2#y\n",
        [("a", "bigint"), ("b", "string")],
        True,
    ),
    (
        "single-column-allowed",
        {"AllowSingleColumn": True, "ContainsHeader": "PRESENT"},
        "n\n1\n2\n",
        [("n", "bigint")],
        True,
    ),
]


def _definitions(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"CsvClassifier": {"Name": "c", "Delimiter": ",", **spec}}] if spec else []


@pytest.mark.parametrize(
    ("spec", "text", "columns", "header"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_custom_csv(
    spec: dict[str, Any], text: str, columns: list[tuple[str, str]], header: bool
) -> None:
    found = classify_bytes(text.encode(), True, custom_classifiers(_definitions(spec)))
    assert found.classification == "csv"
    assert found.columns == columns
    assert ("skip.header.line.count" in found.parameters) == header


@pytest.mark.parametrize(
    ("serde", "text", "library"),
    [
        ("OpenCSVSerDe", "a,b\n1,x\n2,y\n", OPEN_CSV),
        ("LazySimpleSerDe", 'a,b\n"1",x\n2,y\n', LAZY_SIMPLE),
        ("None", 'a,b\n"1",x\n2,y\n', OPEN_CSV),
    ],
    ids=["forced-open-csv", "forced-lazy-simple", "detected"],
)
def test_serde_setting(serde: str, text: str, library: str) -> None:
    found = classify_bytes(text.encode(), True, custom_classifiers(_definitions({"Serde": serde})))
    assert found.storage is not None and found.storage.serde == library


def test_unimplemented_kinds_are_skipped() -> None:
    assert custom_classifiers([{"GrokClassifier": {"Name": "g", "GrokPattern": "%{WORD}"}}]) == ()
