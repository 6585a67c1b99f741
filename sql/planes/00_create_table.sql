-- curated.planes: aircraft by tail number. Unpartitioned: re-landing replaces it.
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
LOCATION 's3://${lake_bucket}/curated/planes/'
