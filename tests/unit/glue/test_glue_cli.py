"""``etl-local crawl DIR``: a local folder crawled as the crawler's S3 target (JSON contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from etl_local.glue.cli import crawl

pytestmark = pytest.mark.unit


def _crawl(directory: Path, *options: str) -> dict[str, Any]:
    result = CliRunner().invoke(crawl, [str(directory), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "flights"
    for month in ("01", "02"):
        folder = root / "year=2013" / f"month={month}"
        folder.mkdir(parents=True)
        (folder / "f.csv").write_text("day,carrier,dep_time\n1,UA,517\n2,AA,NA\n")
    (root / "_SUCCESS").write_text("")
    return root


def test_json_is_get_tables_and_get_partitions_shaped(lake: Path) -> None:
    out = _crawl(lake, "--location", "s3://bucket/raw/flights/", "--database", "raw")
    (table,) = out["TableList"]
    assert (table["Name"], table["DatabaseName"], table["TableType"]) == (
        "flights",
        "raw",
        "EXTERNAL_TABLE",
    )
    assert table["StorageDescriptor"]["Location"] == "s3://bucket/raw/flights/"
    assert [c["Type"] for c in table["StorageDescriptor"]["Columns"]] == [
        "bigint",
        "string",
        "string",
    ]
    assert table["PartitionKeys"] == [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "string"},
    ]
    assert [p["Values"] for p in out["Partitions"]] == [["2013", "01"], ["2013", "02"]]
    assert out["Partitions"][1]["StorageDescriptor"]["Location"] == (
        "s3://bucket/raw/flights/year=2013/month=02/"
    )
    assert {p["TableName"] for p in out["Partitions"]} == {"flights"}


def test_default_location_is_the_folder_uri_and_options_apply(lake: Path) -> None:
    out = _crawl(lake, "--table-prefix", "raw_", "--exclude", "**/month=02/**")
    (table,) = out["TableList"]
    assert table["Name"] == "raw_flights"
    assert table["StorageDescriptor"]["Location"] == lake.resolve().as_uri() + "/"
    assert [p["Values"] for p in out["Partitions"]] == [["2013", "01"]]


def test_text_output(lake: Path) -> None:
    result = CliRunner().invoke(crawl, [str(lake)])
    assert result.exit_code == 0
    assert "default.flights  csv" in result.output
    assert "year" in result.output and "(partition key)" in result.output


def test_custom_classifier_option(tmp_path: Path) -> None:
    folder = tmp_path / "airlines"
    folder.mkdir()
    (folder / "airlines.csv").write_text("carrier,name\n9E,Endeavor\nAA,American\n")
    assert _crawl(folder)["TableList"][0]["StorageDescriptor"]["Columns"][0]["Name"] == "col0"
    spec = tmp_path / "csv.json"
    spec.write_text(json.dumps({"CsvClassifier": {"Name": "c", "ContainsHeader": "PRESENT"}}))
    out = _crawl(folder, "--classifier", f"@{spec}")
    assert [c["Name"] for c in out["TableList"][0]["StorageDescriptor"]["Columns"]] == [
        "carrier",
        "name",
    ]


def test_odd_folders_never_crash(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    (root / "deep" / "deeper").mkdir(parents=True)
    (root / "top.csv").write_text("a,b\n1,2\n3,4\n")
    (root / "deep" / "x.json").write_text('{"k": 1}\n')
    (root / "deep" / "deeper" / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (root / "deep" / "deeper" / "unreadable.csv").write_text("a,b\n1,2\n")
    (root / "deep" / "deeper" / "unreadable.csv").chmod(0)
    out = _crawl(root)
    names = sorted(t["Name"] for t in out["TableList"])
    assert names == ["deeper", "top_csv", "x_json"]  # mixed folders split; the blob left out
    assert all(t["Parameters"]["classification"] for t in out["TableList"])
