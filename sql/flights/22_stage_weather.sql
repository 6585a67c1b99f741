-- The hourly weather of the run's month (curated.weather, read through the catalog so every
-- partition's committed location is used), in a run-scoped folder the Glue job reads for its
-- weather join. Weather and flights partitions share the local (year, month); the join key
-- is (origin, time_hour in UTC). No weather landed yet: no rows, the job's weather columns
-- stay NULL.
CREATE TABLE ${staging_database}.${run_table}_weather
WITH (
  format = 'PARQUET',
  write_compression = 'SNAPPY',
  external_location = 's3://${lake_bucket}/staging/flights_weather/_runs/${run_id}/'
) AS
SELECT origin, time_hour, temp, dewp, humid, wind_speed, wind_gust, precip, visib
FROM ${curated_database}.weather
WHERE year = '${year}' AND month = '${month}'
