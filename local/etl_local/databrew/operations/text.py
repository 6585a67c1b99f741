"""Text cleaning (in place) and text functions (new column from a column or a value)."""

from __future__ import annotations

import re
from collections.abc import Callable

from etl_local.databrew.base import (
    StepContext,
    Transform,
    ident,
    lit,
    operation,
    source_or_value,
)


def _text(ctx: StepContext, name: str) -> str:
    return f"CAST({ident(name)} AS VARCHAR)"


def _capital(x: str) -> str:
    words = f"regexp_split_to_array({x}, ' ')"
    return f"array_to_string(list_transform({words}, lambda w: upper(w[1]) || lower(w[2:])), ' ')"


# In-place case and format actions: expression over the column's text.
IN_PLACE: dict[str, Callable[[str], str]] = {
    "UPPER_CASE": lambda x: f"upper({x})",
    "LOWER_CASE": lambda x: f"lower({x})",
    "CAPITAL_CASE": _capital,
    "SENTENCE_CASE": lambda x: f"upper({x}[1]) || lower({x}[2:])",
}


def _in_place(fn: Callable[[str], str]) -> Callable[[StepContext], Transform]:
    def compile_case(ctx: StepContext) -> Transform:
        column = ctx.column()
        return ctx.builder().set(column, fn(_text(ctx, column))).build()

    return compile_case


for _name, _fn in IN_PLACE.items():
    operation(_name)(_in_place(_fn))


@operation("ADD_PREFIX")
def add_prefix(ctx: StepContext) -> Transform:
    column = ctx.column()
    return ctx.builder().set(column, f"{lit(ctx.text('pattern'))} || {_text(ctx, column)}").build()


@operation("ADD_SUFFIX")
def add_suffix(ctx: StepContext) -> Transform:
    column = ctx.column()
    return ctx.builder().set(column, f"{_text(ctx, column)} || {lit(ctx.text('pattern'))}").build()


@operation("REPLACE_TEXT")
def replace_text(ctx: StepContext) -> Transform:
    """Replaces every occurrence of the literal ``pattern`` with ``value``."""
    column = ctx.column()
    pattern, value = lit(ctx.text("pattern")), lit(ctx.text("value", ""))
    return ctx.builder().set(column, f"replace({_text(ctx, column)}, {pattern}, {value})").build()


def _regex(ctx: StepContext, key: str = "pattern") -> str:
    pattern = ctx.text(key)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ctx.error(f"Parameter '{key}' is not a valid regular expression: {exc}.") from None
    return lit(pattern)


@operation("REPLACE_PATTERN")
def replace_pattern(ctx: StepContext) -> Transform:
    """Replaces every match of the regular expression ``pattern`` with ``value``."""
    column = ctx.column()
    expr = f"regexp_replace({_text(ctx, column)}, {_regex(ctx)}, {lit(ctx.text('value', ''))}, 'g')"
    return ctx.builder().set(column, expr).build()


# REMOVE_COMBINED: one flag -> one rewrite of the text, applied in this order.
_PUNCTUATION = r"[.!,?]"
_SPECIAL = r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"
COMBINED: dict[str, Callable[[StepContext, str], str]] = {
    "removeCustomValue": lambda ctx, x: f"replace({x}, {lit(ctx.text('customValue'))}, '')",
    "removeCustomCharacters": lambda ctx, x: (
        f"regexp_replace({x}, {lit('[' + re.escape(ctx.text('customCharacters')) + ']')}, '', 'g')"
    ),
    "removeAllPunctuation": lambda ctx, x: f"regexp_replace({x}, {lit(_PUNCTUATION)}, '', 'g')",
    "removeLeadingAndTrailingPunctuation": lambda ctx, x: (
        f"regexp_replace({x}, {lit('^' + _PUNCTUATION + '+|' + _PUNCTUATION + '+$')}, '', 'g')"
    ),
    "removeAllQuotes": lambda ctx, x: f"regexp_replace({x}, '[''\"]', '', 'g')",
    "removeLeadingAndTrailingQuotes": lambda ctx, x: (
        f"regexp_replace({x}, '^[''\"]+|[''\"]+$', '', 'g')"
    ),
    "removeLetters": lambda ctx, x: f"regexp_replace({x}, '[A-Za-z]', '', 'g')",
    "removeNumbers": lambda ctx, x: f"regexp_replace({x}, '[0-9]', '', 'g')",
    "removeSpecialCharacters": lambda ctx, x: f"regexp_replace({x}, {lit(_SPECIAL)}, '', 'g')",
    "removeAllWhitespace": lambda ctx, x: f"regexp_replace({x}, '\\s', '', 'g')",
    "removeLeadingAndTrailingWhitespace": lambda ctx, x: f"trim({x}, ' \t\n\r')",
    "collapseConsecutiveWhitespace": lambda ctx, x: f"regexp_replace({x}, '\\s{{2,}}', ' ', 'g')",
}


