-- Quality checks on the run's typed observations, before anything is committed. Each column
-- is one check, 0 when it passes; a failing check fails this query - and the run, at this
-- step - with an error that names it (the failed CAST of its message). Wind speed has no
-- range check: the source's known bad readings are flagged by the recipe (wind_speed_outlier).
-- Exact duplicate rows are not a key conflict: the recipe removes them.
WITH distinct_rows AS (
  SELECT count(*) AS n FROM (SELECT DISTINCT * FROM ${staging_database}.${run_table})
),
stats AS (
  SELECT
    count(*) AS rows_out,
    (SELECT n FROM distinct_rows) - count(DISTINCT concat_ws('|', origin, CAST(time_hour AS varchar)))
      AS duplicate_keys,
    count_if(temp IS NULL) AS missing_temp,
    count_if(temp NOT BETWEEN -40 AND 130) AS temp_out_of_range,
    count_if(humid NOT BETWEEN 0 AND 100) AS humid_out_of_range,
    count_if(pressure NOT BETWEEN 900 AND 1100) AS pressure_out_of_range
  FROM ${staging_database}.${run_table}
)
SELECT
  rows_out,
  CASE WHEN duplicate_keys = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: observation_key_unique (', CAST(duplicate_keys AS varchar), ' conflicts)'
  ) AS integer) END AS observation_key_unique,
  CASE WHEN missing_temp <= 0.01 * rows_out THEN 0 ELSE CAST(concat(
    'quality check failed: temp_null_rate <= 0.01 (', CAST(missing_temp AS varchar), ' rows)'
  ) AS integer) END AS temp_null_rate,
  CASE WHEN temp_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: temp_range (', CAST(temp_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS temp_range,
  CASE WHEN humid_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: humid_range (', CAST(humid_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS humid_range,
  CASE WHEN pressure_out_of_range = 0 THEN 0 ELSE CAST(concat(
    'quality check failed: pressure_range (', CAST(pressure_out_of_range AS varchar), ' rows)'
  ) AS integer) END AS pressure_range
FROM stats
