-- curated.airports: FAA code, location and time zone. Unpartitioned: re-landing replaces it.
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.airports (
  faa string,
  name string,
  lat double,
  lon double,
  alt int,
  tz int,
  dst string,
  tzone string
)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/curated/airports/'