@operation("REMOVE_COMBINED")
def remove_combined(ctx: StepContext) -> Transform:
    column = ctx.column()
    expr = _text(ctx, column)
    for flag, rewrite in COMBINED.items():
        if ctx.has(flag) and ctx.boolean(flag):
            expr = rewrite(ctx, expr)
    return ctx.builder().set(column, expr).build()


def _function(fn: Callable[[StepContext, str], str]) -> Callable[[StepContext], Transform]:
    """A DataBrew text function: ``sourceColumn`` or ``value`` in, ``targetColumn`` out.

    Without ``targetColumn`` the source column is rewritten in place.
    """

    def compile_function(ctx: StepContext) -> Transform:
        expr, anchor = source_or_value(ctx)
        text = f"CAST({expr} AS VARCHAR)"
        if anchor is not None and not ctx.has("targetColumn"):
            return ctx.builder().set(anchor, fn(ctx, text)).build()
        target = ctx.new_column()
        return ctx.builder().insert_after(anchor, target, fn(ctx, text)).build()

    return compile_function


def _chars(ctx: StepContext) -> int:
    return ctx.integer("numberOfChars" if ctx.has("numberOfChars") else "numChars", low=0)


FUNCTIONS: dict[str, Callable[[StepContext, str], str]] = {
    "UPPER": lambda ctx, x: f"upper({x})",
    "LOWER": lambda ctx, x: f"lower({x})",
    "PROPER": lambda ctx, x: _capital(x),
    "TRIM": lambda ctx, x: f"trim(regexp_replace({x}, '\\s+', ' ', 'g'))",
    "REMOVE_WHITESPACE": lambda ctx, x: f"regexp_replace({x}, '\\s', '', 'g')",
    "REMOVE_SYMBOLS": lambda ctx, x: f"regexp_replace({x}, '[^A-Za-z0-9\\s]', '', 'g')",
    "LEN": lambda ctx, x: f"length({x})",
    "LEFT": lambda ctx, x: f"left({x}, {_chars(ctx)})",
    "RIGHT": lambda ctx, x: f"right({x}, {_chars(ctx)})",
    "REPEAT": lambda ctx, x: f"repeat({x}, {ctx.integer('count', low=0)})",
    "EXTRACT_PATTERN": lambda ctx, x: f"nullif(regexp_extract({x}, {_regex(ctx)}), '')",
    "EXTRACT_BETWEEN_DELIMITERS": lambda ctx, x: (
        "nullif(regexp_extract("
        f"{x}, {lit(re.escape(ctx.text('startPattern')) + '(.*?)' + re.escape(ctx.text('endPattern')))}, 1), '')"
    ),
    "EXTRACT_BETWEEN_POSITIONS": lambda ctx, x: (
        f"substr({x}, {ctx.integer('startPosition', low=0)} + 1, "
        f"{ctx.integer('endPosition', low=0)} - {ctx.integer('startPosition', low=0)})"
    ),
}

for _name, _fn2 in FUNCTIONS.items():
    operation(_name)(_function(_fn2))
