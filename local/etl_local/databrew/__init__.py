"""Local AWS Glue DataBrew: the recipe engine (DuckDB), recipe/profile jobs, the CLI.

``recipe`` compiles DataBrew recipe steps to one DuckDB query; ``api.DataBrewApi`` supplies
the job-run actions moto lacks; ``cli.databrew`` is the ``etl-local databrew`` group.
"""
