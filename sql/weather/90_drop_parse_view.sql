-- The parse view is run-scoped scaffolding; the run's tables stay until commit.
DROP VIEW IF EXISTS ${staging_database}.${run_table}_parsed
