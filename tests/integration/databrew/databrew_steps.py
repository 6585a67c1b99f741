"""Builds recipe steps as CreateRecipe takes them (imported by the DataBrew tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def step(
    operation: str, conditions: Sequence[dict[str, str]] = (), **parameters: str
) -> dict[str, Any]:
    """One recipe step as CreateRecipe takes it."""
    out: dict[str, Any] = {"Action": {"Operation": operation, "Parameters": parameters}}
    if conditions:
        out["ConditionExpressions"] = list(conditions)
    return out
