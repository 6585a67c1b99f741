"""Local AWS Glue DataBrew: the recipe engine (DuckDB), recipe/profile jobs, the CLI.

- ``recipe``: ``compile_recipe(con, source, steps)`` -> one DuckDB query (``CompiledRecipe``;
  every step is validated before a statistic reads data), ``check_recipe``/``validate_recipe``
  (read no rows), ``run_recipe`` (a lazy relation). Steps are DataBrew's
  recipe JSON (``Action.Operation``/``Parameters``, ``ConditionExpressions``).
- ``base.OPERATIONS``: operation name -> compiler, one module per category in ``operations``.
- ``errors.RecipeValidationError``: DataBrew's ValidationException, naming the step.
- ``api.DataBrewApi``: StartJobRun, DescribeJobRun, ListJobRuns, StopJobRun on the API plane.
- ``jobs``: the run lifecycle and the work (datasets in, outputs out, profiles).
- ``storage``: dataset inputs (S3 with dynamic paths, Data Catalog) and job outputs (formats,
  compressions, partitions) as DataBrew allows them and as they can be written locally.
- ``profile.profile`` / ``render.render_html``, ``render.render_png``: the profile report and
  its pictures.
- ``cli.databrew``: ``etl-local databrew apply|profile``.
"""
