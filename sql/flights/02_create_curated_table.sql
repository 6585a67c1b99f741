-- curated.flights: staging.flights after the DataBrew recipe (glue/recipes/flights.json).
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.flights (
  flight_date date,
  day int,
  dep_time int,
  sched_dep_time int,
  dep_delay int,
  arr_time int,
  sched_arr_time int,
  arr_delay int,
  carrier string,
  flight int,
  tailnum string,
  origin string,
  dest string,
  air_time int,
  distance int,
  hour int,
  minute int,
  time_hour timestamp,
  sched_dep_local timestamp,
  sched_arr_local timestamp,
  dep_local timestamp,
  arr_local timestamp,
  sched_dep_utc timestamp,
  sched_arr_utc timestamp,
  dep_utc timestamp,
  arr_utc timestamp,
  cancelled boolean,
  tailnum_missing string,
  arr_delay_missing string,
  dep_delay_outlier string,
  arr_delay_outlier string,
  day_of_week bigint,
  week_of_year bigint
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/curated/flights/'
