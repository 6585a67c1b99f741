-- staging.flights: typed flights, one partition per (year, month), committed per run.
CREATE EXTERNAL TABLE IF NOT EXISTS ${staging_database}.flights (
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
  cancelled boolean
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/staging/flights/'
