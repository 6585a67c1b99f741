"""The environment every Lambda gets from template.yaml, typed once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from etl_shared.config import ZONES

# Every run writes under <zone>/<table>/_runs/<run_id>/; a committed table points into one.
RUNS_SEGMENT = "/_runs/"


@dataclass(frozen=True)
class Settings:
    raw_bucket: str
    lake_bucket: str
    config_bucket: str
    config_prefix: str
    database_prefix: str
    resource_prefix: str  # <stack>-<stage>: names of per-run DataBrew datasets/jobs/recipes
    topic_arn: str
    state_machine_arn: str
    crawler_poll_seconds: int
    crawler_max_polls: int
    event_bus: str
    event_source: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            raw_bucket=env.get("RAW_BUCKET", ""),
            lake_bucket=env.get("LAKE_BUCKET", ""),
            config_bucket=env.get("CONFIG_BUCKET", ""),
            config_prefix=env.get("CONFIG_PREFIX", "config/"),
            database_prefix=env.get("GLUE_DATABASE_PREFIX", ""),
            resource_prefix=env.get("RESOURCE_PREFIX", "etl"),
            topic_arn=env.get("TOPIC_ARN", ""),
            state_machine_arn=env.get("STATE_MACHINE_ARN", ""),
            crawler_poll_seconds=int(env.get("CRAWLER_POLL_SECONDS", "30")),
            crawler_max_polls=int(env.get("CRAWLER_MAX_POLLS", "60")),
            event_bus=env.get("EVENT_BUS_NAME", "default"),
            event_source=env.get("EVENT_SOURCE", "etl.pipeline"),
        )

    def database(self, zone: str) -> str:
        if zone not in ZONES:
            raise ValueError(f"unknown zone {zone!r}")
        return f"{self.database_prefix}{zone}"

    def databases(self) -> dict[str, str]:
        return {zone: self.database(zone) for zone in ZONES}

    def table_location(self, zone: str, table: str, run_id: str) -> str:
        """s3://<lake>/<zone>/<table>/_runs/<run_id>/ (the run-scoped location contract)."""
        return f"s3://{self.lake_bucket}/{zone}/{table}{RUNS_SEGMENT}{run_id}/"
