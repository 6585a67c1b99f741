"""Builds recipe steps as CreateRecipe takes them, and checks profile pictures (imported by
the DataBrew tests)."""

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


def assert_profile_picture(png: bytes) -> None:
    """A PNG a person can read: a real image with the bar charts drawn in it."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 800 and image.height >= 200
    colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x4A, 0x7E, 0xBB) in colours  # the bars' colour: histograms and top values drawn
