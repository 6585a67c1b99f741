"""Grouping files into tables and partitions; exclusion globs; names (Glue's crawler rules)."""

from __future__ import annotations

import pytest
from etl_local.glue.classifiers import classify_bytes
from etl_local.glue.layout import DataFile, glob_regex, group_tables, table_name

pytestmark = pytest.mark.unit

GLOBS = [
    ("star-stays-in-folder", "*.csv", "a.csv", True),
    ("star-not-across-folders", "*.csv", "x/a.csv", False),
    ("double-star-crosses", "**.csv", "x/y/a.csv", True),
    ("folder-contents", "tmp/**", "tmp/a/b.json", True),
    ("question-mark", "file?.csv", "file1.csv", True),
    ("brackets", "file[0-3].csv", "file7.csv", False),
    ("negated-brackets", "file[!0-3].csv", "file7.csv", True),
    ("braces", "*.{csv,json}", "a.json", True),
    ("literal-dot", "a.csv", "aXcsv", False),
]


@pytest.mark.parametrize(
    ("pattern", "key", "matches"), [g[1:] for g in GLOBS], ids=[g[0] for g in GLOBS]
)
def test_exclusion_glob(pattern: str, key: str, matches: bool) -> None:
    assert (glob_regex(pattern).fullmatch(key) is not None) == matches


NAMES = [("lower", "Flights", "flights"), ("dash", "my-data", "my_data"), ("dot", "a.csv", "a_csv")]


@pytest.mark.parametrize(("folder", "name"), [n[1:] for n in NAMES], ids=[n[0] for n in NAMES])
def test_table_name(folder: str, name: str) -> None:
    assert table_name(folder) == name


CSV_AB = classify_bytes(b"a,b\n1,x\n2,y\n", complete=True)
CSV_CD = classify_bytes(b"c,d,e\n1,x,2\n2,y,3\n", complete=True)
CSV_ABC = classify_bytes(b"a,b,c\n1,x,3\n2,y,4\n", complete=True)


def _files(*items: tuple[str, object]) -> list[DataFile]:
    return [DataFile(f"root/{rel}", rel, 10, cls) for rel, cls in items]  # type: ignore[arg-type]


def _shape(groups: list) -> list[tuple[str, str, list[str], list[tuple[str, ...]]]]:  # type: ignore[type-arg]
    return [(g.name, g.root, g.partition_keys, sorted(g.partitions)) for g in groups]


GROUPINGS = [
    (
        "hive-partitions",
        _files(("year=2013/month=01/a.csv", CSV_AB), ("year=2013/month=02/b.csv", CSV_AB)),
        False,
        [("root", "root", ["year", "month"], [("2013", "01"), ("2013", "02")])],
    ),
    (
        "unnamed-partitions",
        _files(("2013/01/a.csv", CSV_AB), ("2013/02/b.csv", CSV_AB)),
        False,
        [("root", "root", ["partition_0", "partition_1"], [("2013", "01"), ("2013", "02")])],
    ),
    (
        "different-schemas-split",
        _files(("flights/a.csv", CSV_AB), ("planes/b.csv", CSV_CD)),
        False,
        [("flights", "root/flights", [], [()]), ("planes", "root/planes", [], [()])],
    ),
    (
        "similar-schemas-one-table",
        _files(("t1/a.csv", CSV_AB), ("t2/b.csv", CSV_AB)),
        False,
        [("root", "root", ["partition_0"], [("t1",), ("t2",)])],
    ),
    (
        "subset-split-by-default",
        _files(("p=1/a.csv", CSV_AB), ("p=2/b.csv", CSV_ABC)),
        False,
        [("p_1", "root/p=1", [], [()]), ("p_2", "root/p=2", [], [()])],
    ),
    (
        "subset-combined-with-policy",
        _files(("p=1/a.csv", CSV_AB), ("p=2/b.csv", CSV_ABC)),
        True,
        [("root", "root", ["p"], [("1",), ("2",)])],
    ),
    (
        "files-at-root",
        _files(("a.csv", CSV_AB), ("b.csv", CSV_AB)),
        False,
        [("root", "root", [], [()])],
    ),
]


@pytest.mark.parametrize(
    ("files", "combine", "expected"), [g[1:] for g in GROUPINGS], ids=[g[0] for g in GROUPINGS]
)
def test_grouping(files: list[DataFile], combine: bool, expected: list[object]) -> None:
    assert _shape(group_tables(files, "root", "root", combine)) == expected
