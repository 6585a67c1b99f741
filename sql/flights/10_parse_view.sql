-- Every raw row of the run's partition, typed, with the reason it is rejected (NULL when valid).
-- The raw table is whatever the crawler inferred: every column is read back as text, so the
-- same SQL works whether a column was catalogued as bigint or string. Missing is 'NA' or ''.
-- Local times come from the date and the hhmm fields (2400 is midnight at the end of the day);
-- UTC times from each airport's IANA time zone (curated.airports); a scheduled arrival that is
-- earlier than the departure is on the next day.
-- A zone's offset is looked up once per local day (zone_days) instead of converting each row's
-- time zone name: a day whose first and last minute have the same offset has no transition,
-- so every local time of it converts by that offset. Any other day (a DST change) and any time
-- not found there (no zone, a day outside the month) converts row by row, the same way.
CREATE OR REPLACE VIEW ${staging_database}.${run_table}_parsed AS
WITH src AS (
  SELECT
    NULLIF(NULLIF(TRIM(CAST(day AS varchar)), ''), 'NA') AS day_s,
    NULLIF(NULLIF(TRIM(CAST(dep_time AS varchar)), ''), 'NA') AS dep_time_s,
    NULLIF(NULLIF(TRIM(CAST(sched_dep_time AS varchar)), ''), 'NA') AS sched_dep_time_s,
    NULLIF(NULLIF(TRIM(CAST(dep_delay AS varchar)), ''), 'NA') AS dep_delay_s,
    NULLIF(NULLIF(TRIM(CAST(arr_time AS varchar)), ''), 'NA') AS arr_time_s,
    NULLIF(NULLIF(TRIM(CAST(sched_arr_time AS varchar)), ''), 'NA') AS sched_arr_time_s,
    NULLIF(NULLIF(TRIM(CAST(arr_delay AS varchar)), ''), 'NA') AS arr_delay_s,
    NULLIF(NULLIF(TRIM(CAST(carrier AS varchar)), ''), 'NA') AS carrier_s,
    NULLIF(NULLIF(TRIM(CAST(flight AS varchar)), ''), 'NA') AS flight_s,
    NULLIF(NULLIF(TRIM(CAST(tailnum AS varchar)), ''), 'NA') AS tailnum_s,
    NULLIF(NULLIF(TRIM(CAST(origin AS varchar)), ''), 'NA') AS origin_s,
    NULLIF(NULLIF(TRIM(CAST(dest AS varchar)), ''), 'NA') AS dest_s,
    NULLIF(NULLIF(TRIM(CAST(air_time AS varchar)), ''), 'NA') AS air_time_s,
    NULLIF(NULLIF(TRIM(CAST(distance AS varchar)), ''), 'NA') AS distance_s,
    NULLIF(NULLIF(TRIM(CAST(hour AS varchar)), ''), 'NA') AS hour_s,
    NULLIF(NULLIF(TRIM(CAST(minute AS varchar)), ''), 'NA') AS minute_s,
    NULLIF(NULLIF(TRIM(CAST(time_hour AS varchar)), ''), 'NA') AS time_hour_s,
    concat_ws(
      ',',
      coalesce(CAST(day AS varchar), ''), coalesce(CAST(dep_time AS varchar), ''),
      coalesce(CAST(sched_dep_time AS varchar), ''), coalesce(CAST(dep_delay AS varchar), ''),
      coalesce(CAST(arr_time AS varchar), ''), coalesce(CAST(sched_arr_time AS varchar), ''),
      coalesce(CAST(arr_delay AS varchar), ''), coalesce(CAST(carrier AS varchar), ''),
      coalesce(CAST(flight AS varchar), ''), coalesce(CAST(tailnum AS varchar), ''),
      coalesce(CAST(origin AS varchar), ''), coalesce(CAST(dest AS varchar), ''),
      coalesce(CAST(air_time AS varchar), ''), coalesce(CAST(distance AS varchar), ''),
      coalesce(CAST(hour AS varchar), ''), coalesce(CAST(minute AS varchar), ''),
      coalesce(CAST(time_hour AS varchar), '')
    ) AS raw_line
  FROM ${raw_database}.${raw_table}
  WHERE year = '${year}' AND month = '${month}'
),
typed AS (
  SELECT
    src.*,
    TRY_CAST(day_s AS integer) AS day_n,
    TRY_CAST(dep_time_s AS integer) AS dep_time_n,
    TRY_CAST(sched_dep_time_s AS integer) AS sched_dep_time_n,
    TRY_CAST(dep_delay_s AS integer) AS dep_delay_n,
    TRY_CAST(arr_time_s AS integer) AS arr_time_n,
    TRY_CAST(sched_arr_time_s AS integer) AS sched_arr_time_n,
    TRY_CAST(arr_delay_s AS integer) AS arr_delay_n,
    TRY_CAST(flight_s AS integer) AS flight_n,
    TRY_CAST(air_time_s AS integer) AS air_time_n,
    TRY_CAST(distance_s AS integer) AS distance_n,
    TRY_CAST(hour_s AS integer) AS hour_n,
    TRY_CAST(minute_s AS integer) AS minute_n,
    TRY_CAST(replace(replace(time_hour_s, 'T', ' '), 'Z', '') AS timestamp) AS time_hour_ts,
    CAST('${year}-${month}-01' AS date) AS month_start
  FROM src
),
checked AS (
  SELECT
    typed.*,
    CASE
      WHEN day_s IS NULL THEN 'missing day'
      WHEN day_n IS NULL THEN 'non-numeric day'
      WHEN day_n NOT BETWEEN 1 AND day(last_day_of_month(month_start)) THEN 'invalid day'
      WHEN sched_dep_time_s IS NULL THEN 'missing sched_dep_time'
      WHEN sched_arr_time_s IS NULL THEN 'missing sched_arr_time'
      WHEN carrier_s IS NULL THEN 'missing carrier'
      WHEN flight_s IS NULL THEN 'missing flight'
      WHEN origin_s IS NULL THEN 'missing origin'
      WHEN dest_s IS NULL THEN 'missing dest'
      WHEN time_hour_s IS NULL THEN 'missing time_hour'
      WHEN dep_time_s IS NOT NULL AND dep_time_n IS NULL THEN 'non-numeric dep_time'
      WHEN sched_dep_time_n IS NULL THEN 'non-numeric sched_dep_time'
      WHEN dep_delay_s IS NOT NULL AND dep_delay_n IS NULL THEN 'non-numeric dep_delay'
      WHEN arr_time_s IS NOT NULL AND arr_time_n IS NULL THEN 'non-numeric arr_time'
      WHEN sched_arr_time_n IS NULL THEN 'non-numeric sched_arr_time'
      WHEN arr_delay_s IS NOT NULL AND arr_delay_n IS NULL THEN 'non-numeric arr_delay'
      WHEN flight_n IS NULL THEN 'non-numeric flight'
      WHEN air_time_s IS NOT NULL AND air_time_n IS NULL THEN 'non-numeric air_time'
      WHEN distance_s IS NOT NULL AND distance_n IS NULL THEN 'non-numeric distance'
      WHEN hour_s IS NOT NULL AND hour_n IS NULL THEN 'non-numeric hour'
      WHEN minute_s IS NOT NULL AND minute_n IS NULL THEN 'non-numeric minute'
      -- departed (dep_time) but no delay: a delay the crawled type could not read
      WHEN dep_time_s IS NOT NULL AND dep_delay_s IS NULL THEN 'missing dep_delay'
      WHEN dep_time_n NOT BETWEEN 0 AND 2400 OR dep_time_n % 100 >= 60 THEN 'invalid dep_time'
      WHEN sched_dep_time_n NOT BETWEEN 0 AND 2400 OR sched_dep_time_n % 100 >= 60
        THEN 'invalid sched_dep_time'
      WHEN arr_time_n NOT BETWEEN 0 AND 2400 OR arr_time_n % 100 >= 60 THEN 'invalid arr_time'
      WHEN sched_arr_time_n NOT BETWEEN 0 AND 2400 OR sched_arr_time_n % 100 >= 60
        THEN 'invalid sched_arr_time'
      WHEN time_hour_ts IS NULL THEN 'invalid time_hour'
    END AS reject_reason,
    CAST(date_add('day', day_n - 1, month_start) AS date) AS flight_date
  FROM typed
),
zone_day_bounds AS (
  SELECT
    tzone,
    local_day,
    CAST(local_day AS timestamp) AS first_minute,
    date_add('minute', 1439, CAST(local_day AS timestamp)) AS last_minute
  FROM (
    SELECT tzone, date_add('day', n, CAST('${year}-${month}-01' AS date)) AS local_day
    FROM (SELECT DISTINCT tzone FROM ${curated_database}.airports WHERE tzone IS NOT NULL)
    CROSS JOIN UNNEST(sequence(0, 33)) AS days (n)
  )
),
zone_day_shifts AS (
  SELECT
    tzone,
    local_day,
    date_diff(
      'second',
      first_minute,
      CAST(
        TRY_CAST(concat(CAST(first_minute AS varchar), ' ', tzone) AS timestamp with time zone)
        AT TIME ZONE 'UTC' AS timestamp
      )
    ) AS first_shift,
    date_diff(
      'second',
      last_minute,
      CAST(
        TRY_CAST(concat(CAST(last_minute AS varchar), ' ', tzone) AS timestamp with time zone)
        AT TIME ZONE 'UTC' AS timestamp
      )
    ) AS last_shift
  FROM zone_day_bounds
),
zone_days AS (
  SELECT tzone, local_day, first_shift AS utc_shift
  FROM zone_day_shifts
  WHERE first_shift = last_shift
),
scheduled AS (
  SELECT
    checked.*,
    o.tzone AS origin_tzone,
    d.tzone AS dest_tzone,
    date_add(
      'minute',
      CAST(floor(sched_dep_time_n / 100) AS integer) * 60 + sched_dep_time_n % 100,
      CAST(flight_date AS timestamp)
    ) AS sched_dep_local,
    date_add(
      'minute',
      CAST(floor(sched_arr_time_n / 100) AS integer) * 60 + sched_arr_time_n % 100,
      CAST(flight_date AS timestamp)
    ) AS sched_arr_same_day
  FROM checked
  LEFT JOIN ${curated_database}.airports AS o ON o.faa = upper(origin_s)
  LEFT JOIN ${curated_database}.airports AS d ON d.faa = upper(dest_s)
),
zoned AS (
  SELECT
    scheduled.*,
    CASE
      WHEN dep_day.utc_shift IS NOT NULL
        THEN date_add('second', dep_day.utc_shift, sched_dep_local)
      ELSE CAST(
        CAST(
          concat(CAST(sched_dep_local AS varchar), ' ', origin_tzone) AS timestamp with time zone
        ) AT TIME ZONE 'UTC' AS timestamp
      )
    END AS sched_dep_utc_z,
    CASE
      WHEN arr_day.utc_shift IS NOT NULL
        THEN date_add('second', arr_day.utc_shift, sched_arr_same_day)
      ELSE CAST(
        CAST(
          concat(CAST(sched_arr_same_day AS varchar), ' ', dest_tzone) AS timestamp with time zone
        ) AT TIME ZONE 'UTC' AS timestamp
      )
    END AS sched_arr_same_day_utc
  FROM scheduled
  LEFT JOIN zone_days AS dep_day
    ON dep_day.tzone = origin_tzone AND dep_day.local_day = CAST(sched_dep_local AS date)
  LEFT JOIN zone_days AS arr_day
    ON arr_day.tzone = dest_tzone AND arr_day.local_day = CAST(sched_arr_same_day AS date)
),
arrival AS (
  SELECT
    zoned.*,
    CASE
      WHEN sched_dep_utc_z IS NOT NULL AND sched_arr_same_day_utc IS NOT NULL
        THEN sched_arr_same_day_utc < sched_dep_utc_z
      ELSE sched_arr_same_day < sched_dep_local
    END AS arrives_next_day
  FROM zoned
),
timed AS (
  SELECT
    arrival.*,
    CASE
      WHEN arrives_next_day THEN date_add('day', 1, sched_arr_same_day) ELSE sched_arr_same_day
    END AS sched_arr_local
  FROM arrival
),
arrival_utc AS (
  SELECT
    timed.*,
    CASE
      WHEN arr_day.utc_shift IS NOT NULL
        THEN date_add('second', arr_day.utc_shift, sched_arr_local)
      ELSE CAST(
        CAST(
          concat(CAST(sched_arr_local AS varchar), ' ', dest_tzone) AS timestamp with time zone
        ) AT TIME ZONE 'UTC' AS timestamp
      )
    END AS sched_arr_utc_z
  FROM timed
  LEFT JOIN zone_days AS arr_day
    ON arr_day.tzone = dest_tzone AND arr_day.local_day = CAST(sched_arr_local AS date)
)
SELECT
  flight_date,
  day_n AS day,
  dep_time_n AS dep_time,
  sched_dep_time_n AS sched_dep_time,
  dep_delay_n AS dep_delay,
  arr_time_n AS arr_time,
  sched_arr_time_n AS sched_arr_time,
  arr_delay_n AS arr_delay,
  carrier_s AS carrier,
  flight_n AS flight,
  tailnum_s AS tailnum,
  origin_s AS origin,
  dest_s AS dest,
  air_time_n AS air_time,
  distance_n AS distance,
  hour_n AS hour,
  minute_n AS minute,
  time_hour_ts AS time_hour,
  sched_dep_local,
  sched_arr_local,
  date_add('minute', dep_delay_n, sched_dep_local) AS dep_local,
  date_add('minute', arr_delay_n, sched_arr_local) AS arr_local,
  sched_dep_utc_z AS sched_dep_utc,
  sched_arr_utc_z AS sched_arr_utc,
  date_add('minute', dep_delay_n, sched_dep_utc_z) AS dep_utc,
  date_add('minute', arr_delay_n, sched_arr_utc_z) AS arr_utc,
  dep_time_n IS NULL AS cancelled,
  reject_reason,
  raw_line,
  '${year}' AS year,
  '${month}' AS month
FROM arrival_utc
