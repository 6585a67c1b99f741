-- The run's CTAS table is scaffolding: its data stays in the run location, which commit uses.
DROP TABLE IF EXISTS ${staging_database}.${run_table}
