"""Glue column types as the classifiers infer them, and how two inferences merge.

A type is a scalar name (``"bigint"``), ``ArrayType`` or ``StructType``; ``render`` gives the
Hive type string Glue stores (``array<struct<a:int>>``). ``merge`` is the widening the
crawler applies when files or records disagree: numbers widen along ``NUMERIC_WIDENING``,
anything else that differs becomes ``string``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# narrower -> wider; a merge of two numerics picks the later one
NUMERIC_WIDENING = ("tinyint", "smallint", "int", "bigint", "float", "double")
NULL = "null"  # no value seen yet: merges into anything


@dataclass(frozen=True)
class ArrayType:
    element: GlueType


@dataclass(frozen=True)
class StructType:
    fields: tuple[tuple[str, GlueType], ...] = field(default_factory=tuple)


GlueType = str | ArrayType | StructType


def render(glue_type: GlueType) -> str:
    if isinstance(glue_type, ArrayType):
        return f"array<{render(glue_type.element)}>"
    if isinstance(glue_type, StructType):
        inner = ",".join(f"{name}:{render(kind)}" for name, kind in glue_type.fields)
        return f"struct<{inner}>"
    return "string" if glue_type == NULL else glue_type


def merge(left: GlueType, right: GlueType) -> GlueType:
    if left == right:
        return left
    if left == NULL:
        return right
    if right == NULL:
        return left
    if isinstance(left, StructType) and isinstance(right, StructType):
        return _merge_structs(left, right)
    if isinstance(left, ArrayType) and isinstance(right, ArrayType):
        return ArrayType(merge(left.element, right.element))
    if left in NUMERIC_WIDENING and right in NUMERIC_WIDENING:
        return max(left, right, key=NUMERIC_WIDENING.index)  # type: ignore[arg-type]
    return "string"


def _merge_structs(left: StructType, right: StructType) -> StructType:
    merged = dict(left.fields)
    for name, kind in right.fields:
        merged[name] = merge(merged[name], kind) if name in merged else kind
    return StructType(tuple(merged.items()))


def widens(old: str, new: str) -> bool:
    """Whether ``new`` is a widening of ``old`` (a compatible schema change)."""
    if old == new:
        return True
    if old in NUMERIC_WIDENING and new in NUMERIC_WIDENING:
        return NUMERIC_WIDENING.index(new) >= NUMERIC_WIDENING.index(old)
    return new == "string"
