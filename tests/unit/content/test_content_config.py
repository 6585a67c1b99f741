"""The content's static contracts: dataset configs validate, every SQL file renders with
exactly the placeholders Prepare provides, parses as one Athena statement of the expected
kind, and the CTAS columns match the tables they are committed into."""

from __future__ import annotations

import importlib.util
import re
import string
import sys
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "layers/shared/python"))

from etl_shared.config import ConfigStore, DatasetConfig, DirectorySource  # noqa: E402

pytestmark = pytest.mark.unit

STORE = ConfigStore(DirectorySource(REPO))
DATASETS = sorted(STORE.datasets)
STEPS = [(name, path) for name in DATASETS for path in STORE.get(name).athena_steps]
ZONES = ("raw", "staging", "curated", "analytics")


def provided(config: DatasetConfig) -> set[str]:
    """The placeholder names Prepare renders for this dataset (docs/ARCHITECTURE.md)."""
    names = {f"{zone}_database" for zone in ZONES}
    names |= {"dataset", "raw_table", "run_id", "run_table", "run_location", "lake_bucket"}
    names |= set(config.partition_keys)
    names |= {f"{t.zone}_{t.name}_location" for t in config.commit}
    names |= {t.replace(".", "_") + "_location" for t in config.depends_on}
    return names


def render(config: DatasetConfig, path: str) -> str:
    values = {name: f"v_{name}" for name in provided(config)}
    values |= {k: "2013" if k == "year" else "01" for k in config.partition_keys}
    values |= {n: f"s3://lake/{n}/" for n in values if n.endswith("_location")}
    return string.Template((REPO / path).read_text()).substitute(values)


def test_every_dataset_is_configured() -> None:
    assert DATASETS == ["airlines", "airports", "flights", "planes", "weather"]


@pytest.mark.parametrize(("dataset", "path"), STEPS, ids=[p for _, p in STEPS])
def test_sql_uses_only_provided_placeholders(dataset: str, path: str) -> None:
    used = set(string.Template((REPO / path).read_text()).get_identifiers())
    assert used <= provided(STORE.get(dataset)), used - provided(STORE.get(dataset))


# NN_<step>.sql: the step's name says what kind of statement it is.
STATEMENT_KINDS: dict[str, type[exp.Expression]] = {
    "create": exp.Create,  # CREATE EXTERNAL TABLE IF NOT EXISTS
    "parse": exp.Create,  # CREATE OR REPLACE VIEW
    "stage_run": exp.Create,  # CTAS
    "stage_rejects": exp.Create,  # CTAS
    "stage_weather": exp.Create,  # CTAS
    "stage_counts": exp.Select,
    "quality_checks": exp.Select,
    "drop": exp.Drop,
}


def step_kind(path: str) -> str:
    step = Path(path).stem.split("_", 1)[1]
    return next(kind for kind in STATEMENT_KINDS if step.startswith(kind))


@pytest.mark.parametrize(("dataset", "path"), STEPS, ids=[p for _, p in STEPS])
def test_sql_is_one_athena_statement(dataset: str, path: str) -> None:
    statements = sqlglot.parse(render(STORE.get(dataset), path), read="athena")
    assert len(statements) == 1
    assert isinstance(statements[0], STATEMENT_KINDS[step_kind(path)])


def ctas(config: DatasetConfig, path: str) -> exp.Create:
    statement = sqlglot.parse_one(render(config, path), read="athena")
    assert isinstance(statement, exp.Create) and statement.expression is not None
    return statement


CTAS = [(name, path) for name, path in STEPS if step_kind(path) in {"stage_run", "stage_rejects"}]


@pytest.mark.parametrize(("dataset", "path"), CTAS, ids=[p for _, p in CTAS])
def test_ctas_writes_parquet_to_a_run_location_partition_columns_last(
    dataset: str, path: str
) -> None:
    config = STORE.get(dataset)
    statement = ctas(config, path)
    properties = statement.args["properties"].expressions
    text = {p.name.lower(): p.args["value"].name for p in properties if type(p) is exp.Property}
    assert text["external_location"].startswith("s3://lake/")
    template = (REPO / path).read_text()
    assert re.search(r"external_location = '\$\{[a-z_]+_location\}'", template)
    assert any(isinstance(p, exp.FileFormatProperty) and p.name == "PARQUET" for p in properties)
    partitioned = [
        e.name
        for p in properties
        if isinstance(p, exp.PartitionedByProperty)
        for e in p.this.expressions
    ]
    assert partitioned == list(config.partition_keys)
    names = statement.expression.named_selects
    assert names[len(names) - len(partitioned) :] == partitioned


def ddl_columns(path: Path) -> list[str]:
    text = path.read_text()
    body = text[text.index("(\n") + 2 : text.index("\n)")]
    return [line.split()[0] for line in body.splitlines()]


@pytest.mark.parametrize(
    ("ddl", "step"),
    [
        ("sql/flights/00_create_staging_table.sql", "sql/flights/20_stage_run.sql"),
        ("sql/flights/01_create_rejects_table.sql", "sql/flights/21_stage_rejects.sql"),
        ("sql/weather/00_create_staging_table.sql", "sql/weather/20_stage_run.sql"),
        ("sql/weather/01_create_rejects_table.sql", "sql/weather/21_stage_rejects.sql"),
        ("sql/airlines/00_create_table.sql", "sql/airlines/10_stage_run.sql"),
        ("sql/airports/00_create_table.sql", "sql/airports/10_stage_run.sql"),
        ("sql/planes/00_create_table.sql", "sql/planes/10_stage_run.sql"),
    ],
    ids=lambda p: p.removeprefix("sql/"),
)
def test_ctas_columns_are_the_committed_tables_columns(ddl: str, step: str) -> None:
    dataset = step.split("/")[1]
    config = STORE.get(dataset)
    names = ctas(config, step).expression.named_selects
    assert names == ddl_columns(REPO / ddl) + list(config.partition_keys)


def test_glue_job_arguments_are_the_scripts_arguments() -> None:
    flights = STORE.get("flights")
    assert flights.glue_job is not None
    spec = importlib.util.spec_from_file_location("job", REPO / flights.glue_job.script)
    assert spec is not None and spec.loader is not None
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    assert {a.removeprefix("--") for a in flights.glue_job.arguments} == set(job.ARGUMENTS)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_commit_table_is_created_by_a_ddl_step(dataset: str) -> None:
    config = STORE.get(dataset)
    created = set()
    for path in config.athena_steps:
        statement = sqlglot.parse_one(render(config, path), read="athena")
        if isinstance(statement, exp.Create) and statement.expression is None:
            created.add(
                statement.this.this.sql()
                if isinstance(statement.this, exp.Schema)
                else statement.this.sql()
            )
    for target in config.commit:
        assert f"v_{target.zone}_database.{target.name}" in created, target.table
