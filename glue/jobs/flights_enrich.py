"""Glue 5 (Spark 3.5) job: enrich the curated flights of one run and aggregate them.

Arguments (Glue style, ``--name value``):

    --input_flights        curated flights of the run (Parquet, may be partitioned year/month)
    --input_airlines       curated.airlines (Parquet folder)
    --input_airports       curated.airports
    --input_planes         curated.planes
    --input_weather        curated.weather for the run's month (a missing folder means no weather)
    --output_enriched      analytics.flights_enriched, written partitioned by year/month
    --output_carrier_daily analytics.carrier_daily, partitioned by year/month
    --output_route_monthly analytics.route_monthly, partitioned by year/month

The logic is in pure functions over DataFrames (``enrich``, ``carrier_daily``,
``route_monthly``) so it is tested with a local SparkSession; ``main`` only reads and writes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

INPUTS = ("flights", "airlines", "airports", "planes", "weather")
OUTPUTS = ("enriched", "carrier_daily", "route_monthly")
ARGUMENTS = [f"input_{name}" for name in INPUTS] + [f"output_{name}" for name in OUTPUTS]

PARTITION_COLUMNS = ["year", "month"]
ON_TIME_THRESHOLD_MINUTES = 15  # US DOT: a flight is on time when it arrives < 15 min late

# (bucket, lower bound inclusive) for arrival delays in minutes, checked from the top.
DELAY_BUCKETS = (
    ("late_180_plus", 180),
    ("late_60_179", 60),
    ("late_15_59", ON_TIME_THRESHOLD_MINUTES),
)

AIRPORT_COLUMNS = {"name": "name", "lat": "lat", "lon": "lon", "tzone": "tzone"}
PLANE_COLUMNS = {
    "year_built": "plane_year_built",
    "manufacturer": "plane_manufacturer",
    "model": "plane_model",
    "engines": "plane_engines",
    "seats": "plane_seats",
}
WEATHER_COLUMNS = {
    "temp": "weather_temp",
    "dewp": "weather_dewp",
    "humid": "weather_humid",
    "wind_speed": "weather_wind_speed",
    "wind_gust": "weather_wind_gust",
    "precip": "weather_precip",
    "visib": "weather_visib",
}


def _distinct(small: DataFrame, keys: list[str]) -> DataFrame:
    """One row per key of a small (reference) table. In one partition the de-duplication needs
    no shuffle: one Spark job less per table, same rows kept."""
    return small.coalesce(1).dropDuplicates(keys)


def _prefixed(df: DataFrame, key: str, columns: dict[str, str], alias_key: str) -> DataFrame:
    """One row per key with the wanted columns renamed (reference data may repeat keys)."""
    picked = [F.col(key).alias(alias_key)] + [F.col(src).alias(dst) for src, dst in columns.items()]
    return _distinct(df.select(*picked), [alias_key])


def delay_bucket(cancelled: Column, arr_delay: Column) -> Column:
    """cancelled / diverted (no arrival delay) / on_time / late_* by arrival delay."""
    bucket = F.when(cancelled, F.lit("cancelled")).when(arr_delay.isNull(), F.lit("diverted"))
    for name, lower in DELAY_BUCKETS:
        bucket = bucket.when(arr_delay >= lower, F.lit(name))
    return bucket.otherwise(F.lit("on_time"))


def with_partitions(flights: DataFrame) -> DataFrame:
    """year/month as the lake's partition strings ('2013', '01'), derived when absent."""
    for name, pattern in (("year", "yyyy"), ("month", "MM")):
        if name not in flights.columns:
            flights = flights.withColumn(name, F.date_format("flight_date", pattern))
        flights = flights.withColumn(name, F.col(name).cast("string"))
    return flights


def enrich(
    flights: DataFrame,
    airlines: DataFrame,
    airports: DataFrame,
    planes: DataFrame,
    weather: DataFrame,
) -> DataFrame:
    """Flights joined with carrier, both airports, the plane and the weather at the origin.

    Left joins on de-duplicated reference keys: every flight in is exactly one row out.
    """
    flights = with_partitions(flights)
    carriers = _distinct(
        airlines.select(F.col("carrier").alias("_carrier"), F.col("name").alias("carrier_name")),
        ["_carrier"],
    )
    origins = _prefixed(
        airports, "faa", {k: f"origin_{v}" for k, v in AIRPORT_COLUMNS.items()}, "_origin"
    )
    dests = _prefixed(
        airports, "faa", {k: f"dest_{v}" for k, v in AIRPORT_COLUMNS.items()}, "_dest"
    )
    aircraft = _prefixed(planes, "tailnum", PLANE_COLUMNS, "_tailnum")
    hourly = _distinct(
        weather.select(
            F.col("origin").alias("_w_origin"),
            F.col("time_hour").alias("_w_time_hour"),
            *[F.col(src).alias(dst) for src, dst in WEATHER_COLUMNS.items()],
        ),
        ["_w_origin", "_w_time_hour"],
    )

    joined = (
        flights.join(carriers, flights.carrier == carriers._carrier, "left")
        .join(origins, flights.origin == origins._origin, "left")
        .join(dests, flights.dest == dests._dest, "left")
        .join(aircraft, flights.tailnum == aircraft._tailnum, "left")
        .join(
            hourly,
            (flights.origin == hourly._w_origin) & (flights.time_hour == hourly._w_time_hour),
            "left",
        )
    )
    cancelled = F.col("cancelled")
    arr_delay = F.col("arr_delay")
    enriched = joined.withColumn("delay_bucket", delay_bucket(cancelled, arr_delay)).withColumn(
        "is_on_time", ~cancelled & arr_delay.isNotNull() & (arr_delay < ON_TIME_THRESHOLD_MINUTES)
    )
    helper = [c for c in enriched.columns if c.startswith("_")]
    body = [c for c in enriched.columns if c not in helper and c not in PARTITION_COLUMNS]
    return enriched.select(*body, *PARTITION_COLUMNS)


