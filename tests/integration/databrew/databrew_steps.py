"""Builds recipe steps as CreateRecipe takes them (imported by the DataBrew tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# runs recipe steps on the people table -> (column names, rows)
Apply = Callable[..., tuple[list[str], list[tuple[Any, ...]]]]


def step(
    operation: str, conditions: Sequence[dict[str, str]] = (), **parameters: str
) -> dict[str, Any]:
    """One recipe step as CreateRecipe takes it."""
    out: dict[str, Any] = {"Action": {"Operation": operation, "Parameters": parameters}}
    if conditions:
        out["ConditionExpressions"] = list(conditions)
    return out
