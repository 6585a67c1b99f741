"""``GlueContext``: the Spark session and a logger; DynamicFrames are not provided locally."""

from __future__ import annotations

import logging
from typing import Any


class GlueContext:
    def __init__(self, spark_context: Any) -> None:
        from pyspark.sql import SparkSession

        self._sc = spark_context
        # the builder's session: the run's own one when runs share a warm driver
        self.spark_session = SparkSession.builder.getOrCreate()

    def get_logger(self) -> logging.Logger:
        return logging.getLogger("GlueLogger")
