"""Trigger: landed objects -> pipeline executions (deterministic names, duplicates ignored)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from etl_shared.config import ConfigStore
from etl_shared.objects import LandedObject, landed_objects
from etl_shared.runid import execution_name


@dataclass(frozen=True)
class Decision:
    key: str
    action: str  # started | duplicate | ignored
    reason: str = ""
    execution: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _ignore_reason(obj: LandedObject, store: ConfigStore, raw_bucket: str) -> str:
    if raw_bucket and obj.bucket != raw_bucket:
        return f"bucket {obj.bucket} is not the raw bucket"
    if obj.is_folder:
        return "folder placeholder object"
    if obj.size == 0:
        return "zero-byte object"
    if store.for_key(obj.key) is None:
        return "key outside every dataset prefix"
    return ""


def execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def _exists(sfn: Any, arn: str) -> bool:
    try:
        sfn.describe_execution(executionArn=arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True


def start_runs(
    event: dict[str, Any], store: ConfigStore, sfn: Any, state_machine_arn: str, raw_bucket: str
) -> list[Decision]:
    decisions = []
    for obj in landed_objects(event):
        reason = _ignore_reason(obj, store, raw_bucket)
        if reason:
            decisions.append(Decision(obj.key, "ignored", reason))
            continue
        dataset = store.for_key(obj.key)
        assert dataset is not None
        name = execution_name(dataset.name, obj)
        payload = {"dataset": dataset.name, "object": obj.to_dict()}
        if _exists(sfn, execution_arn(state_machine_arn, name)):
            # A redelivered event: StartExecution would be idempotent (same name and input)
            # or fail with ExecutionAlreadyExists; either way it is not a second run.
            decisions.append(Decision(obj.key, "duplicate", "execution already exists", name))
            continue
        try:
            sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            decisions.append(Decision(obj.key, "duplicate", "execution already exists", name))
            continue
        decisions.append(Decision(obj.key, "started", execution=name))
    return decisions