def _outcome_counts() -> list[Column]:
    cancelled = F.col("cancelled")
    completed = F.col("arr_delay").isNotNull() & ~cancelled
    return [
        F.count(F.lit(1)).alias("flights"),
        F.sum(cancelled.cast("long")).alias("cancelled_flights"),
        F.sum((~cancelled & F.col("arr_delay").isNull()).cast("long")).alias("diverted_flights"),
        F.sum(completed.cast("long")).alias("completed_flights"),
        F.sum(F.col("is_on_time").cast("long")).alias("on_time_flights"),
    ]


def carrier_daily(enriched: DataFrame) -> DataFrame:
    """Daily on-time performance per carrier and origin airport."""
    grouped = enriched.groupBy(
        "flight_date", "carrier", "carrier_name", "origin", *PARTITION_COLUMNS
    )
    daily = grouped.agg(
        *_outcome_counts(),
        F.avg("dep_delay").alias("mean_dep_delay"),
        F.avg("arr_delay").alias("mean_arr_delay"),
    )
    completed = F.col("completed_flights")
    rate = F.when(completed > 0, F.col("on_time_flights") / completed)
    body = [c for c in daily.columns if c not in PARTITION_COLUMNS]
    return daily.withColumn("on_time_rate", rate).select(*body, "on_time_rate", *PARTITION_COLUMNS)


def _percentile(column: str, fraction: float) -> Column:
    """Exact percentile with linear interpolation (Trino/DuckDB quantile_cont semantics)."""
    return F.expr(f"percentile({column}, {fraction})")


def route_monthly(enriched: DataFrame) -> DataFrame:
    """Monthly statistics per route: volume, cancellations, mean/p50/p90 delays."""
    stats = [
        agg
        for column in ("dep_delay", "arr_delay")
        for agg in (
            F.avg(column).alias(f"mean_{column}"),
            _percentile(column, 0.5).alias(f"p50_{column}"),
            _percentile(column, 0.9).alias(f"p90_{column}"),
        )
    ]
    monthly = enriched.groupBy("origin", "dest", *PARTITION_COLUMNS).agg(
        *_outcome_counts(), F.avg("distance").alias("mean_distance"), *stats
    )
    rate = F.col("cancelled_flights") / F.col("flights")
    body = [c for c in monthly.columns if c not in PARTITION_COLUMNS]
    return monthly.withColumn("cancellation_rate", rate).select(
        *body, "cancellation_rate", *PARTITION_COLUMNS
    )


def read_optional(spark: SparkSession, path: str, schema: StructType) -> DataFrame:
    """Parquet at ``path``, or an empty frame with ``schema`` when nothing is there yet."""
    try:
        return spark.read.parquet(path)
    except Exception as exc:  # AnalysisException: PATH_NOT_FOUND / UNABLE_TO_INFER_SCHEMA
        if "PATH_NOT_FOUND" in str(exc) or "UNABLE_TO_INFER_SCHEMA" in str(exc):
            return spark.createDataFrame([], schema)
        raise


WEATHER_SCHEMA = StructType.fromJson(
    {
        "type": "struct",
        "fields": [
            {"name": "origin", "type": "string", "nullable": True, "metadata": {}},
            {"name": "time_hour", "type": "timestamp", "nullable": True, "metadata": {}},
        ]
        + [
            {"name": name, "type": "double", "nullable": True, "metadata": {}}
            for name in WEATHER_COLUMNS
        ],
    }
)


def run(spark: SparkSession, args: dict[str, str]) -> dict[str, int]:
    """Read the inputs, write the three outputs; returns the row count of each output."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # timestamps are stored wall-clock
    # Keep partition values as written ('01'), the keys the commit step uses.
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    frames = {
        name: spark.read.parquet(args[f"input_{name}"]) for name in INPUTS if name != "weather"
    }
    weather = read_optional(spark, args["input_weather"], WEATHER_SCHEMA)
    enriched = enrich(
        frames["flights"], frames["airlines"], frames["airports"], frames["planes"], weather
    ).cache()
    outputs = {
        "enriched": enriched,
        "carrier_daily": carrier_daily(enriched),
        "route_monthly": route_monthly(enriched),
    }
    counts = {}
    for name, frame in outputs.items():
        frame.write.mode("overwrite").partitionBy(*PARTITION_COLUMNS).parquet(
            args[f"output_{name}"]
        )
        counts[name] = spark.read.parquet(args[f"output_{name}"]).count()
    enriched.unpersist()
    return counts


def main(argv: Sequence[str]) -> None:
    from awsglue.utils import getResolvedOptions  # Glue runtime (a shim when run locally)

    args = getResolvedOptions(list(argv), ARGUMENTS)
    spark = SparkSession.builder.appName("flights_enrich").getOrCreate()
    counts = run(spark, args)
    print({"job": "flights_enrich", "rows_out": counts})


if __name__ == "__main__":
    main(sys.argv)
