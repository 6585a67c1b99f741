-- Every raw row of the run's partition, typed, with the reason it is rejected (NULL when valid).
-- Columns are read back as text whatever type the crawler inferred; missing is 'NA' or ''.
CREATE OR REPLACE VIEW ${staging_database}.${run_table}_parsed AS
WITH src AS (
  SELECT
    NULLIF(NULLIF(TRIM(CAST(origin AS varchar)), ''), 'NA') AS origin_s,
    NULLIF(NULLIF(TRIM(CAST(day AS varchar)), ''), 'NA') AS day_s,
    NULLIF(NULLIF(TRIM(CAST(hour AS varchar)), ''), 'NA') AS hour_s,
    NULLIF(NULLIF(TRIM(CAST(temp AS varchar)), ''), 'NA') AS temp_s,
    NULLIF(NULLIF(TRIM(CAST(dewp AS varchar)), ''), 'NA') AS dewp_s,
    NULLIF(NULLIF(TRIM(CAST(humid AS varchar)), ''), 'NA') AS humid_s,
    NULLIF(NULLIF(TRIM(CAST(wind_dir AS varchar)), ''), 'NA') AS wind_dir_s,
    NULLIF(NULLIF(TRIM(CAST(wind_speed AS varchar)), ''), 'NA') AS wind_speed_s,
    NULLIF(NULLIF(TRIM(CAST(wind_gust AS varchar)), ''), 'NA') AS wind_gust_s,
    NULLIF(NULLIF(TRIM(CAST(precip AS varchar)), ''), 'NA') AS precip_s,
    NULLIF(NULLIF(TRIM(CAST(pressure AS varchar)), ''), 'NA') AS pressure_s,
    NULLIF(NULLIF(TRIM(CAST(visib AS varchar)), ''), 'NA') AS visib_s,
    NULLIF(NULLIF(TRIM(CAST(time_hour AS varchar)), ''), 'NA') AS time_hour_s,
    concat_ws(
      ',',
      coalesce(CAST(origin AS varchar), ''), coalesce(CAST(day AS varchar), ''),
      coalesce(CAST(hour AS varchar), ''), coalesce(CAST(temp AS varchar), ''),
      coalesce(CAST(dewp AS varchar), ''), coalesce(CAST(humid AS varchar), ''),
      coalesce(CAST(wind_dir AS varchar), ''), coalesce(CAST(wind_speed AS varchar), ''),
      coalesce(CAST(wind_gust AS varchar), ''), coalesce(CAST(precip AS varchar), ''),
      coalesce(CAST(pressure AS varchar), ''), coalesce(CAST(visib AS varchar), ''),
      coalesce(CAST(time_hour AS varchar), '')
    ) AS raw_line
  FROM ${raw_database}.${raw_table}
  WHERE year = '${year}' AND month = '${month}'
),
typed AS (
  SELECT
    src.*,
    TRY_CAST(day_s AS integer) AS day_n,
    TRY_CAST(hour_s AS integer) AS hour_n,
    TRY_CAST(temp_s AS double) AS temp_n,
    TRY_CAST(dewp_s AS double) AS dewp_n,
    TRY_CAST(humid_s AS double) AS humid_n,
    TRY_CAST(wind_dir_s AS integer) AS wind_dir_n,
    TRY_CAST(wind_speed_s AS double) AS wind_speed_n,
    TRY_CAST(wind_gust_s AS double) AS wind_gust_n,
    TRY_CAST(precip_s AS double) AS precip_n,
    TRY_CAST(pressure_s AS double) AS pressure_n,
    TRY_CAST(visib_s AS double) AS visib_n,
    TRY_CAST(replace(replace(time_hour_s, 'T', ' '), 'Z', '') AS timestamp) AS time_hour_ts,
    CAST('${year}-${month}-01' AS date) AS month_start
  FROM src
),
checked AS (
  SELECT
    typed.*,
    CASE
      WHEN origin_s IS NULL THEN 'missing origin'
      WHEN day_s IS NULL THEN 'missing day'
      WHEN day_n IS NULL THEN 'non-numeric day'
      WHEN day_n NOT BETWEEN 1 AND day(last_day_of_month(month_start)) THEN 'invalid day'
      WHEN hour_s IS NULL THEN 'missing hour'
      WHEN hour_n IS NULL THEN 'non-numeric hour'
      WHEN hour_n NOT BETWEEN 0 AND 23 THEN 'invalid hour'
      WHEN time_hour_s IS NULL THEN 'missing time_hour'
      WHEN time_hour_ts IS NULL THEN 'invalid time_hour'
      WHEN temp_s IS NOT NULL AND temp_n IS NULL THEN 'non-numeric temp'
      WHEN dewp_s IS NOT NULL AND dewp_n IS NULL THEN 'non-numeric dewp'
      WHEN humid_s IS NOT NULL AND humid_n IS NULL THEN 'non-numeric humid'
      WHEN wind_dir_s IS NOT NULL AND wind_dir_n IS NULL THEN 'non-numeric wind_dir'
      WHEN wind_speed_s IS NOT NULL AND wind_speed_n IS NULL THEN 'non-numeric wind_speed'
      WHEN wind_gust_s IS NOT NULL AND wind_gust_n IS NULL THEN 'non-numeric wind_gust'
      WHEN precip_s IS NOT NULL AND precip_n IS NULL THEN 'non-numeric precip'
      WHEN pressure_s IS NOT NULL AND pressure_n IS NULL THEN 'non-numeric pressure'
      WHEN visib_s IS NOT NULL AND visib_n IS NULL THEN 'non-numeric visib'
    END AS reject_reason
  FROM typed
)
SELECT
  upper(origin_s) AS origin,
  CAST(date_add('day', day_n - 1, month_start) AS date) AS obs_date,
  day_n AS day,
  hour_n AS hour,
  temp_n AS temp,
  dewp_n AS dewp,
  humid_n AS humid,
  wind_dir_n AS wind_dir,
  wind_speed_n AS wind_speed,
  wind_gust_n AS wind_gust,
  precip_n AS precip,
  pressure_n AS pressure,
  visib_n AS visib,
  time_hour_ts AS time_hour,
  reject_reason,
  raw_line,
  '${year}' AS year,
  '${month}' AS month
FROM checked
