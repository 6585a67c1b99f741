-- Quality checks on the run's typed flights, before anything is committed. Each column is
-- one check, 0 when it passes; a failing check fails this query - and the run, at this step -
-- with an error that names it (the failed CAST of its message), e.g.
-- "Cannot cast 'quality check failed: dep_delay_range (3 rows)' to INT".
-- Exact duplicate rows are not a key conflict: the recipe removes them. Two *different* rows
-- with one key are.
WITH distinct_rows AS (
  SELECT count(*) AS n FROM (SELECT DISTINCT * FROM ${staging_database}.${run_table})
),
stats AS (
  SELECT
    count(*) AS rows_out,
    (SELECT n FROM distinct_rows) - count(DISTINCT concat_ws(
      '|', CAST(flight_date AS varchar), carrier, CAST(flight AS varchar), origin,
      CAST(sched_dep_time AS varchar)
    )) AS duplicate_keys,
    count_if(carrier IS NULL OR origin IS NULL OR dest IS NULL) AS missing_codes,
    count_if(tailnum IS NULL) AS missing_tailnum,
    count_if(cancelled) AS cancelled,
    count_if(dep_delay NOT BETWEEN -120 AND 1800) AS dep_delay_out_of_range,
    count_if(arr_delay NOT BETWEEN -180 AND 1800) AS arr_delay_out_of_range,
    count_if(air_time NOT BETWEEN 10 AND 800) AS air_time_out_of_range,
    count_if(distance NOT BETWEEN 10 AND 6000) AS distance_out_of_range
  FROM ${staging_database}.${run_table}
)
SELECT
  rows_out,
  CASE WHEN duplicate_keys = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: flight_key_unique (', CAST(duplicate_keys AS varchar), ' conflicts)'
  ) AS integer) END AS flight_key_unique,
  CASE WHEN missing_codes = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: codes_present (', CAST(missing_codes AS varchar), ' rows)'
  ) AS integer) END AS codes_present,
  CASE WHEN missing_tailnum <= 0.05 * rows_out THEN 0 ELSE CAST(concat(
    'quality check failed: tailnum_null_rate <= 0.05 (', CAST(missing_tailnum AS varchar), ' rows)'
  ) AS integer) END AS tailnum_null_rate,
  CASE WHEN cancelled <= 0.2 * rows_out THEN 0 ELSE CAST(concat(
    'quality check failed: cancelled_rate <= 0.2 (', CAST(cancelled AS varchar), ' rows)'
  ) AS integer) END AS cancelled_rate,
  CASE WHEN dep_delay_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: dep_delay_range (', CAST(dep_delay_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS dep_delay_range,
  CASE WHEN arr_delay_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: arr_delay_range (', CAST(arr_delay_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS arr_delay_range,
  CASE WHEN air_time_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: air_time_range (', CAST(air_time_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS air_time_range,
  CASE WHEN distance_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: distance_range (', CAST(distance_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS distance_range
FROM stats
