"""Pass: passes its input (or Result/Parameters) to its output."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.payload import Frame
from etl_local.stepfunctions.scope import Scope
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    FLOW_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    State,
)


class PassState(State):
    TYPE = "Pass"
    FIELDS = COMMON_FIELDS | FLOW_FIELDS | JSONATA_FIELDS
    JSONPATH_FIELDS = JSONPATH_IO_FIELDS | {"Result", "ResultPath", "Parameters"}

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        self.HAS_RESULT = self.language == "JSONPath"  # type: ignore[misc]
        self.has_fixed_result = "Result" in spec

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        if self.has_fixed_result:
            return self.spec["Result"]
        return self.io.arguments(raw, effective, frame)
