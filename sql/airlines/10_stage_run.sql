-- Typed, trimmed copy of the landed file; codes upper-cased. Rows without a code are kept
-- (the quality gate's null-rate check on carrier reports them).
CREATE TABLE ${staging_database}.${run_table}
WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${curated_airlines_location}') AS
SELECT
  upper(NULLIF(NULLIF(TRIM(CAST(carrier AS varchar)), ''), 'NA')) AS carrier,
  NULLIF(NULLIF(TRIM(CAST(name AS varchar)), ''), 'NA') AS name
FROM ${raw_database}.${raw_table}
