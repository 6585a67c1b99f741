"""Local AWS Glue DataBrew: the recipe engine (DuckDB), recipe/profile jobs, the CLI.

- ``recipe``: ``compile_recipe(con, source, steps)`` -> one DuckDB query (``CompiledRecipe``),
  ``validate_recipe`` (reads no rows), ``run_recipe`` (a lazy relation). Steps are DataBrew's
  recipe JSON (``Action.Operation``/``Parameters``, ``ConditionExpressions``).
- ``base.OPERATIONS``: operation name -> compiler, one module per category in ``operations``.
- ``errors.RecipeValidationError``: DataBrew's ValidationException, naming the step.
- ``api.DataBrewApi``: StartJobRun, DescribeJobRun, ListJobRuns, StopJobRun on the API plane.
- ``jobs``: the run lifecycle and the work (datasets in, outputs out, profiles).
- ``profile.profile`` / ``render.render_html``: profile report and its HTML picture.
- ``cli.databrew``: ``etl-local databrew apply|profile``.
"""
