-- Typed copy of the landed file: 'NA' becomes NULL, numbers that do not parse become NULL.
CREATE TABLE ${staging_database}.${run_table}
WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${curated_airports_location}') AS
SELECT
  upper(NULLIF(NULLIF(TRIM(CAST(faa AS varchar)), ''), 'NA')) AS faa,
  NULLIF(NULLIF(TRIM(CAST(name AS varchar)), ''), 'NA') AS name,
  TRY_CAST(NULLIF(TRIM(CAST(lat AS varchar)), 'NA') AS double) AS lat,
  TRY_CAST(NULLIF(TRIM(CAST(lon AS varchar)), 'NA') AS double) AS lon,
  TRY_CAST(NULLIF(TRIM(CAST(alt AS varchar)), 'NA') AS integer) AS alt,
  TRY_CAST(NULLIF(TRIM(CAST(tz AS varchar)), 'NA') AS integer) AS tz,
  NULLIF(NULLIF(TRIM(CAST(dst AS varchar)), ''), 'NA') AS dst,
  NULLIF(NULLIF(TRIM(CAST(tzone AS varchar)), ''), 'NA') AS tzone
FROM ${raw_database}.${raw_table}
