"""Choice: the first matching rule picks Next; Default otherwise, else States.NoChoiceMatched.

Rules compile to predicates. Comparison operators are one table: operator name -> (type
check, comparison); each has a ``...Path`` twin comparing with a value read from the input.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from etl_local.stepfunctions.errors import NO_CHOICE_MATCHED, RUNTIME, StatesError
from etl_local.stepfunctions.jsonpath import PathMissing
from etl_local.stepfunctions.payload import Frame, compile_jsonata_template, path_reader
from etl_local.stepfunctions.scope import Scope
from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    State,
)
from etl_local.stepfunctions.states.wait import parse_timestamp

Predicate = Callable[[Any, Frame], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_timestamp(value: Any) -> bool:
    return parse_timestamp(value) is not None


def _as_time(value: Any) -> datetime:
    moment = parse_timestamp(value)
    assert moment is not None
    return moment


def _string_matches(value: str, pattern: str) -> bool:
    regex = []
    escaped = False
    for char in pattern:
        if escaped:
            regex.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            regex.append(".*")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), value, re.DOTALL) is not None


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}
_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    "String": (_is_string, lambda v: v),
    "Numeric": (_is_number, lambda v: v),
    "Timestamp": (_is_timestamp, _as_time),
}


# operator name -> (is the value of the right type, compare(left, right))
def _converted(
    compare: Callable[[Any, Any], bool], convert: Callable[[Any], Any]
) -> Callable[[Any, Any], bool]:
    return lambda left, right: bool(compare(convert(left), convert(right)))


OPERATORS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {
    f"{kind}{name}": (check, _converted(cmp, conv))
    for kind, (check, conv) in _KINDS.items()
    for name, cmp in _COMPARISONS.items()
}
OPERATORS["BooleanEquals"] = (_is_bool, operator.eq)
OPERATORS["StringMatches"] = (_is_string, _string_matches)

TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": _is_bool,
    "IsTimestamp": _is_timestamp,
}


def compile_rule(rule: dict[str, Any]) -> Predicate:
    if "And" in rule:
        parts = [compile_rule(r) for r in rule["And"]]
        return lambda data, frame: all(p(data, frame) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r) for r in rule["Or"]]
        return lambda data, frame: any(p(data, frame) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda data, frame: not inner(data, frame)
    variable = rule["Variable"]
    read = path_reader(variable)
    if "IsPresent" in rule:
        expected = bool(rule["IsPresent"])

        def is_present(data: Any, frame: Frame) -> bool:
            try:
                read(data, frame)
            except PathMissing:
                return not expected
            return expected

        return is_present
    for name, test in TYPE_TESTS.items():
        if name in rule:
            return _type_test(read, variable, test, bool(rule[name]))
    for name, (check, compare) in OPERATORS.items():
        if name in rule:
            return _comparison(read, variable, rule[name], check, compare, path=False)
        if f"{name}Path" in rule:
            return _comparison(read, variable, rule[f"{name}Path"], check, compare, path=True)
    raise ValueError(f"no comparison operator in choice rule {rule}")


def _type_test(
    read: Callable[[Any, Frame], Any], variable: str, test: Callable[[Any], bool], expected: bool
) -> Predicate:
    return lambda data, frame: test(_value(read, variable, data, frame)) == expected


def _comparison(
    read: Callable[[Any, Frame], Any],
    variable: str,
    operand: Any,
    check: Callable[[Any], bool],
    compare: Callable[[Any, Any], bool],
    path: bool,
) -> Predicate:
    read_operand = path_reader(operand) if path else None

    def predicate(data: Any, frame: Frame) -> bool:
        left = _value(read, variable, data, frame)
        right = _value(read_operand, operand, data, frame) if read_operand else operand
        return check(left) and check(right) and compare(left, right)

    return predicate


def _value(read: Callable[[Any, Frame], Any], path: str, data: Any, frame: Frame) -> Any:
    try:
        return read(data, frame)
    except PathMissing:
        raise StatesError(
            RUNTIME,
            f"{frame.where()} Invalid path '{path}': The choice state's condition path "
            f"references an invalid value.",
        ) from None


class ChoiceState(State):
    TYPE = "Choice"
    FIELDS = COMMON_FIELDS | JSONATA_FIELDS | {"Choices", "Default"}
    JSONPATH_FIELDS = JSONPATH_IO_FIELDS

    def __init__(self, name: str, spec: dict[str, Any], language: str) -> None:
        super().__init__(name, spec, language)
        self.default: str | None = spec.get("Default")
        self.rules: list[tuple[Predicate, str, Any]] = [
            (self._predicate(rule), rule["Next"], rule) for rule in spec.get("Choices", [])
        ]

    def _predicate(self, rule: dict[str, Any]) -> Predicate:
        if self.language == "JSONPath":
            return compile_rule(rule)
        condition = compile_jsonata_template(rule["Condition"], "Condition")

        def jsonata_condition(data: Any, frame: Frame) -> bool:
            value = condition(data, frame)
            if not isinstance(value, bool):
                raise StatesError(
                    "States.QueryEvaluationError",
                    f"{frame.where()} The Condition field's expression must evaluate to a "
                    f"boolean, got {value!r}",
                )
            return value

        return jsonata_condition

    def attempt(self, scope: Scope, raw: Any, frame: Frame) -> tuple[Any, dict[str, Any] | None]:
        effective = self.io.input(raw, frame)
        frame.states = (
            {"input": raw, "context": frame.context()} if self.language == "JSONata" else None
        )
        for predicate, target, rule in self.rules:
            if predicate(effective, frame):
                frame.next_state = target
                assigned = self._assign_rule(rule, raw, effective, frame)
                return self.io.output(raw, effective, effective, False, frame), assigned
        if self.default is None:
            raise StatesError(NO_CHOICE_MATCHED, "No Matches!")
        frame.next_state = self.default
        return self.io.output(raw, effective, effective, False, frame), self.io.assignments(
            raw, effective, frame
        )

    def _assign_rule(
        self, rule: dict[str, Any], raw: Any, effective: Any, frame: Frame
    ) -> dict[str, Any] | None:
        if "Assign" not in rule:
            return self.io.assignments(raw, effective, frame)
        from etl_local.stepfunctions.payload import compile_jsonpath_template

        compile_template = (
            compile_jsonata_template if self.language == "JSONata" else compile_jsonpath_template
        )
        if self.language == "JSONata":
            frame.states = {"input": raw, "context": frame.context()}
        return compile_template(rule["Assign"])(effective, frame)

    def following(self, raw: Any, output: Any, frame: Frame) -> str | None:
        return frame.next_state

    def transitions(self) -> list[str]:
        targets = [target for _, target, _ in self.rules]
        return targets + ([self.default] if self.default else [])
