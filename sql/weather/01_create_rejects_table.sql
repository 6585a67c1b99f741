-- staging.weather_rejects: rows of a raw file that could not be typed, with the reason.
CREATE EXTERNAL TABLE IF NOT EXISTS ${staging_database}.weather_rejects (
  raw_line string,
  reject_reason string
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/staging/weather_rejects/'
