"""Input/output processing for the two query languages.

``JsonPathIO``: InputPath -> (Parameters) -> work -> ResultSelector -> ResultPath -> OutputPath.
``JsonataIO``: Arguments -> work -> Output, with ``$states.input/result/errorOutput/context``.
Both evaluate Assign. A state asks its IO object; it never branches on the language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etl_local.stepfunctions.errors import (
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
    StatesError,
    compact,
)
from etl_local.stepfunctions.jsonpath import (
    PathMissing,
    ResultPathMismatch,
    compile_path,
    reference_keys,
    write,
)
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    compile_jsonpath_template,
)

_ABSENT = object()


def _path_or_null(spec: dict[str, Any], field: str) -> Any:
    return spec.get(field, _ABSENT)


class JsonPathIO:
    language = "JSONPath"

    def __init__(self, spec: dict[str, Any], arguments_field: str = "Parameters") -> None:
        self.input_path = _path_or_null(spec, "InputPath")
        self.output_path = _path_or_null(spec, "OutputPath")
        self.result_path = _path_or_null(spec, "ResultPath")
        self._input_get = _getter(self.input_path)
        self._output_get = _getter(self.output_path)
        self.arguments_template: Evaluator | None = (
            compile_jsonpath_template(spec[arguments_field]) if arguments_field in spec else None
        )
        self.result_selector: Evaluator | None = (
            compile_jsonpath_template(spec["ResultSelector"]) if "ResultSelector" in spec else None
        )
        self.assign: Evaluator | None = (
            compile_jsonpath_template(spec["Assign"]) if "Assign" in spec else None
        )

    def input(self, raw: Any, frame: Frame) -> Any:
        return _select(self._input_get, self.input_path, raw, frame)

    def arguments(self, raw: Any, effective: Any, frame: Frame) -> Any:
        if self.arguments_template is None:
            return effective
        return self.arguments_template(effective, frame)

    def output(self, raw: Any, effective: Any, result: Any, has_result: bool, frame: Frame) -> Any:
        if not has_result:
            combined = effective
        else:
            if self.result_selector is not None:
                result = self.result_selector(result, frame)
            combined = apply_result_path(self.result_path, raw, result, frame)
        return _select(self._output_get, self.output_path, combined, frame)

    def selected_result(self, result: Any, frame: Frame) -> Any:
        return result if self.result_selector is None else self.result_selector(result, frame)

    def assignments(self, raw: Any, value: Any, frame: Frame) -> dict[str, Any] | None:
        return None if self.assign is None else self.assign(value, frame)


def _getter(path: Any) -> Callable[[Any], Any] | None:
    if path is _ABSENT or path is None:
        return None
    return compile_path(path)


def _select(getter: Callable[[Any], Any] | None, path: Any, data: Any, frame: Frame) -> Any:
    if path is _ABSENT:
        return data
    if getter is None:
        return {}
    try:
        return getter(data)
    except PathMissing:
        raise StatesError(
            RUNTIME,
            f"{frame.where()} Invalid path '{path}' : No results for path: {_bracketed(path)}",
        ) from None


def _bracketed(path: str) -> str:
    keys = reference_keys(path) or ()
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f"['{k}']" for k in keys)


def apply_result_path(result_path: Any, raw: Any, result: Any, frame: Frame) -> Any:
    if result_path is _ABSENT:
        return result
    if result_path is None:
        return raw
    try:
        return write(raw, result_path, result)
    except ResultPathMismatch:
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE,
            f'Unable to apply ResultPath "{result_path}" to input "{compact(raw)}"',
        ) from None


class JsonataIO:
    language = "JSONata"

    def __init__(self, spec: dict[str, Any], arguments_field: str = "Arguments") -> None:
        self.arguments_template = (
            compile_jsonata_template(spec[arguments_field], arguments_field)
            if arguments_field in spec
            else None
        )
        self.output_template = (
            compile_jsonata_template(spec["Output"], "Output") if "Output" in spec else None
        )
        self.assign = (
            compile_jsonata_template(spec["Assign"], "Assign") if "Assign" in spec else None
        )

    def input(self, raw: Any, frame: Frame) -> Any:
        return raw

    def arguments(self, raw: Any, effective: Any, frame: Frame) -> Any:
        if self.arguments_template is None:
            return effective
        frame.states = {"input": raw, "context": frame.context()}
        return self.arguments_template(raw, frame)

    def output(self, raw: Any, effective: Any, result: Any, has_result: bool, frame: Frame) -> Any:
        if self.output_template is None:
            return result if has_result else raw
        states: dict[str, Any] = {"input": raw, "context": frame.context()}
        if has_result:
            states["result"] = result
        frame.states = states
        return self.output_template(raw, frame)

    def selected_result(self, result: Any, frame: Frame) -> Any:
        return result

    def assignments(self, raw: Any, value: Any, frame: Frame) -> dict[str, Any] | None:
        if self.assign is None:
            return None
        frame.states = {"input": raw, "result": value, "context": frame.context()}
        return self.assign(raw, frame)


IO = JsonPathIO | JsonataIO

IO_BY_LANGUAGE: dict[str, type[JsonPathIO] | type[JsonataIO]] = {
    "JSONPath": JsonPathIO,
    "JSONata": JsonataIO,
}
