"""A crawler definition (GetCrawler's ``Crawler`` shape) as the crawl engine reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CRAWL_EVERYTHING = "CRAWL_EVERYTHING"
CRAWL_NEW_FOLDERS_ONLY = "CRAWL_NEW_FOLDERS_ONLY"
UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"
LOG = "LOG"
DELETE_FROM_DATABASE = "DELETE_FROM_DATABASE"
DEPRECATE_IN_DATABASE = "DEPRECATE_IN_DATABASE"
COMBINE_COMPATIBLE_SCHEMAS = "CombineCompatibleSchemas"
INHERIT_FROM_TABLE = "InheritFromTable"
MERGE_NEW_COLUMNS = "MergeNewColumns"


@dataclass(frozen=True)
class S3Target:
    path: str  # s3://bucket/prefix
    exclusions: tuple[str, ...] = ()
    sample_size: int | None = None  # files per leaf folder (1..249); None: all


@dataclass(frozen=True)
class CrawlerSettings:
    name: str
    database: str
    targets: tuple[S3Target, ...]
    table_prefix: str = ""
    update_behavior: str = UPDATE_IN_DATABASE
    delete_behavior: str = DEPRECATE_IN_DATABASE
    recrawl: str = CRAWL_EVERYTHING
    configuration: dict[str, Any] = field(default_factory=dict)
    classifiers: tuple[str, ...] = ()  # custom classifier names, tried in this order

    @property
    def combine_schemas(self) -> bool:
        grouping = self.configuration.get("Grouping", {})
        return grouping.get("TableGroupingPolicy") == COMBINE_COMPATIBLE_SCHEMAS

    @property
    def table_level(self) -> int | None:
        level = self.configuration.get("Grouping", {}).get("TableLevelConfiguration")
        return int(level) if level else None

    @property
    def inherit_from_table(self) -> bool:
        output = self.configuration.get("CrawlerOutput", {})
        return output.get("Partitions", {}).get("AddOrUpdateBehavior") == INHERIT_FROM_TABLE

    @property
    def merge_new_columns(self) -> bool:
        """CrawlerOutput.Tables.AddOrUpdateBehavior MergeNewColumns: add, never retype."""
        tables = self.configuration.get("CrawlerOutput", {}).get("Tables", {})
        return tables.get("AddOrUpdateBehavior") == MERGE_NEW_COLUMNS

    @property
    def table_threshold(self) -> int | None:
        tables = self.configuration.get("CrawlerOutput", {}).get("Tables", {})
        threshold = tables.get("TableThreshold")
        return int(threshold) if threshold is not None else None

    @property
    def new_folders_only(self) -> bool:
        return self.recrawl == CRAWL_NEW_FOLDERS_ONLY

    @classmethod
    def from_glue(cls, crawler: dict[str, Any]) -> CrawlerSettings:
        targets = tuple(
            S3Target(
                t["Path"],
                tuple(t.get("Exclusions", [])),
                int(t["SampleSize"]) if t.get("SampleSize") else None,
            )
            for t in crawler.get("Targets", {}).get("S3Targets", [])
        )
        policy = crawler.get("SchemaChangePolicy", {})
        configuration = crawler.get("Configuration") or "{}"
        return cls(
            name=crawler["Name"],
            database=crawler.get("DatabaseName") or "default",
            targets=targets,
            table_prefix=crawler.get("TablePrefix", ""),
            update_behavior=policy.get("UpdateBehavior", UPDATE_IN_DATABASE),
            delete_behavior=policy.get("DeleteBehavior", DEPRECATE_IN_DATABASE),
            recrawl=crawler.get("RecrawlPolicy", {}).get("RecrawlBehavior", CRAWL_EVERYTHING),
            configuration=json.loads(configuration)
            if isinstance(configuration, str)
            else configuration,
            classifiers=tuple(crawler.get("Classifiers") or ()),
        )
