"""etl_shared.config (dataset schema + cross-field checks) and etl_shared.sql (safe rendering)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from etl_shared.config import ConfigStore, DirectorySource
from etl_shared.errors import ConfigError, UnsafeValue
from etl_shared.sql import Placeholders, check, render, single_statement

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

VALID: dict[str, Any] = {
    "name": "trips",
    "raw_prefix": "raw/trips/",
    "key_pattern": r"^raw/trips/year=(?P<year>\d{4})/[^/]+\.csv$",
    "format": "csv",
    "partition_keys": ["year"],
    "athena_steps": ["sql/trips/01_stage.sql"],
    "commit": [{"table": "curated.trips"}],
}


def _store(tmp_path: Path, docs: dict[str, dict[str, Any]]) -> ConfigStore:
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "schema.json").write_text((ROOT / "datasets/schema.json").read_text())
    for file_name, doc in docs.items():
        (tmp_path / "datasets" / file_name).write_text(yaml.safe_dump(doc))
    return ConfigStore(DirectorySource(tmp_path))


def test_every_shipped_dataset_is_valid() -> None:
    store = ConfigStore(DirectorySource(ROOT))
    assert {"flights", "weather", "airlines", "airports", "planes"} <= set(store.datasets)
    flights = store.get("flights")
    assert flights.match_key("raw/flights/year=2013/month=01/flights_2013_01.csv") == {
        "year": "2013",
        "month": "01",
    }
    assert store.for_key("raw/airlines/airlines.csv").name == "airlines"  # type: ignore[union-attr]
    assert store.for_key("raw/elsewhere/x.csv") is None


def test_defaults_are_applied(tmp_path: Path) -> None:
    config = _store(tmp_path, {"trips.yaml": VALID}).get("trips")
    assert config.raw_table == "trips"
    assert config.csv.null_value == "NA" and config.csv.header is True
    assert config.commit[0].partition_keys == ("year",)
    assert config.output_table == "curated.trips"
    assert config.databrew is None and config.glue_job is None


INVALID = [
    ("unknown-field", {"colour": "red"}, "Additional properties"),
    ("bad-format", {"format": "xlsx"}, "'xlsx' is not one of"),
    ("prefix-outside-raw", {"raw_prefix": "incoming/trips/"}, "raw_prefix"),
    ("groups-differ-from-keys", {"partition_keys": ["year", "month"]}, "key_pattern groups"),
    ("pattern-not-anchored", {"key_pattern": r"raw/trips/(?P<year>\d{4})\.csv"}, "must start with"),
    ("bad-regex", {"key_pattern": "^raw/trips/(?P<year>["}, "not a valid regex"),
    ("reference-with-keys", {"reference": True}, "reference dataset"),
    ("bad-table", {"commit": [{"table": "gold.trips"}]}, "does not match"),
    (
        "databrew-output-not-committed",
        {"databrew": {"recipe": "trips", "output": "curated.other"}},
        "databrew.output",
    ),
    ("dependency-is-commit", {"depends_on": ["curated.trips"]}, "both a dependency"),
    (
        "bad-argument-name",
        {"glue_job": {"script": "glue/jobs/x.py", "arguments": {"input": "x"}}},
        "does not match",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_configs_are_rejected_with_the_reason(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _store(tmp_path, {"trips.yaml": VALID | change})


def test_file_name_must_equal_dataset_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not match the file name"):
        _store(tmp_path, {"other.yaml": VALID})


def test_unknown_dataset_and_missing_file(tmp_path: Path) -> None:
    store = _store(tmp_path, {"trips.yaml": VALID})
    with pytest.raises(ConfigError, match="unknown dataset"):
        store.get("nope")
    with pytest.raises(ConfigError, match="config file not found"):
        store.read_text("sql/trips/01_stage.sql")


def test_schema_is_valid_json_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(
        json.loads((ROOT / "datasets/schema.json").read_text())
    )


CHECKS = [
    ("identifier", "curated", True),
    ("identifier", "flights__run_a_b", True),
    ("identifier", "Flights", False),
    ("identifier", "x; DROP TABLE y", False),
    ("identifier", "a-b", False),
    ("partition_value", "2013", True),
    ("partition_value", "01", True),
    ("partition_value", "2013' OR '1'='1", False),
    ("partition_value", "", False),
    ("location", "s3://lake-bucket/staging/flights/_runs/r-1/", True),
    ("location", "s3://lake/a b/", False),
    ("location", "s3://lake/x'/", False),
    ("bucket", "etl-pipeline-dev-lake-123456789012", True),
    ("bucket", "Bad_Bucket", False),
    ("run_id", "flights-2013-01-abcdef", True),
    ("run_id", "../../etc", False),
]


@pytest.mark.parametrize(
    ("kind", "value", "ok"), CHECKS, ids=[f"{k}-{v!r}-{'ok' if o else 'bad'}" for k, v, o in CHECKS]
)
def test_values_are_checked_per_kind(kind: str, value: str, ok: bool) -> None:
    if ok:
        assert check(kind, value) == value
    else:
        with pytest.raises(UnsafeValue):
            check(kind, value)


def test_render_substitutes_only_known_validated_values() -> None:
    values = Placeholders.build({"db": ("identifier", "raw"), "year": ("partition_value", "2013")})
    assert render("SELECT * FROM ${db}.t WHERE year = '${year}'", values) == (
        "SELECT * FROM raw.t WHERE year = '2013'"
    )
    with pytest.raises(UnsafeValue, match="unknown placeholder"):
        render("SELECT ${nope}", values)
    with pytest.raises(UnsafeValue):
        Placeholders.build({"year": ("partition_value", "2013'; --")})


STATEMENTS = [
    ("trailing-semicolon", "SELECT 1;\n", "SELECT 1"),
    ("comments-dropped", "-- header\nSELECT 1\n-- footer\n", "SELECT 1"),
    ("semicolon-in-literal", "SELECT ';' AS s", "SELECT ';' AS s"),
]


@pytest.mark.parametrize(
    ("sql", "expected"), [s[1:] for s in STATEMENTS], ids=[s[0] for s in STATEMENTS]
)
def test_single_statement(sql: str, expected: str) -> None:
    assert single_statement(sql) == expected


@pytest.mark.parametrize(
    "sql", ["SELECT 1; SELECT 2", "-- only a comment\n", ""], ids=["two", "comment", "empty"]
)
def test_single_statement_rejects(sql: str) -> None:
    with pytest.raises(UnsafeValue):
        single_statement(sql)
