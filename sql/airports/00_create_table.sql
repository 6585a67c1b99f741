-- curated.airports. Runs *after* 10_stage_run (datasets/airports.yaml) and points at that run's
-- location, so the table never exists without data: flights' Prepare waits for it (depends_on)
-- and then reads a location that holds the table. Later runs: IF NOT EXISTS, commit moves it.
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
LOCATION '${curated_airports_location}'
