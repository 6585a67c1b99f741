-- curated.planes. Runs *after* 10_stage_run (datasets/planes.yaml) and points at that run's
-- location, so the table never exists without data: flights' Prepare waits for it (depends_on)
-- and then reads a location that holds the table. Later runs: IF NOT EXISTS, commit moves it.
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.planes (
  tailnum string,
  year_built int,
  type string,
  manufacturer string,
  model string,
  engines int,
  seats int,
  speed int,
  engine string
)
STORED AS PARQUET
LOCATION '${curated_planes_location}'
