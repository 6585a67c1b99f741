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
  flight_date, day, dep_time, sched_dep_time, dep_delay, arr_time, sched_arr_time, arr_delay,
  carrier, flight, tailnum, origin, dest, air_time, distance, hour, minute, time_hour,
  sched_dep_local, sched_arr_local, dep_local, arr_local,
  sched_dep_utc, sched_arr_utc, dep_utc, arr_utc, cancelled,
  year, month
FROM ${staging_database}.${run_table}_parsed
WHERE reject_reason IS NULL
