"""The common pipeline every state runs, and the Retry/Catch fields.

``State.run`` records <Type>StateEntered, processes input, calls the state's own ``work``,
retries/catches failures, processes the output, applies Assign, enforces the payload limit
and records <Type>StateExited. Subclasses implement ``work`` and declare their fields.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

from etl_local.stepfunctions.errors import (
    DATA_LIMIT_EXCEEDED,
    RUNTIME,
    ExecutionInterrupted,
    StatesError,
    compact,
    matches,
)
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    compile_jsonpath_template,
)
from etl_local.stepfunctions.scope import MAX_PAYLOAD_BYTES, BranchAbandoned, Scope
from etl_local.stepfunctions.states.io import IO, IO_BY_LANGUAGE, apply_result_path

COMMON_FIELDS = frozenset({"Type", "Comment", "QueryLanguage"})
FLOW_FIELDS = frozenset({"Next", "End"})
JSONPATH_IO_FIELDS = frozenset({"InputPath", "OutputPath"})
RESULT_FIELDS = frozenset({"ResultPath", "ResultSelector"})
JSONATA_FIELDS = frozenset({"Output", "Assign"})


@dataclass
class Retrier:
    error_equals: list[str]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Retrier:
        return cls(
            error_equals=list(spec["ErrorEquals"]),
            interval_seconds=spec.get("IntervalSeconds", 1),
            max_attempts=spec.get("MaxAttempts", 3),
            backoff_rate=spec.get("BackoffRate", 2.0),
            max_delay_seconds=spec.get("MaxDelaySeconds"),
            jitter_strategy=spec.get("JitterStrategy", "NONE"),
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        seconds = self.interval_seconds * self.backoff_rate**attempt
        if self.max_delay_seconds is not None:
            seconds = min(seconds, self.max_delay_seconds)
        if self.jitter_strategy == "FULL":
            seconds = random.uniform(0, seconds)  # noqa: S311
        return float(seconds)


@dataclass
class Catcher:
    error_equals: list[str]
    next: str
    result_path: Any
    output: Evaluator | None
    assign: Evaluator | None
    language: str

    @classmethod
    def from_json(cls, spec: dict[str, Any], language: str) -> Catcher:
        compile_template = (
            compile_jsonata_template if language == "JSONata" else compile_jsonpath_template
        )
        return cls(
            error_equals=list(spec["ErrorEquals"]),
            next=spec["Next"],
            result_path=spec.get("ResultPath", "$") if language == "JSONPath" else None,
            output=compile_template(spec["Output"]) if "Output" in spec else None,
            assign=compile_template(spec["Assign"]) if "Assign" in spec else None,
            language=language,
        )

    def apply(
        self, raw: Any, error: StatesError, frame: Frame
    ) -> tuple[Any, dict[str, Any] | None]:
        error_output = error.to_output()
        if self.language == "JSONPath":
            assigned = None if self.assign is None else self.assign(error_output, frame)
            return apply_result_path(self.result_path, raw, error_output, frame), assigned
        frame.states = {"input": raw, "errorOutput": error_output, "context": frame.context()}
        output = error_output if self.output is None else self.output(raw, frame)
        assigned = None if self.assign is None else self.assign(raw, frame)
        return output, assigned


class State:
    """A state of any type; subclasses set TYPE, FIELDS and implement ``work``."""

    TYPE: ClassVar[str] = ""
    FIELDS: ClassVar[frozenset[str]] = frozenset()
    JSONPATH_FIELDS: ClassVar[frozenset[str]] = frozenset()
    HAS_RESULT: ClassVar[bool] = False
    LIMIT_RESULT: ClassVar[bool] = False  # the raw result itself must fit (Task, Map, Parallel)
    ARGUMENTS_FIELD: ClassVar[dict[str, str]] = {"JSONPath": "Parameters", "JSONata": "Arguments"}

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        self.name = name
        self.spec = spec
        self.language = spec.get("QueryLanguage", language)
        self.next: str | None = spec.get("Next")
        self.end = bool(spec.get("End", False))
        io_class = IO_BY_LANGUAGE[self.language]
        self.io: IO = io_class(spec, self.ARGUMENTS_FIELD[self.language])
        self.retriers = [Retrier.from_json(r) for r in spec.get("Retry", [])]
        self.catchers = [Catcher.from_json(c, self.language) for c in spec.get("Catch", [])]

    # --- the pipeline -----------------------------------------------------------------

    def run(self, scope: Scope, raw: Any) -> tuple[Any, str | None]:
        entered_at = scope.clock.now()
        entered_id = scope.event(
            f"{self.TYPE}StateEntered", {"name": self.name, **_payload(scope, "input", raw)}
        )
        attempts = [0] * len(self.retriers)
        retry_count = 0
        while True:
            frame = self.frame(scope, entered_id, entered_at, retry_count)
            try:
                output, assigned = self._guarded_attempt(scope, raw, frame)
                following = self.following(raw, output, frame)
                break
            except StatesError as err:
                retrier = self._retrier_for(err, attempts)
                if retrier is not None:
                    index = self.retriers.index(retrier)
                    scope.sleep(retrier.delay(attempts[index]))
                    attempts[index] += 1
                    retry_count += 1
                    continue
                catcher = self._catcher_for(err)
                if catcher is None:
                    raise
                output, assigned = catcher.apply(raw, err, frame)
                following = catcher.next
                break
        if assigned:
            scope.variables.update(assigned)
        self.exit(scope, output, assigned)
        return output, following

    def frame(self, scope: Scope, entered_id: int, entered_at: float, retry_count: int) -> Frame:
        cache: dict[str, Any] = {}

        def context() -> dict[str, Any]:
            if "ctx" not in cache:
                cache["ctx"] = scope.context(self.name, entered_at, retry_count)
            return cache["ctx"]

        return Frame(self.name, entered_id, context, scope.variables)

    def _guarded_attempt(
        self, scope: Scope, raw: Any, frame: Frame
    ) -> tuple[Any, dict[str, Any] | None]:
        """``attempt``, with any unexpected exception failing the state as States.Runtime."""
        try:
            return self.attempt(scope, raw, frame)
        except (StatesError, ExecutionInterrupted, BranchAbandoned):
            raise
        except Exception as exc:
            raise StatesError(RUNTIME, f"{frame.where()} {type(exc).__name__}: {exc}") from exc

    def attempt(self, scope: Scope, raw: Any, frame: Frame) -> tuple[Any, dict[str, Any] | None]:
        effective = self.io.input(raw, frame)
        result = self.work(scope, raw, effective, frame)
        if self.LIMIT_RESULT:
            self._check_size(compact(result))
        assigned = self.io.assignments(
            raw, self.io.selected_result(result, frame) if self.HAS_RESULT else effective, frame
        )
        output = self.io.output(raw, effective, result, self.HAS_RESULT, frame)
        return output, assigned

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        return effective

    def following(self, raw: Any, output: Any, frame: Frame) -> str | None:
        return None if self.end else self.next

    def exit(self, scope: Scope, output: Any, assigned: dict[str, Any] | None = None) -> None:
        details = _payload(scope, "output", output)
        self._check_size(details["output"])
        if assigned:
            details["assignedVariables"] = {key: compact(value) for key, value in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        scope.event(f"{self.TYPE}StateExited", {"name": self.name, **details})

    def _check_size(self, text: str) -> None:
        if len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
            raise StatesError(
                DATA_LIMIT_EXCEEDED,
                f"The state/task '{self.name}' returned a result with a size exceeding the "
                f"maximum number of bytes service limit.",
            )

    def _retrier_for(self, err: StatesError, attempts: list[int]) -> Retrier | None:
        for index, retrier in enumerate(self.retriers):
            if matches(err.error, retrier.error_equals):
                return retrier if attempts[index] < retrier.max_attempts else None
        return None

    def _catcher_for(self, err: StatesError) -> Catcher | None:
        for catcher in self.catchers:
            if matches(err.error, catcher.error_equals):
                return catcher
        return None

    # --- static structure ---------------------------------------------------------------

    def transitions(self) -> list[str]:
        targets = [self.next] if self.next else []
        return targets + [catcher.next for catcher in self.catchers]


def _payload(scope: Scope, key: str, value: Any) -> dict[str, Any]:
    """History details for a payload; a state's output is the next state's input, so the
    last serialization is reused when the same object comes back."""
    last = scope.last_payload
    if last is not None and last[0] is value:
        text = last[1]
    else:
        text = compact(value)
        scope.last_payload = (value, text)
    return {key: text, f"{key}Details": {"truncated": False}}
