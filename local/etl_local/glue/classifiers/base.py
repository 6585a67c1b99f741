"""What a built-in classifier returns, and the storage formats Glue records for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl_local.glue.types import GlueType

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


@dataclass(frozen=True)
class StorageFormat:
    """The StorageDescriptor fields a classification implies."""

    input_format: str
    output_format: str
    serde: str
    serde_parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Classification:
    """One file's classification: format, schema and the sample's size statistics."""

    classification: str  # csv, json, parquet, orc, avro, UNKNOWN
    columns: list[tuple[str, GlueType]]
    storage: StorageFormat | None
    parameters: dict[str, str] = field(default_factory=dict)  # table parameters it implies
    records: int = 0  # records in the sample
    sample_bytes: int = 0  # uncompressed bytes those records take
    exact: bool = False  # records is the file's true count (whole file read, or metadata)
    compression: str = "none"
    inflation: float = 1.0  # uncompressed bytes per stored byte (compressed files)

    @property
    def signature(self) -> tuple[str, ...]:
        """What must agree for two files to share a table (besides compatible columns)."""
        storage = self.storage
        serde = tuple(sorted(storage.serde_parameters.items())) if storage else ()
        header = self.parameters.get("skip.header.line.count", "0")
        return (self.classification, storage.serde if storage else "", str(serde), header)

    def estimated_records(self, stored_size: int) -> int:
        """The file's record count: exact when known, else extrapolated from the sample."""
        if self.exact or not self.sample_bytes:
            return self.records
        return round(self.records * stored_size * self.inflation / self.sample_bytes)

    @property
    def average_record_size(self) -> int:
        return round(self.sample_bytes / self.records) if self.records else 0


UNKNOWN = "UNKNOWN"


def unknown() -> Classification:
    return Classification(UNKNOWN, [], None)
