"""Condition expressions: ``{"Condition", "Value", "TargetColumn"}`` -> a SQL predicate.

A step's conditions are ANDed; the action applies only where all hold. A missing value
(null, or empty string in a string column) satisfies no comparison, only ``IS_MISSING``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from etl_local.databrew.base import (
    DATA_TYPES,
    Step,
    cast_to,
    ident,
    is_missing,
    is_numeric,
    is_temporal,
    lit,
)

Predicate = Callable[[str, str, str | None, Step], str]


def _typed(value: str, sql_type: str) -> str:
    """The condition's value as a literal of the column's type (text columns compare text)."""
    if is_numeric(sql_type) or is_temporal(sql_type) or sql_type == "BOOLEAN":
        return f"TRY_CAST({lit(value)} AS {sql_type})"
    return lit(value)


def _value(value: str | None, step: Step, condition: str) -> str:
    if value is None:
        raise step.error(f"Condition {condition} requires a Value.")
    return value


def _compare(op: str) -> Predicate:
    def build(col: str, sql_type: str, value: str | None, step: Step) -> str:
        raw = _value(value, step, op)
        return f"({col} {op} {_typed(raw, sql_type)})"

    return build


def _text(template: str) -> Predicate:
    def build(col: str, sql_type: str, value: str | None, step: Step) -> str:
        raw = _value(value, step, template)
        return template.format(col=f"CAST({col} AS VARCHAR)", value=lit(raw))

    return build


def _one_of(negate: bool) -> Predicate:
    def build(col: str, sql_type: str, value: str | None, step: Step) -> str:
        raw = _value(value, step, "IS_ONE_OF")
        try:
            values = json.loads(raw)
        except json.JSONDecodeError:
            values = [v.strip() for v in raw.split(",")]
        if not isinstance(values, list) or not values:
            raise step.error("Condition value must be a JSON list of values.")
        members = ", ".join(_typed(str(v), sql_type) for v in values)
        test = f"({col} IN ({members}))"
        return f"(NOT {test})" if negate else test

    return build


def _between(col: str, sql_type: str, value: str | None, step: Step) -> str:
    raw = _value(value, step, "IS_BETWEEN")
    try:
        bounds = json.loads(raw)
    except json.JSONDecodeError:
        raise step.error("IS_BETWEEN needs a JSON value with a start and an end.") from None
    if isinstance(bounds, dict) and {"start", "end"} <= bounds.keys():
        low, high = bounds["start"], bounds["end"]
    elif isinstance(bounds, list) and len(bounds) == 2:
        low, high = bounds
    else:
        raise step.error("IS_BETWEEN needs a JSON value with a start and an end.")
    return f"({col} BETWEEN {_typed(str(low), sql_type)} AND {_typed(str(high), sql_type)})"


def _validity(valid: bool) -> Predicate:
    def build(col: str, sql_type: str, value: str | None, step: Step) -> str:
        type_name = _value(value, step, "IS_VALID").lower()
        if type_name not in DATA_TYPES:
            raise step.error(f"Unsupported data type '{type_name}' in condition.")
        castable = f"({cast_to(col, sql_type, DATA_TYPES[type_name])} IS NOT NULL)"
        present = f"(NOT {is_missing(col, sql_type)})"
        return f"({present} AND {castable})" if valid else f"({present} AND NOT {castable})"

    return build


def _missing(negate: bool) -> Predicate:
    def build(col: str, sql_type: str, value: str | None, step: Step) -> str:
        test = is_missing(col, sql_type)
        return f"(NOT {test})" if negate else test

    return build


CONDITIONS: dict[str, Predicate] = {
    "IS_MISSING": _missing(False),
    "IS_NOT_MISSING": _missing(True),
    "IS_VALID": _validity(True),
    "IS_INVALID": _validity(False),
    "EQUALS": _compare("="),
    "IS": _compare("="),
    "NOT_EQUALS": _compare("<>"),
    "IS_NOT": _compare("<>"),
    "LESS_THAN": _compare("<"),
    "LESS_THAN_EQUAL": _compare("<="),
    "GREATER_THAN": _compare(">"),
    "GREATER_THAN_EQUAL": _compare(">="),
    "IS_BETWEEN": _between,
    "IS_ONE_OF": _one_of(False),
    "IS_NOT_ONE_OF": _one_of(True),
    "STARTS_WITH": _text("starts_with({col}, {value})"),
    "NOT_STARTS_WITH": _text("NOT starts_with({col}, {value})"),
    "ENDS_WITH": _text("ends_with({col}, {value})"),
    "NOT_ENDS_WITH": _text("NOT ends_with({col}, {value})"),
    "CONTAINS": _text("contains({col}, {value})"),
    "NOT_CONTAINS": _text("NOT contains({col}, {value})"),
    "MATCHES": _text("regexp_full_match({col}, {value})"),
    "NOT_MATCHES": _text("NOT regexp_full_match({col}, {value})"),
}


_NO_VALUE = {"IS_MISSING", "IS_NOT_MISSING"}
_MISSING_AWARE = {"IS_MISSING", "IS_NOT_MISSING", "IS_VALID", "IS_INVALID"}


def condition_sql(step: Step, columns: Mapping[str, str]) -> str | None:
    """The ANDed predicate of a step's condition expressions (None without conditions).

    ``columns`` maps the input's column names to their SQL types. The predicate is never
    null: a comparison with a missing value is false.
    """
    parts = []
    for cond in step.conditions:
        name = cond.get("Condition")
        target = cond.get("TargetColumn")
        if name not in CONDITIONS:
            raise step.error(f"Unsupported condition '{name}'.")
        if not target:
            raise step.error(f"Condition {name} requires a TargetColumn.")
        if target not in columns:
            raise step.error(f"Condition target column '{target}' does not exist.")
        if name not in _NO_VALUE and cond.get("Value") is None:
            raise step.error(f"Condition {name} requires a Value.")
        col, sql_type = ident(target), columns[target]
        predicate = CONDITIONS[name](col, sql_type, cond.get("Value"), step)
        if name not in _MISSING_AWARE:
            predicate = f"(NOT {is_missing(col, sql_type)} AND {predicate})"
        parts.append(f"coalesce({predicate}, false)")
    return " AND ".join(parts) if parts else None
