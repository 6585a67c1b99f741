"""Tables and partitions as a crawl defines them (Glue's TableInput/PartitionInput shapes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from etl_local.glue.types import GlueType


@dataclass
class PartitionSpec:
    values: list[str]
    storage: dict[str, Any]
    parameters: dict[str, str]
    folder: str  # bucket-relative folder (incremental crawls remember these)


@dataclass
class TableSpec:
    name: str
    columns: list[tuple[str, GlueType]]
    partition_keys: list[str]
    storage: dict[str, Any]
    parameters: dict[str, str]
    partitions: list[PartitionSpec] = field(default_factory=list)

    def table_input(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "StorageDescriptor": self.storage,
            "PartitionKeys": [{"Name": key, "Type": "string"} for key in self.partition_keys],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": self.parameters,
        }
