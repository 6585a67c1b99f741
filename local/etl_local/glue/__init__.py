"""Local AWS Glue: a classifier-faithful crawler and a PySpark job runner (no moto here).

Public interface:

- ``api.GlueApi(ctx)``: the Glue actions the local API plane answers (StartCrawler,
  StopCrawler, GetCrawler(s), BatchGetCrawlers, GetCrawlerMetrics, StartJobRun,
  GetJobRun(s), BatchStopJobRun); definitions stay in moto, read through passthrough.
- ``crawler.crawl(settings, s3, glue, seen)``: one crawl of S3 targets into the catalog;
  ``crawler.plan_target(Target(store, ...))``: the tables/partitions a crawl defines, over
  any ``storage.ObjectStore`` (S3 or a local folder).
- ``jobrunner.JobRunner(s3, workspace, warm=...)``: runs a Glue Spark script with Glue's
  argument handling and S3 staging (``staging``); ``driver``/``worker`` are the Spark driver
  processes (cold: one per run / warm: one shared by concurrent runs, a thread each, started
  early by ``prewarm``); ``shim/awsglue`` is put on the driver's sys.path only.
- ``cli.crawl``: ``etl-local crawl DIR [--format json]``.

Inside: ``classifiers`` (Avro/ORC/Parquet/JSON/CSV, Glue's order), ``types`` (Glue types and
widening), ``layout`` (exclusions, grouping into tables and partitions), ``sampling``
(which files are read), ``catalog`` (SchemaChangePolicy), ``crawls``/``jobruns``
(lifecycles on background threads), ``lifecycle`` (transition tables), ``errors`` (AWS codes
and messages), ``events`` (EventBridge events, CloudWatch logs).
"""
