-- Rows that could not be typed, kept with their raw content and the reason (never dropped).
CREATE TABLE ${staging_database}.${run_table}_rejects
WITH (
  format = 'PARQUET',
  write_compression = 'SNAPPY',
  external_location = '${staging_weather_rejects_location}',
  partitioned_by = ARRAY['year', 'month']
) AS
SELECT raw_line, reject_reason, year, month
FROM ${staging_database}.${run_table}_parsed
WHERE reject_reason IS NOT NULL
