"""``etl-local databrew apply`` and ``profile`` on local files (the contracts recipe suites use)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from databrew_steps import assert_profile_picture
from etl_local.databrew.cli import databrew

pytestmark = pytest.mark.integration

RECIPE = [
    {
        "Action": {
            "Operation": "REMOVE_COMBINED",
            "Parameters": {"sourceColumn": "code", "removeLeadingAndTrailingWhitespace": "true"},
        }
    },
    {"Action": {"Operation": "UPPER_CASE", "Parameters": {"sourceColumn": "code"}}},
    {"Action": {"Operation": "FILL_WITH_AVERAGE", "Parameters": {"sourceColumn": "delay"}}},
]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "recipe.json").write_text(json.dumps(RECIPE))
    (tmp_path / "in.csv").write_text("code,delay\n jfk ,10\nlga,\newr,20\n")
    (tmp_path / "in.jsonl").write_text(
        '{"code": " jfk ", "delay": 10}\n{"code": "lga", "delay": null}\n'
    )
    return tmp_path


def rows(path: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(f"SELECT * FROM '{path}'").fetchall()


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("in.csv", "out.parquet", [("JFK", 10.0), ("LGA", 15.0), ("EWR", 20.0)]),
        ("in.csv", "out.csv", [("JFK", 10.0), ("LGA", 15.0), ("EWR", 20.0)]),
        ("in.jsonl", "out.jsonl", [("JFK", 10), ("LGA", 10)]),
    ],
    ids=["csv_to_parquet", "csv_to_csv", "jsonl_to_jsonl"],
)
def test_apply(files: Path, source: str, target: str, expected: list[tuple[object, ...]]) -> None:
    result = CliRunner().invoke(
        databrew,
        [
            "apply",
            "--recipe",
            str(files / "recipe.json"),
            "--input",
            str(files / source),
            "--output",
            str(files / target),
        ],
    )
    assert result.exit_code == 0, result.output
    assert rows(files / target) == expected
    assert "3 steps" in result.output


def test_apply_rejected_recipe_prints_databrew_message(files: Path) -> None:
    bad = files / "bad.json"
    bad.write_text(
        json.dumps(
            [
                RECIPE[0],
                {"Action": {"Operation": "LOWER_CASE", "Parameters": {"sourceColumn": "cod"}}},
            ]
        )
    )
    result = CliRunner().invoke(
        databrew,
        [
            "apply",
            "--recipe",
            str(bad),
            "--input",
            str(files / "in.csv"),
            "--output",
            str(files / "o.csv"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "An error occurred (ValidationException): Invalid recipe step 2 (LOWER_CASE): Column 'cod' does not exist."
    )
    assert not (files / "o.csv").exists()


def test_profile_writes_json_html_and_png(files: Path) -> None:
    result = CliRunner().invoke(
        databrew, ["profile", str(files / "in.csv"), "--output", str(files / "prof")]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((files / "prof" / "profile.json").read_text())
    delay = next(c for c in report["columns"] if c["name"] == "delay")
    assert (report["rowsCount"], delay["missingValuesCount"], delay["mean"], delay["median"]) == (
        3,
        1,
        15.0,
        15.0,
    )
    assert [b["count"] for b in delay["histogram"]] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    code = next(c for c in report["columns"] if c["name"] == "code")
    assert code["mostCommonValues"][0] == {"value": " jfk ", "count": 1, "ratio": 0.333333}
    page = (files / "prof" / "profile.html").read_text()
    assert page.startswith("<!doctype html>") and page.count("<svg") == 2 and "<script" not in page
    assert_profile_picture((files / "prof" / "profile.png").read_bytes())


def test_apply_reads_excel(files: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["code", "delay"], [" jfk ", 10], ["lga", None]):
        sheet.append(row)
    book.save(files / "in.xlsx")
    result = CliRunner().invoke(
        databrew,
        [
            "apply",
            "--recipe",
            str(files / "recipe.json"),
            "--input",
            str(files / "in.xlsx"),
            "--output",
            str(files / "x.parquet"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert rows(files / "x.parquet") == [("JFK", 10.0), ("LGA", 10.0)]


def test_apply_join_with_secondary_file(files: Path) -> None:
    (files / "airports.csv").write_text("faa,airport\nJFK,Kennedy\nLGA,LaGuardia\n")
    join = {
        "Action": {
            "Operation": "JOIN",
            "Parameters": {
                "joinKeys": json.dumps([{"key": "code", "value": "faa"}]),
                "joinType": "LEFT_JOIN",
                "leftColumns": json.dumps(["code"]),
                "rightColumns": json.dumps(["airport"]),
                "secondaryDatasetName": "airports",
            },
        }
    }
    (files / "join.json").write_text(json.dumps([*RECIPE[:2], join]))
    args = ["apply", "--recipe", str(files / "join.json"), "--input", str(files / "in.csv")]
    result = CliRunner().invoke(
        databrew,
        [
            *args,
            "--output",
            str(files / "j.csv"),
            "--secondary",
            f"airports={files / 'airports.csv'}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(rows(files / "j.csv"), key=str) == [
        ("EWR", None),
        ("JFK", "Kennedy"),
        ("LGA", "LaGuardia"),
    ]
    missing = CliRunner().invoke(databrew, [*args, "--output", str(files / "k.csv")])
    assert missing.exit_code == 1
    assert "Secondary dataset airports not found: pass --secondary airports=FILE." in missing.output


def test_apply_orc_in_and_out(files: Path) -> None:
    import pyarrow as pa
    import pyarrow.orc as orc

    orc.write_table(
        pa.table({"code": [" jfk ", "lga", "ewr"], "delay": [10.0, None, 20.0]}),
        str(files / "in.orc"),
    )
    result = CliRunner().invoke(
        databrew,
        [
            "apply",
            "--recipe",
            str(files / "recipe.json"),
            "--input",
            str(files / "in.orc"),
            "--output",
            str(files / "out.orc"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 rows" in result.output
    assert orc.read_table(str(files / "out.orc")).to_pydict() == {
        "code": ["JFK", "LGA", "EWR"],
        "delay": [10.0, 15.0, 20.0],
    }
