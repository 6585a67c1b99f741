-- The run's weather extract table: its data stays in the run folder the Glue job reads.
DROP TABLE IF EXISTS ${staging_database}.${run_table}_weather
