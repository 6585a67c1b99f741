-- curated.weather: staging.weather after the DataBrew recipe (glue/recipes/weather.json).
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.weather (
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
  time_hour timestamp,
  wind_gust_missing string,
  wind_speed_outlier string,
  day_of_week bigint
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/curated/weather/'
