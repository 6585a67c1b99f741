"""A minimal stand-in for the Athena step of the pipeline: the datasets' SQL files, rendered as
Prepare renders them, transpiled Athena -> DuckDB by sqlglot and run on local files.

It exists to test the *content* (SQL logic and numbers) without the API plane; the real
engine (etl_local.athena) and the whole pipeline are exercised by tests/e2e/content/.
Raw CSVs are read with Hive's LazySimpleSerDe semantics as a crawled table of strings
(missing trailing fields are NULL, extra fields are dropped); CTAS output is written as Hive-
partitioned Parquet under ``root`` at the path of its s3 location; committed tables are views
over the partitions committed so far (re-landing a partition replaces it).
"""

from __future__ import annotations

import csv
import json
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "layers/shared/python"))
sys.path.insert(0, str(REPO / "local"))

from etl_shared.config import ConfigStore, DatasetConfig, DirectorySource  # noqa: E402

LAKE_BUCKET = "lake"
ZONES = ("raw", "staging", "curated", "analytics")


def store() -> ConfigStore:
    return ConfigStore(DirectorySource(REPO))


def read_raw_csv(path: Path, partition: dict[str, str]) -> pa.Table:
    """One raw file as the crawled table sees it: header names, every value text."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        width = len(header)
        padded = [(row + [None] * width)[:width] for row in rows if row]
    columns = {name: [row[i] for row in padded] for i, name in enumerate(header)}
    columns |= {key: [value] * len(padded) for key, value in partition.items()}
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


@dataclass
class Run:
    dataset: str
    run_id: str
    results: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


@dataclass
class LocalLake:
    root: Path
    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    configs: ConfigStore = field(default_factory=store)
    raw: dict[str, dict[str, pa.Table]] = field(default_factory=dict)  # table -> key -> rows
    committed: dict[str, dict[tuple[str, ...], str]] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    _runs: int = 0

    def __post_init__(self) -> None:
        for zone in ZONES:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {zone}")

    # -- paths -------------------------------------------------------------------------
    def local(self, location: str) -> Path:
        return self.root / location.removeprefix("s3://")

    def location(self, zone: str, table: str, run_id: str) -> str:
        return f"s3://{LAKE_BUCKET}/{zone}/{table}/_runs/{run_id}/"

    # -- raw ---------------------------------------------------------------------------
    def land(self, key: str, path: Path) -> Run:
        """Put one raw file in place and run the dataset's SQL steps, then commit."""
        config = self.configs.for_key(key)
        assert config is not None, key
        partition = config.match_key(key)
        assert partition is not None, key
        self.raw.setdefault(config.raw_table, {})[key] = read_raw_csv(path, partition)
        self._register_raw(config.raw_table)
        self._runs += 1
        run = Run(config.name, f"run{self._runs}")
        self._execute(config, run, partition)
        if config.databrew is not None:
            self._brew(config, run, partition)
        self._commit(config, run, partition)
        self.runs.append(run)
        return run

    def _register_raw(self, table: str) -> None:
        frames = list(self.raw[table].values())
        self.con.register(f"_raw_{table}", pa.concat_tables(frames, promote_options="default"))
        self.con.execute(f"CREATE OR REPLACE VIEW raw.{table} AS SELECT * FROM _raw_{table}")

    # -- SQL ---------------------------------------------------------------------------
    def placeholders(
        self, config: DatasetConfig, run: Run, partition: dict[str, str]
    ) -> dict[str, str]:
        values = {f"{zone}_database": zone for zone in ZONES} | {
            "dataset": config.name,
            "raw_table": config.raw_table,
            "run_id": run.run_id,
            "run_table": f"{config.name}__run_{run.run_id}",
            "run_location": self.location("staging", config.name, run.run_id),
            "lake_bucket": LAKE_BUCKET,
        }
        for qualified in config.depends_on:
            zone, table = qualified.split(".")
            values[f"{zone}_{table}_location"] = f"s3://{LAKE_BUCKET}/{zone}/{table}/"
        for target in config.commit:
            values[f"{target.zone}_{target.name}_location"] = self.location(
                target.zone, target.name, run.run_id
            )
        return values | partition

    def render(self, config: DatasetConfig, path: str, values: dict[str, str]) -> str:
        return string.Template(self.configs.read_text(path)).substitute(values)

    def _execute(self, config: DatasetConfig, run: Run, partition: dict[str, str]) -> None:
        values = self.placeholders(config, run, partition)
        for path in config.athena_steps:
            statement = sqlglot.parse_one(self.render(config, path, values), read="athena")
            rows = self.statement(statement)
            if rows is not None:
                run.results[Path(path).stem] = rows

    def statement(self, statement: exp.Expression) -> list[tuple[Any, ...]] | None:
        if isinstance(statement, exp.Create) and statement.kind == "TABLE":
            if statement.expression is None:
                self._external_table(statement)
                return None
            self._ctas(statement)
            return None
        if isinstance(statement, exp.Drop) and statement.kind == "TABLE":
            for table in statement.args["tables"]:
                self.con.execute(f"DROP TABLE IF EXISTS {table.sql('duckdb')}")
            return None
        relation = self.con.sql(statement.sql("duckdb"))
        return None if relation is None else relation.fetchall()

    def _exists(self, qualified: str) -> bool:
        schema, name = qualified.split(".")
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
            "UNION ALL SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
            [schema, name, schema, name],
        ).fetchall()
        return sum(n for (n,) in found) > 0

    def _external_table(self, statement: exp.Create) -> None:
        """CREATE EXTERNAL TABLE IF NOT EXISTS: an empty table until partitions are committed."""
        schema = statement.this
        name = schema.this.sql("duckdb")
        if self._exists(name):
            return
        columns = [c.sql("duckdb") for c in schema.expressions]
        for prop in statement.args["properties"].expressions:
            if isinstance(prop, exp.PartitionedByProperty):
                columns += [c.sql("duckdb") for c in prop.this.expressions]
        self.con.execute(f"CREATE TABLE {name} ({', '.join(columns)})")

    def _ctas(self, statement: exp.Create) -> None:
        properties = statement.args["properties"].expressions
        location = next(
            p.args["value"].name for p in properties if p.name.lower() == "external_location"
        )
        partitioned = [
            e.name
            for p in properties
            if isinstance(p, exp.PartitionedByProperty)
            for e in p.this.expressions
        ]
        name = statement.this.sql("duckdb")
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {statement.expression.sql('duckdb')}")
        target = self.local(location)
        target.mkdir(parents=True, exist_ok=True)
        options = f", PARTITION_BY ({', '.join(partitioned)})" if partitioned else ""
        out = target if partitioned else target / "data.parquet"
        self.con.execute(f"COPY {name} TO '{out}' (FORMAT parquet{options})")

    # -- DataBrew ------------------------------------------------------------------------
    def _brew(self, config: DatasetConfig, run: Run, partition: dict[str, str]) -> None:
        """The recipe job: the project's recipe engine over the run's Parquet (as DataBrew reads
        a partitioned S3 folder: partition columns from the path, as text)."""
        from etl_local.databrew.recipe import compile_recipe

        assert config.databrew is not None
        values = self.placeholders(config, run, partition)
        source = self.local(string.Template(config.databrew.input).substitute(values))
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW _brew_src AS SELECT * FROM read_parquet("
            f"'{source}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)"
        )
        steps = json.loads(self.configs.read_text(f"glue/recipes/{config.databrew.recipe}.json"))
        compiled = compile_recipe(self.con, "_brew_src", steps)
        zone, table = config.databrew.output.split(".")
        target = self.local(self.location(zone, table, run.run_id))
        target.mkdir(parents=True, exist_ok=True)
        columns = ", ".join(config.databrew.partition_columns)
        self.con.execute(
            f"COPY ({compiled.sql}) TO '{target}' (FORMAT parquet, PARTITION_BY ({columns}))"
        )
        run.results["databrew_rows"] = self.con.execute(
            f"SELECT count(*) FROM read_parquet('{target}/**/*.parquet')"
        ).fetchall()

    # -- commit ------------------------------------------------------------------------
    def _commit(self, config: DatasetConfig, run: Run, partition: dict[str, str]) -> None:
        for target in config.commit:
            location = self.local(self.location(target.zone, target.name, run.run_id))
            values = tuple(partition[k] for k in target.partition_keys)
            suffix = "".join(f"{k}={partition[k]}/" for k in target.partition_keys)
            parts = self.committed.setdefault(target.table, {})
            parts[values] = str(location / suffix)
            self.publish(target.table, list(target.partition_keys))

    def publish(self, table: str, keys: list[str]) -> None:
        """(Re)create the view of a committed table over its committed partitions."""
        files = [
            f
            for folder in self.committed[table].values()
            for f in sorted(Path(folder).glob("*.parquet"))
        ]
        if not files:
            return
        listing = ", ".join(f"'{f}'" for f in files)
        if (
            self._exists(table)
            and self.con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
                [table],
            ).fetchall()[0][0]
        ):
            self.con.execute(f"DROP TABLE {table}")
        hive = "true, hive_types_autocast = false" if keys else "false"
        self.con.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{listing}], "
            f"hive_partitioning = {hive}, union_by_name = true)"
        )
