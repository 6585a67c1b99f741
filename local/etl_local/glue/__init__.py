"""Local AWS Glue: a classifier-faithful crawler and a PySpark job runner (no moto here)."""
