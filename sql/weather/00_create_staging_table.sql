-- staging.weather: hourly observations at the NYC airports, one partition per (year, month).
CREATE EXTERNAL TABLE IF NOT EXISTS ${staging_database}.weather (
  origin string,
  obs_date date,
  day int,
  hour int,
  temp double,
  dewp double,
  humid double,
  wind_dir int,
  wind_speed double,
  wind_gust double,
  precip double,
  pressure double,
  visib double,
  time_hour timestamp
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/staging/weather/'
