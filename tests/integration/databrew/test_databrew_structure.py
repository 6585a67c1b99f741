"""JOIN and UNION with a secondary dataset (the JOIN/UNION pages' parameter shapes)."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from databrew_steps import step
from etl_local.databrew.errors import RecipeValidationError
from etl_local.databrew.recipe import run_recipe

pytestmark = pytest.mark.integration

J = json.dumps


@pytest.fixture
def cities(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE cities AS SELECT * FROM (VALUES ('Paris', 'FR', 'Europe'), ('Berlin', 'DE', 'Europe'),"
        " ('Tokyo', 'JP', 'Asia')) v(city, country, name)"
    )
    return con


def resolve(name: str | None, location: str | None) -> str:
    assert name == "cities"
    return "cities"


def joined(
    con: duckdb.DuckDBPyConnection, join_type: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    relation = run_recipe(
        con,
        "people",
        [
            step(
                "JOIN",
                joinKeys=J([{"key": "city", "value": "city"}]),
                joinType=join_type,
                leftColumns=J(["id", "name", "city"]),
                rightColumns=J(["city", "country", "name"]),
                secondaryDatasetName="cities",
                secondInputLocation="s3://bucket/cities.csv",
            )
        ],
        secondary=resolve,
    )
    return relation.columns, sorted(
        relation.fetchall(), key=lambda r: (r[0] is None, r[0] or 0, r[3] or "")
    )


@pytest.mark.parametrize(
    ("join_type", "ids"),
    [
        ("INNER_JOIN", [1, 3, 5]),
        ("LEFT_JOIN", [1, 2, 3, 4, 5]),
        ("RIGHT_JOIN", [1, 3, 5, None]),
        ("OUTER_JOIN", [1, 2, 3, 4, 5, None]),
        ("LEFT_EXCLUDING_JOIN", [2, 4]),
        ("RIGHT_EXCLUDING_JOIN", [None]),
        ("OUTER_EXCLUDING_JOIN", [2, 4, None]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_join_types(
    cities: duckdb.DuckDBPyConnection, join_type: str, ids: list[int | None]
) -> None:
    columns, rows = joined(cities, join_type)
    assert columns == ["id", "name", "city", "city_1", "country", "name_1"]
    assert [r[0] for r in rows] == ids


def test_inner_join_values(cities: duckdb.DuckDBPyConnection) -> None:
    _, rows = joined(cities, "INNER_JOIN")
    assert rows[0] == (1, "  alice smith ", "Paris", "Paris", "FR", "Europe")


def test_union_maps_columns_and_fills_nulls(cities: duckdb.DuckDBPyConnection) -> None:
    relation = run_recipe(
        cities,
        "people",
        [
            step(
                "UNION",
                datasetsColumns=J([["city", "name", "age"], ["city", "name", None]]),
                secondaryDatasetNames=J(["cities"]),
                secondaryInputs=J(
                    [{"S3InputDefinition": {"Bucket": "bucket", "Key": "cities.csv"}}]
                ),
                targetColumnNames=J(["place", "who", "age"]),
            )
        ],
        secondary=resolve,
    )
    assert relation.columns == ["place", "who", "age"]
    rows = relation.fetchall()
    assert len(rows) == 8 and ("Tokyo", "Asia", None) in rows and ("Paris", "dave", 30) in rows


def test_join_without_secondary_is_rejected(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(
        RecipeValidationError, match="Secondary dataset votes is not available here"
    ):
        run_recipe(
            con,
            "people",
            [step("JOIN", joinKeys="[]", joinType="INNER_JOIN", secondaryDatasetName="votes")],
        )
