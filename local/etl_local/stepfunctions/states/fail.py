"""Fail: stops the branch with an Error and a Cause (or their Path/JSONata forms)."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions.errors import StatesError, compact
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    dynamic_value,
)
from etl_local.stepfunctions.scope import Scope
from etl_local.stepfunctions.states.base import COMMON_FIELDS, State


class FailState(State):
    TYPE = "Fail"
    FIELDS = COMMON_FIELDS | {"Error", "Cause"}
    JSONPATH_FIELDS = frozenset({"ErrorPath", "CausePath"})

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        self.error = self._field("Error")
        self.cause = self._field("Cause")

    def _field(self, field: str) -> Evaluator | None:
        if self.language == "JSONata":
            return compile_jsonata_template(self.spec[field], field) if field in self.spec else None
        if f"{field}Path" in self.spec:
            return dynamic_value(self.spec[f"{field}Path"], f"{field}Path")
        if field in self.spec:
            value = self.spec[field]
            return lambda data, frame: value
        return None

    def run(self, scope: Scope, raw: Any) -> tuple[Any, str | None]:
        entered_at = scope.clock.now()
        entered_id = scope.event(
            "FailStateEntered",
            {"name": self.name, "input": compact(raw), "inputDetails": {"truncated": False}},
        )
        frame = self.frame(scope, entered_id, entered_at, 0)
        frame.states = {"input": raw, "context": frame.context()}
        error = None if self.error is None else self.error(raw, frame)
        cause = None if self.cause is None else self.cause(raw, frame)
        raise StatesError(error or "", cause)

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        raise NotImplementedError

    def transitions(self) -> list[str]:
        return []
