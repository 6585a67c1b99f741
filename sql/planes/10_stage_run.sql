-- Typed copy of the landed file. The source's manufacture year is renamed year_built so it
-- never collides with the flights' year partition in joins.
CREATE TABLE ${staging_database}.${run_table}
WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${curated_planes_location}') AS
SELECT
  upper(NULLIF(NULLIF(TRIM(CAST(tailnum AS varchar)), ''), 'NA')) AS tailnum,
  TRY_CAST(NULLIF(TRIM(CAST(year AS varchar)), 'NA') AS integer) AS year_built,
  NULLIF(NULLIF(TRIM(CAST(type AS varchar)), ''), 'NA') AS type,
  NULLIF(NULLIF(TRIM(CAST(manufacturer AS varchar)), ''), 'NA') AS manufacturer,
  NULLIF(NULLIF(TRIM(CAST(model AS varchar)), ''), 'NA') AS model,
  TRY_CAST(NULLIF(TRIM(CAST(engines AS varchar)), 'NA') AS integer) AS engines,
  TRY_CAST(NULLIF(TRIM(CAST(seats AS varchar)), 'NA') AS integer) AS seats,
  TRY_CAST(NULLIF(TRIM(CAST(speed AS varchar)), 'NA') AS integer) AS speed,
  NULLIF(NULLIF(TRIM(CAST(engine AS varchar)), ''), 'NA') AS engine
FROM ${raw_database}.${raw_table}
