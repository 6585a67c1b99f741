"""Data masking: mask characters by range, delimiters or a custom value; hash values."""

from __future__ import annotations

from collections.abc import Callable

from etl_local.databrew.base import StepContext, Transform, ident, lit, operation


def _mask_chars(ctx: StepContext, text: str) -> str:
    """``text`` with each character replaced by ``maskSymbol`` (``alphabet`` SYMBOLS and/or
    WHITESPACE keeps those characters)."""
    symbol = ctx.text("maskSymbol", "#")
    keep = ctx.json("alphabet", [])
    if not isinstance(keep, list):
        raise ctx.error("Parameter 'alphabet' must be a JSON list.")
    classes = {"SYMBOLS": "[:punct:]", "WHITESPACE": "\\s"}
    unknown = [k for k in keep if k not in classes]
    if unknown:
        raise ctx.error(f"Invalid alphabet value(s) {unknown}: expected SYMBOLS, WHITESPACE.")
    pattern = f"[^{''.join(classes[k] for k in keep)}]" if keep else "."
    return f"regexp_replace({text}, {lit(pattern)}, {lit(symbol)}, 'g')"


def _range(ctx: StepContext, text: str) -> str:
    """Python-style [start, stop) slice, negative indexes from the end."""
    n = f"length({text})"
    start = ctx.integer("start", "0")
    stop = ctx.integer("stop") if ctx.has("stop") else None
    lo = f"{start}" if start >= 0 else f"greatest({n} + {start}, 0)"
    hi = (
        n
        if stop is None
        else (f"least({stop}, {n})" if stop >= 0 else f"greatest({n} + {stop}, 0)")
    )
    head, tail = f"left({text}, {lo})", f"substr({text}, {hi} + 1)"
    middle = f"substr({text}, {lo} + 1, greatest({hi} - {lo}, 0))"
    return f"{head} || {_mask_chars(ctx, middle)} || {tail}"


def _delimiter(ctx: StepContext, text: str) -> str:
    start, end = ctx.text("startDelimiter", ""), ctx.text("endDelimiter", "")
    keep = ctx.boolean("preserveDelimiters", True)
    first = f"strpos({text}, {lit(start)})" if start else "0"
    opening = f"({first} - 1 + {len(start)})" if start else "0"  # characters kept in front
    close = f"strpos(substr({text}, {opening} + 1), {lit(end)})" if end else "0"
    stop = f"CASE WHEN {close} > 0 THEN {opening} + {close} - 1 ELSE length({text}) END"
    lo = opening if keep else f"({opening} - {len(start)})"
    hi = stop if keep or not end else f"({stop} + {len(end)})"
    found = f"({first} > 0 OR {lit(start)} = '')"
    head, tail = f"left({text}, {lo})", f"substr({text}, {hi} + 1)"
    masked = f"{head} || {_mask_chars(ctx, f'substr({text}, {lo} + 1, {hi} - {lo})')} || {tail}"
    return f"CASE WHEN {found} THEN {masked} ELSE {text} END"


def _custom(ctx: StepContext, text: str) -> str:
    value = ctx.text("customValue")
    symbol = ctx.text("maskSymbol", "#")
    if ctx.boolean("regex", False):
        return f"regexp_replace({text}, {lit(value)}, {lit(symbol)}, 'g')"
    return f"replace({text}, {lit(value)}, {lit(symbol * len(value))})"


def _hash(ctx: StepContext, text: str) -> str:
    """SHA-256 of the secret (``secretId``, resolved by the job) followed by the value."""
    secret = ctx.text("secretId", "")
    return f"sha256({lit(secret)} || {text})"


MASKS: dict[str, Callable[[StepContext, str], str]] = {
    "MASK_RANGE": _range,
    "MASK_DELIMITER": _delimiter,
    "MASK_CUSTOM": _custom,
    "CRYPTOGRAPHIC_HASH": _hash,
}


def _masking(fn: Callable[[StepContext, str], str]) -> Callable[[StepContext], Transform]:
    def compile_mask(ctx: StepContext) -> Transform:
        b = ctx.builder()
        for column in ctx.columns():
            b.set(column, fn(ctx, f"CAST({ident(column)} AS VARCHAR)"))
        return b.build()

    return compile_mask


for _name, _fn in MASKS.items():
    operation(_name)(_masking(_fn))
