"""Local stand-in for the ``awsglue`` package (only the surface Glue job scripts here use)."""
