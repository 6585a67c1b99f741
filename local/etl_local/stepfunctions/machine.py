"""A state machine definition loaded into typed objects (after validation)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from etl_local.stepfunctions.errors import DefinitionError
from etl_local.stepfunctions.states import STATE_TYPES, State

BLOCKING_TYPES = frozenset({"Task", "Wait", "Parallel", "Map"})


@dataclass
class Branch:
    """StartAt + States: the top level, a Parallel branch or a Map's ItemProcessor."""

    start_at: str
    states: dict[str, State]
    language: str
    blocking: bool  # has states that wait on something (worth running concurrently)


@dataclass
class StateMachine(Branch):
    timeout_seconds: int | None
    comment: str | None
    definition: dict[str, Any]


def parse_branch(spec: dict[str, Any], language: str, location: str = "") -> Branch:
    language = spec.get("QueryLanguage", language)
    states = {
        name: STATE_TYPES[state["Type"]](name, state, language)
        for name, state in spec.get("States", {}).items()
    }
    blocking = any(s.TYPE in BLOCKING_TYPES for s in states.values())
    return Branch(spec["StartAt"], states, language, blocking)


def load(definition: str | dict[str, Any]) -> StateMachine:
    """Validate and load a definition (JSON text or parsed); raises DefinitionError."""
    from etl_local.stepfunctions.validation import validate

    spec = parse_json(definition) if isinstance(definition, str) else definition
    diagnostics = [d for d in validate(spec) if d["severity"] == "ERROR"]
    if diagnostics:
        raise DefinitionError(diagnostics)
    language = spec.get("QueryLanguage", "JSONPath")
    branch = parse_branch(spec, language)
    return StateMachine(
        start_at=branch.start_at,
        states=branch.states,
        language=language,
        blocking=branch.blocking,
        timeout_seconds=spec.get("TimeoutSeconds"),
        comment=spec.get("Comment"),
        definition=spec,
    )


def parse_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(
            [
                {
                    "severity": "ERROR",
                    "code": "INVALID_JSON_DESCRIPTION",
                    "message": f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                }
            ]
        ) from exc
    if not isinstance(value, dict):
        raise DefinitionError(
            [
                {
                    "severity": "ERROR",
                    "code": "SCHEMA_VALIDATION_FAILED",
                    "message": "The definition must be a JSON object",
                }
            ]
        )
    return value
