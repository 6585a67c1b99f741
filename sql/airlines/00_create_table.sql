-- curated.airlines: carrier code -> name. Unpartitioned: re-landing replaces the table.
CREATE EXTERNAL TABLE IF NOT EXISTS ${curated_database}.airlines (
  carrier string,
  name string
)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/curated/airlines/'
