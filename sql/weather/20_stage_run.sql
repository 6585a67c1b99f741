-- The run's valid rows as typed Parquet in the run-scoped (empty) location; partition columns
-- last. One raw file is one (year, month): one partition, far below Athena's 100 per query.
CREATE TABLE ${staging_database}.${run_table}
WITH (
  format = 'PARQUET',
  write_compression = 'SNAPPY',
  external_location = '${run_location}',
  partitioned_by = ARRAY['year', 'month']
) AS
SELECT
  origin, obs_date, day, hour, temp, dewp, humid, wind_dir, wind_speed, wind_gust, precip,
  pressure, visib, time_hour,
  year, month
FROM ${staging_database}.${run_table}_parsed
WHERE reject_reason IS NULL
