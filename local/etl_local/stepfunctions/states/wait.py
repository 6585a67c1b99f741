"""Wait: pauses for Seconds, until Timestamp, or their Path/JSONata forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from etl_local.stepfunctions.errors import RUNTIME, ExecutionInterrupted, StatesError
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    dynamic_value,
)
from etl_local.stepfunctions.scope import Scope
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    FLOW_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    State,
)


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as the States Language accepts it (uppercase T, Z or offset)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class WaitState(State):
    TYPE = "Wait"
    FIELDS = COMMON_FIELDS | FLOW_FIELDS | JSONATA_FIELDS | {"Seconds", "Timestamp"}
    JSONPATH_FIELDS = JSONPATH_IO_FIELDS | {"SecondsPath", "TimestampPath"}

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        self.mode, self.source = self._source()

    def _source(self) -> tuple[str, Evaluator]:
        for mode in ("Seconds", "Timestamp"):
            if f"{mode}Path" in self.spec:
                return mode, dynamic_value(self.spec[f"{mode}Path"], f"{mode}Path")
            if mode in self.spec:
                if self.language == "JSONata":
                    return mode, compile_jsonata_template(self.spec[mode], mode)
                return mode, _constant(self.spec[mode])
        raise ValueError("Wait needs Seconds, SecondsPath, Timestamp or TimestampPath")

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        frame.states = {"input": raw, "context": frame.context()}
        value = self.source(effective, frame)
        try:
            scope.sleep(self._seconds(value, scope, frame))
        except ExecutionInterrupted:
            scope.event("WaitStateAborted")
            raise
        return effective

    def _seconds(self, value: Any, scope: Scope, frame: Frame) -> float:
        if self.mode == "Seconds":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise StatesError(
                    RUNTIME,
                    f"{frame.where()} The SecondsPath parameter does not reference a valid "
                    f"integer value: {value!r}",
                )
            return float(value)
        moment = parse_timestamp(value)
        if moment is None:
            raise StatesError(
                RUNTIME,
                f"{frame.where()} The TimestampPath parameter does not reference a valid "
                f"ISO-8601 extended offset date-time format string: {value!r}",
            )
        return max(0.0, moment.timestamp() - scope.clock.now())


def _constant(value: Any) -> Evaluator:
    return lambda data, frame: value
