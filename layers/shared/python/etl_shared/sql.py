"""SQL rendering with validated values only.

Templates use ``string.Template`` placeholders (``${raw_database}``...). Every value is checked
against a strict pattern for its kind before it is substituted, so nothing taken from an S3
key or an event reaches Athena unvalidated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

from etl_shared.errors import UnsafeValue

PATTERNS: dict[str, re.Pattern[str]] = {
    "identifier": re.compile(r"^[a-z_][a-z0-9_]*$"),
    "partition_value": re.compile(r"^[A-Za-z0-9_-]{1,64}$"),
    "location": re.compile(r"^s3://[a-z0-9.-]+/[A-Za-z0-9_/=.-]*$"),
    "run_id": re.compile(r"^[A-Za-z0-9_-]{1,80}$"),
    "bucket": re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
}


def check(kind: str, value: str) -> str:
    """Return ``value`` when it matches the pattern of ``kind``; raise UnsafeValue otherwise."""
    if not isinstance(value, str) or not PATTERNS[kind].fullmatch(value):
        raise UnsafeValue(f"{kind} {value!r} does not match {PATTERNS[kind].pattern}")
    return value


@dataclass(frozen=True)
class Placeholders:
    """Values for the SQL/argument templates, each tagged with its kind."""

    values: dict[str, tuple[str, str]]  # name -> (kind, value)

    @classmethod
    def build(cls, typed: Mapping[str, tuple[str, str]]) -> Placeholders:
        for name, (kind, value) in typed.items():
            check("identifier", name)
            check(kind, value)
        return cls(dict(typed))

    def mapping(self) -> dict[str, str]:
        return {name: value for name, (_, value) in self.values.items()}


def render(template: str, placeholders: Placeholders) -> str:
    """Substitute placeholders; an unknown placeholder is an error, never left in the text."""
    try:
        return Template(template).substitute(placeholders.mapping())
    except KeyError as exc:
        raise UnsafeValue(f"unknown placeholder ${{{exc.args[0]}}}") from exc
    except ValueError as exc:
        raise UnsafeValue(f"malformed placeholder: {exc}") from exc


def single_statement(sql: str) -> str:
    """Strip comments/whitespace and a trailing ';'; reject more than one statement."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    text = "\n".join(lines).strip().rstrip(";").strip()
    if not text:
        raise UnsafeValue("empty SQL statement")
    if ";" in _without_literals(text):
        raise UnsafeValue("one statement per SQL file")
    return text


def _without_literals(text: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", text)


def quote_literal(value: str, kind: str = "partition_value") -> str:
    return "'" + check(kind, value) + "'"
