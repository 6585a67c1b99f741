"""``etl-local databrew``: run a recipe or profile a dataset on local files.

    etl-local databrew apply --recipe glue/recipes/flights.json --input f.csv --output out.parquet
    etl-local databrew profile flights.parquet --output profile/

Formats follow the file extension: .csv (header row), .json/.jsonl/.ndjson (JSON lines),
.parquet, .orc, and .xlsx (input only). A recipe DataBrew would reject prints DataBrew's
ValidationException message and exits with status 1. These contracts are stable: external
recipe suites drive them.
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import duckdb

from etl_local.awserrors import AwsError, ValidationException
from etl_local.databrew import profile as profiling
from etl_local.databrew import storage
from etl_local.databrew.base import Column, lit
from etl_local.databrew.recipe import compile_recipe
from etl_local.databrew.render import render_html, render_png

SOURCE = "brew_file"
VALIDATION_EXIT = 1


def load_file(con: duckdb.DuckDBPyConnection, path: Path, view: str = SOURCE) -> None:
    """Makes ``path`` available as view ``view`` (default ``brew_file``)."""
    data_format = storage.format_of(str(path))
    if data_format == "EXCEL":
        storage.register_excel(con, f"{view}_excel", path, {})
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {view}_excel")
        return
    if data_format == "ORC":
        storage.register_orc(con, f"{view}_orc", [(str(path), path)])
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (filename) FROM {view}_orc")
        return
    options = {"Json": {"MultiLine": path.suffix.lower() == ".json" and _is_array(path)}}
    reader = storage.reader_sql([str(path)], data_format, options)
    # Parquet is read column by column where a step needs it; a text file is parsed once,
    # not again for every whole-column statistic the recipe computes.
    kind = "VIEW" if data_format == "PARQUET" else "TEMP TABLE"
    con.execute(f"CREATE OR REPLACE {kind} {view} AS SELECT * FROM {reader}")


class SecondaryFiles:
    """JOIN/UNION's other datasets from ``--secondary NAME=FILE`` (or a local location)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
        self.con, self.files = con, files
        self.loaded: dict[Path, str] = {}

    def __call__(self, name: str | None, location: str | None) -> str:
        path = self.files.get(name or "") or (Path(location) if location else None)
        if path is None or not path.exists():
            raise ValidationException(
                f"Secondary dataset {name or location} not found: pass --secondary {name}=FILE."
            )
        if path not in self.loaded:
            self.loaded[path] = f"brew_secondary_{len(self.loaded)}"
            load_file(self.con, path, self.loaded[path])
        return self.loaded[path]


def _secondary_option(values: tuple[str, ...]) -> dict[str, Path]:
    files = {}
    for value in values:
        name, sep, file = value.partition("=")
        if not sep or not name or not file:
            raise click.BadParameter(f"expected NAME=FILE, got {value!r}", param_hint="--secondary")
        files[name] = Path(file)
    return files


def _is_array(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(64).lstrip().startswith(b"[")


def write_file(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Writes the query's rows to ``path`` in its extension's format; returns the row count."""
    data_format = storage.format_of(str(path))
    if data_format == "EXCEL":
        raise click.UsageError("Excel output is not supported: use .csv, .json, .parquet or .orc.")
    fmt = storage.output_format(data_format)
    options = fmt.copy_options
    if options is None:  # ORC: written through Arrow
        table = con.execute(query).fetch_arrow_table()
        storage.put_local(str(path), storage.ARROW_WRITERS[fmt.name](table, fmt.codec))
        return int(table.num_rows)
    settings = ", ".join(f"{k} {v}" for k, v in options.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    row = con.execute(f"COPY ({query}) TO {lit(str(path))} ({settings})").fetchone()
    return int(row[0]) if row else 0


def apply_file(
    con: duckdb.DuckDBPyConnection,
    steps: Any,
    input_file: Path,
    output_file: Path,
    secondary: dict[str, Path] | None = None,
) -> tuple[int, list[Column]]:
    """What ``databrew apply`` does: validates every step, then runs the recipe on
    ``input_file`` into ``output_file``. Returns the row count and the output columns."""
    load_file(con, input_file)
    others = SecondaryFiles(con, secondary or {})
    compiled = compile_recipe(con, SOURCE, steps, secondary=others)  # validates every step first
    return write_file(con, compiled.sql, output_file), compiled.columns


def _fail(error: AwsError) -> None:
    click.echo(f"An error occurred ({error.code}): {error.message}", err=True)
    sys.exit(VALIDATION_EXIT)


@click.group()
def databrew() -> None:
    """Local AWS Glue DataBrew: recipes and profiles on DuckDB."""


@databrew.command()
@click.option(
    "--recipe",
    "recipe_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--input",
    "input_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--output", "output_file", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--secondary", multiple=True, metavar="NAME=FILE", help="a dataset JOIN/UNION names")
def apply(
    recipe_file: Path, input_file: Path, output_file: Path, secondary: tuple[str, ...]
) -> None:
    """Run the recipe (a JSON list of steps, as CreateRecipe takes) on INPUT into OUTPUT."""
    try:
        steps = json.loads(recipe_file.read_text())
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--recipe") from exc
    started = time.perf_counter()
    try:
        count, columns = apply_file(
            storage.connect(), steps, input_file, output_file, _secondary_option(secondary)
        )
    except AwsError as error:
        _fail(error)
    click.echo(
        f"{len(steps)} steps, {count:,} rows, {len(columns)} columns -> {output_file} "
        f"({time.perf_counter() - started:.2f}s)"
    )


@databrew.command()
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output", "output_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
def profile(data_file: Path, output_dir: Path) -> None:
    """Profile DATA_FILE: writes profile.json (DataBrew's shape), profile.html and profile.png."""
    con = storage.connect()
    try:
        load_file(con, data_file)
    except AwsError as error:
        _fail(error)
    report = profiling.profile(con, SOURCE, dataset_name=data_file.name)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "profile.json").write_text(json.dumps(report, indent=1))
    (output_dir / "profile.html").write_text(render_html(report))
    (output_dir / "profile.png").write_bytes(render_png(report))
    click.echo(
        f"{report['rowsCount']:,} rows, {report['columnsCount']} columns -> "
        f"{output_dir / 'profile.json'}, {output_dir / 'profile.html'}, {output_dir / 'profile.png'}"
    )
