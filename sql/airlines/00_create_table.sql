-- curated.airlines. Runs *after* 10_stage_run (datasets/airlines.yaml) and points at that run's
-- location, so the table never exists without data: flights' Prepare waits for it (depends_on)
-- and then reads a location that holds the table. Later runs: IF NOT EXISTS, commit moves it.
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.airlines (
  carrier string,
  name string
)
STORED AS PARQUET
LOCATION '${curated_airlines_location}'
