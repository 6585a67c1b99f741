"""A tiny people table and a helper that runs recipe steps on it through the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pytest
from databrew_steps import Apply
from etl_local.databrew.recipe import run_recipe

PEOPLE_SQL = """
CREATE TABLE people AS SELECT * FROM (VALUES
    (1, '  alice smith ', 30, 'Paris',  100.0, '2020-01-15 08:30:00'),
    (2, 'BOB',            NULL, '',     200.0, '2021-06-30'),
    (3, 'carol',          45, 'Berlin', NULL,  'not a date'),
    (4, 'BOB',            NULL, '',     200.0, '2021-06-30'),
    (5, 'dave',           30, 'Paris',  5000.0, '2019-12-31')
) v(id, name, age, city, salary, joined)
"""


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(PEOPLE_SQL)
    return connection


@pytest.fixture
def apply(con: duckdb.DuckDBPyConnection) -> Apply:
    def run(
        steps: Sequence[dict[str, Any]], source: str = "people"
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        relation = run_recipe(con, source, list(steps))
        return relation.columns, relation.fetchall()

    return run
