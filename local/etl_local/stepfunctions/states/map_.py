"""Map: runs the ItemProcessor once per item; the output is the list of iteration outputs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from etl_local.stepfunctions.errors import (
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    RUNTIME,
    ExecutionInterrupted,
    StatesError,
)
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    compile_jsonpath_template,
    dynamic_value,
    path_reader,
    read_or_fail,
)
from etl_local.stepfunctions.scope import BranchAbandoned, Scope, run_states
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    FLOW_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    RESULT_FIELDS,
    State,
)
from etl_local.stepfunctions.states.fanout import Outcome, record_done, run_children
from etl_local.stepfunctions.states.item_reader import ItemReader

if TYPE_CHECKING:
    from etl_local.stepfunctions.machine import Branch

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


class MapState(State):
    TYPE = "Map"
    HAS_RESULT = True
    LIMIT_RESULT = True
    FIELDS = (
        COMMON_FIELDS
        | FLOW_FIELDS
        | JSONATA_FIELDS
        | {"Iterator", "ItemProcessor", "Items", "ItemSelector", "MaxConcurrency"}
        | {"ToleratedFailureCount", "ToleratedFailurePercentage", "Retry", "Catch"}
        | {"ItemReader", "ItemBatcher", "ResultWriter", "Label"}
    )
    JSONPATH_FIELDS = (
        JSONPATH_IO_FIELDS
        | RESULT_FIELDS
        | {"ItemsPath", "Parameters", "MaxConcurrencyPath"}
        | {"ToleratedFailureCountPath", "ToleratedFailurePercentagePath"}
    )

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        from etl_local.stepfunctions.machine import parse_branch

        processor = spec.get("ItemProcessor") or spec.get("Iterator") or {}
        self.processor: Branch = parse_branch(
            processor, self.language, f"/States/{name}/ItemProcessor"
        )
        self.items_path: str = spec.get("ItemsPath", "$")
        self.items_reader = path_reader(self.items_path)
        selector = spec.get("ItemSelector", spec.get("Parameters"))
        self.item_selector: Evaluator | None = None
        if selector is not None:
            compile_template = (
                compile_jsonata_template
                if self.language == "JSONata"
                else compile_jsonpath_template
            )
            self.item_selector = compile_template(selector)
        self.items_expr = (
            compile_jsonata_template(spec["Items"], "Items") if "Items" in spec else None
        )
        self.item_reader = (
            ItemReader(spec["ItemReader"], self.language) if "ItemReader" in spec else None
        )
        self.batch_size = (spec.get("ItemBatcher") or {}).get("MaxItemsPerBatch")
        self.max_concurrency = self._number("MaxConcurrency")
        self.tolerated_count = self._number("ToleratedFailureCount")
        self.tolerated_percentage = self._number("ToleratedFailurePercentage")

    def _number(self, field: str) -> Evaluator | None:
        if f"{field}Path" in self.spec:
            return dynamic_value(self.spec[f"{field}Path"], f"{field}Path")
        if field not in self.spec:
            return None
        if self.language == "JSONata":
            return compile_jsonata_template(self.spec[field], field)
        value = self.spec[field]
        return lambda data, frame: value

    def _items(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> list[Any]:
        if self.item_reader is not None:
            return self._batched(self.item_reader.read(scope, effective, frame))
        if self.language == "JSONata":
            frame.states = {"input": raw, "context": frame.context()}
            items = raw if self.items_expr is None else self.items_expr(raw, frame)
        else:
            items = read_or_fail(self.items_reader, self.items_path, "ItemsPath", effective, frame)
        if not isinstance(items, list):
            raise StatesError(
                RUNTIME,
                f"{frame.where()} Invalid path '{self.items_path}' : The ItemsPath field "
                f"must reference an array, but the value is {type(items).__name__}",
            )
        return items

    def work(self, scope: Scope, raw: Any, effective: Any, frame: Frame) -> Any:
        items = self._items(scope, raw, effective, frame)
        inputs = [self._item_input(scope, frame, raw, effective, i, v) for i, v in enumerate(items)]
        tolerance = self._tolerance(effective, frame, len(items))
        max_concurrency = (
            int(self.max_concurrency(effective, frame) or 0) if self.max_concurrency else 0
        )
        scope.event("MapStateStarted", {"length": len(items)})
        prefix = f"{scope.key}/{self.name}"
        done: dict[str, Any] = scope.run.take(prefix + "#done") or {}

        def body(index: int, child: Scope) -> Any:
            if str(index) in done:
                return done[str(index)]
            details = {"name": self.name, "index": index}
            child.event("MapIterationStarted", details)
            try:
                output = run_states(self.processor, child, inputs[index])
            except StatesError:
                child.event("MapIterationFailed", details)
                raise
            except (BranchAbandoned, ExecutionInterrupted):
                child.event("MapIterationAborted", details)
                raise
            child.event("MapIterationSucceeded", details)
            return output

        concurrent = scope.run.concurrent and self.processor.blocking and max_concurrency != 1
        outcomes, _ = run_children(
            scope,
            len(items),
            lambda index: scope.child(f"{prefix}[{index}]"),
            body,
            lambda failures: tolerance is not None and failures <= tolerance,
            concurrent,
            max_concurrency,
            on_interrupt=lambda done: self._aborted(scope, prefix, done),
        )
        return self._result(scope, prefix, outcomes, tolerance)

    def _result(
        self, scope: Scope, prefix: str, outcomes: list[Outcome], tolerance: int | None
    ) -> list[Any]:
        failed = [o for o in outcomes if o.error is not None]
        if failed and (tolerance is None or len(failed) > tolerance):
            record_done(scope, prefix + "#done", outcomes)
            scope.event("MapStateFailed")
            error = failed[0].error
            assert error is not None
            if tolerance is not None:
                raise StatesError(EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
            raise error
        scope.event("MapStateSucceeded")
        return [o.error.to_output() if o.error is not None else o.output for o in outcomes]

    def _item_input(
        self, scope: Scope, frame: Frame, raw: Any, effective: Any, index: int, value: Any
    ) -> Any:
        if self.item_selector is None:
            return value
        item = {"Index": index, "Value": value}
        base_context = frame.context

        def context() -> dict[str, Any]:
            return {**base_context(), "Map": {"Item": item}}

        item_frame = Frame(frame.state_name, frame.entered_event_id, context, frame.variables)
        if self.language == "JSONata":
            item_frame.states = {"input": raw, "context": context()}
        return self.item_selector(effective, item_frame)

    def _batched(self, items: list[Any]) -> list[Any]:
        if not self.batch_size:
            return items
        size = int(self.batch_size)
        return [{"Items": items[i : i + size]} for i in range(0, len(items), size)]

    def _tolerance(self, effective: Any, frame: Frame, count: int) -> int | None:
        limits: list[int] = []
        if self.tolerated_count is not None:
            limits.append(int(self.tolerated_count(effective, frame)))
        if self.tolerated_percentage is not None:
            percentage = float(self.tolerated_percentage(effective, frame))
            limits.append(math.floor(count * percentage / 100))
        return min(limits) if limits else None

    def _aborted(self, scope: Scope, prefix: str, outcomes: list[Outcome]) -> None:
        record_done(scope, prefix + "#done", outcomes)
        scope.event("MapStateAborted")
