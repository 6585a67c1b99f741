"""Payload templates: JSONPath (``"key.$": "$.path"``) and JSONata (``"{% expr %}"``).

Templates are compiled once when the definition loads; evaluation is a tree of small
closures. A ``Frame`` carries what an evaluation may reference: the context object
(built lazily), the workflow variables, and the state's name and entered-event id used
in AWS's error causes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonata
from jsonata.utils import Utils as JsonataUtils

from etl_local.stepfunctions import intrinsics, jsonata_functions
from etl_local.stepfunctions.errors import QUERY_EVALUATION_ERROR, RUNTIME, StatesError, compact
from etl_local.stepfunctions.jsonpath import PathMissing, compile_path

_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(.*)", re.DOTALL)


@dataclass
class Frame:
    state_name: str
    entered_event_id: int
    context: Callable[[], dict[str, Any]]
    variables: dict[str, Any]
    states: dict[str, Any] | None = None  # JSONata's $states (input, result, errorOutput...)
    next_state: str | None = None  # set by Choice
    task_token: str | None = None  # set by a .waitForTaskToken Task

    def where(self) -> str:
        return (
            f"An error occurred while executing the state '{self.state_name}' "
            f"(entered at the event id #{self.entered_event_id})."
        )


Evaluator = Callable[[Any, Frame], Any]


class TemplateError(ValueError):
    """A template that cannot be valid (reported by validation)."""


def path_reader(expression: str) -> Callable[[Any, Frame], Any]:
    """A reader for a JSONPath expression: ``$.x`` (input), ``$$.x`` (context), ``$var.x``."""
    if expression.startswith("$$"):
        getter = compile_path(expression[1:])
        return lambda data, frame: getter(frame.context())
    match = _VARIABLE.fullmatch(expression)
    if match is not None:
        name, rest = match.group(1), match.group(2)
        getter = compile_path("$" + rest)

        def read_variable(data: Any, frame: Frame) -> Any:
            if name not in frame.variables:
                raise PathMissing(expression)
            return getter(frame.variables[name])

        return read_variable
    getter = compile_path(expression)
    return lambda data, frame: getter(data)


def dynamic_value(expression: str, field: str) -> Evaluator:
    """The evaluator of a ``field.$`` value: a path or an intrinsic function."""
    if intrinsics.is_intrinsic(expression):
        try:
            compiled = intrinsics.compile_expression(expression)
        except intrinsics.IntrinsicSyntaxError as exc:
            raise TemplateError(str(exc)) from exc

        readers: dict[str, Callable[[Any, Frame], Any]] = {}

        def run_intrinsic(data: Any, frame: Frame) -> Any:
            def resolve(path: str) -> Any:
                reader = readers.get(path)
                if reader is None:
                    reader = readers[path] = path_reader(path)
                return read_or_fail(reader, path, field, data, frame)

            return compiled(resolve)

        return run_intrinsic
    if not expression.startswith("$"):
        raise TemplateError(f"The value for the field '{field}' must be a valid JSONPath")
    reader = path_reader(expression)
    return lambda data, frame: read_or_fail(reader, expression, field, data, frame)


def read_or_fail(
    reader: Callable[[Any, Frame], Any], path: str, field: str, data: Any, frame: Frame
) -> Any:
    try:
        return reader(data, frame)
    except PathMissing:
        source = frame.context() if path.startswith("$$") else data
        raise StatesError(
            RUNTIME,
            f"{frame.where()} The JSONPath '{path}' specified for the field '{field}' "
            f"could not be found in the input '{compact(source)}'",
        ) from None


def compile_jsonpath_template(template: Any) -> Evaluator:
    if isinstance(template, dict):
        parts: list[tuple[str, Evaluator]] = []
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str):
                    raise TemplateError(f"The value for the field '{key}' must be a STRING")
                parts.append((key[:-2], dynamic_value(value, key)))
            else:
                parts.append((key, compile_jsonpath_template(value)))
        return lambda data, frame: {key: fn(data, frame) for key, fn in parts}
    if isinstance(template, list):
        items = [compile_jsonpath_template(item) for item in template]
        return lambda data, frame: [fn(data, frame) for fn in items]
    return lambda data, frame: template


# --- JSONata ---------------------------------------------------------------------------

_JSONATA = re.compile(r"\{%(.*)%\}", re.DOTALL)


class _Expression:
    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.compiled = jsonata.Jsonata(text)
            jsonata_functions.register(self.compiled)
        except Exception as exc:
            raise TemplateError(f"Invalid JSONata expression {text!r}: {exc}") from exc
        self.compiled.set_output_convert_nulls(False)
        self.lock = threading.Lock()

    def evaluate(self, frame: Frame, field: str) -> Any:
        bindings = {name: _to_jsonata(value) for name, value in frame.variables.items()}
        bindings["states"] = _to_jsonata(frame.states or {})
        try:
            with self.lock:
                result = self.compiled.evaluate(None, bindings)
        except Exception as exc:
            raise StatesError(
                QUERY_EVALUATION_ERROR, f"{frame.where()} {_jsonata_message(exc)}"
            ) from None
        if result is None:
            raise StatesError(
                QUERY_EVALUATION_ERROR,
                f"{frame.where()} The JSONata expression '{self.text}' specified for the "
                f"field '{field}' returned nothing (undefined).",
            )
        return JsonataUtils.convert_nulls(result)


_NULLS_CACHE: dict[int, tuple[Any, Any]] = {}
_NULLS_CACHE_SIZE = 64


def _to_jsonata(value: Any) -> Any:
    """JSON null as JSONata's null (Python None would read as undefined)."""
    if value is None:
        return JsonataUtils.NULL_VALUE
    if not isinstance(value, dict | list):
        return value
    cached = _NULLS_CACHE.get(id(value))
    if cached is not None and cached[0] is value:
        return cached[1]
    converted: Any
    if isinstance(value, dict):
        converted = {key: _to_jsonata(item) for key, item in value.items()}
    else:
        converted = [_to_jsonata(item) for item in value]
    if len(_NULLS_CACHE) >= _NULLS_CACHE_SIZE:
        _NULLS_CACHE.clear()
    _NULLS_CACHE[id(value)] = (value, converted)
    return converted


def _jsonata_message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)


@lru_cache(maxsize=2048)
def _expression(text: str) -> _Expression:
    return _Expression(text)


def compile_jsonata_template(template: Any, field: str = "Output") -> Evaluator:
    if isinstance(template, str):
        match = _JSONATA.fullmatch(template.strip())
        if match is None:
            return lambda data, frame: template
        expression = _expression(match.group(1).strip())
        return lambda data, frame: expression.evaluate(frame, field)
    if isinstance(template, dict):
        parts = [(key, compile_jsonata_template(value, field)) for key, value in template.items()]
        return lambda data, frame: {key: fn(data, frame) for key, fn in parts}
    if isinstance(template, list):
        items = [compile_jsonata_template(item, field) for item in template]
        return lambda data, frame: [fn(data, frame) for fn in items]
    return lambda data, frame: template
