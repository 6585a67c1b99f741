-- The stage's row balance for the quality gate: rows_in = rows_out + rows_rejected.
SELECT
  (
    SELECT count(*) FROM ${raw_database}.${raw_table}
    WHERE year = '${year}' AND month = '${month}'
  ) AS rows_in,
  (SELECT count(*) FROM ${staging_database}.${run_table}) AS rows_out,
  (SELECT count(*) FROM ${staging_database}.${run_table}_rejects) AS rows_rejected
