"""Definition checks with ValidateStateMachineDefinition's diagnostics (code, message, location)."""

from __future__ import annotations

from typing import Any

from etl_local.stepfunctions import jsonpath
from etl_local.stepfunctions.integrations import Integrations, UnknownResource
from etl_local.stepfunctions.payload import TemplateError, compile_jsonpath_template
from etl_local.stepfunctions.states import STATE_TYPES
from etl_local.stepfunctions.states.choice import OPERATORS, TYPE_TESTS

TOP_FIELDS = frozenset(
    {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
)
BRANCH_FIELDS = frozenset({"Comment", "StartAt", "States", "QueryLanguage", "ProcessorConfig"})
TERMINAL_TYPES = frozenset({"Succeed", "Fail"})
FLOWLESS_TYPES = frozenset({"Succeed", "Fail", "Choice"})
PATH_FIELDS = ("InputPath", "OutputPath", "ItemsPath")
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector")
LANGUAGES = frozenset({"JSONPath", "JSONata"})
RETRIER_FIELDS = frozenset(
    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds"}
    | {"JitterStrategy", "Comment"}
)
CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})
RULE_KEYS = (
    frozenset(OPERATORS) | {f"{op}Path" for op in OPERATORS} | frozenset(TYPE_TESTS) | {"IsPresent"}
)

Diagnostic = dict[str, str]


def validate(spec: dict[str, Any]) -> list[Diagnostic]:
    checker = _Checker()
    checker.top(spec)
    return checker.diagnostics


class _Checker:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.resources = Integrations()

    def error(self, code: str, message: str, location: str) -> None:
        self.diagnostics.append(
            {
                "severity": "ERROR",
                "code": code,
                "message": message,
                "location": location or "/",
            }
        )

    def schema(self, message: str, location: str) -> None:
        self.error("SCHEMA_VALIDATION_FAILED", message, location)

    def top(self, spec: dict[str, Any]) -> None:
        for field in spec:
            if field not in TOP_FIELDS:
                self.schema(f"The field '{field}' is not supported by Step Functions", "")
        timeout = spec.get("TimeoutSeconds")
        if timeout is not None and (
            not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0
        ):
            self.schema(
                "The value for the field 'TimeoutSeconds' must be a positive integer",
                "/TimeoutSeconds",
            )
        self.branch(spec, spec.get("QueryLanguage", "JSONPath"), "")

    def branch(self, spec: dict[str, Any], language: str, location: str) -> None:
        if not isinstance(spec, dict):
            self.schema("Expected an object with StartAt and States", location)
            return
        language = spec.get("QueryLanguage", language)
        if language not in LANGUAGES:
            self.schema(
                "The value for the field 'QueryLanguage' must be JSONPath or JSONata",
                f"{location}/QueryLanguage",
            )
            return
        states = spec.get("States")
        if not isinstance(states, dict) or not states:
            self.schema(
                "These fields are required: [States]"
                if states is None
                else "States must be a non-empty object",
                f"{location}/States" if states is not None else location,
            )
            return
        start_at = spec.get("StartAt")
        if not isinstance(start_at, str):
            self.schema("These fields are required: [StartAt]", location)
            return
        if start_at not in states:
            self.error(
                "MISSING_TRANSITION_TARGET",
                f"Missing 'Next' target: {start_at}",
                f"{location}/StartAt",
            )
        for name, state in states.items():
            self.state(name, state, language, f"{location}/States/{name}", states)
        self.reachability(start_at, states, location)

    def reachability(self, start_at: str, states: dict[str, Any], location: str) -> None:
        seen: set[str] = set()
        stack = [start_at]
        while stack:
            name = stack.pop()
            if name in seen or name not in states or not isinstance(states[name], dict):
                continue
            seen.add(name)
            stack.extend(_targets(states[name]))
        for name in states:
            if name not in seen:
                self.error(
                    "UNREACHABLE_STATE",
                    f'State "{name}" is not reachable.',
                    f"{location}/States/{name}",
                )
        if not any(_is_terminal(s) for s in states.values() if isinstance(s, dict)):
            self.error("MISSING_END_STATE", "Workflow has no terminal state.", f"{location}/States")

    def state(
        self, name: str, spec: Any, language: str, location: str, states: dict[str, Any]
    ) -> None:
        if not isinstance(spec, dict):
            self.schema("A state must be an object", location)
            return
        if len(name) > 80:
            self.schema(f"State name '{name}' is longer than 80 characters", location)
        kind = spec.get("Type")
        cls = STATE_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            self.schema(
                "These fields are required: [Type]"
                if kind is None
                else f"The value for the field 'Type' must be one of {sorted(STATE_TYPES)}",
                f"{location}/Type" if kind is not None else location,
            )
            return
        assert isinstance(kind, str)
        language = spec.get("QueryLanguage", language)
        allowed = cls.FIELDS | (cls.JSONPATH_FIELDS if language == "JSONPath" else frozenset())
        if language == "JSONPath" and kind in {"Task", "Parallel"}:
            allowed = allowed - {"Arguments", "Output"}
        if language == "JSONPath":
            allowed = allowed - {"Output"}
        for field in spec:
            if field not in allowed:
                self.schema(f"The field '{field}' is not supported by Step Functions", location)
        self.flow(spec, kind, location, states)
        if language == "JSONPath":
            self.paths(spec, location)
        self.specific(kind, spec, language, location, states)
        for index, retrier in enumerate(spec.get("Retry", []) or []):
            self.retrier(retrier, f"{location}/Retry[{index}]")
        for index, catcher in enumerate(spec.get("Catch", []) or []):
            self.unknown(catcher, CATCHER_FIELDS, f"{location}/Catch[{index}]")
            target = catcher.get("Next") if isinstance(catcher, dict) else None
            if target is None:
                self.schema("These fields are required: [Next]", f"{location}/Catch[{index}]")
            elif target not in states:
                self.error(
                    "MISSING_TRANSITION_TARGET",
                    f"Missing 'Next' target: {target}",
                    f"{location}/Catch[{index}]/Next",
                )
        if self.diagnostics:
            return
        try:
            cls(name, spec, language)
        except (TemplateError, jsonpath.InvalidPath, KeyError, ValueError, TypeError) as exc:
            self.schema(f"Invalid state definition: {exc}", location)

    def flow(self, spec: dict[str, Any], kind: str, location: str, states: dict[str, Any]) -> None:
        if kind in FLOWLESS_TYPES:
            return
        has_next, has_end = "Next" in spec, spec.get("End") is True
        if has_next == has_end:
            self.schema(
                "Exactly one of 'Next' or 'End' is required"
                if not has_next
                else "Only one of 'Next' or 'End' may be set",
                location,
            )
        if has_next and spec["Next"] not in states:
            self.error(
                "MISSING_TRANSITION_TARGET",
                f"Missing 'Next' target: {spec['Next']}",
                f"{location}/Next",
            )

    def paths(self, spec: dict[str, Any], location: str) -> None:
        for field in PATH_FIELDS:
            value = spec.get(field)
            if value is not None and (
                not isinstance(value, str) or not jsonpath.is_valid_path(value)
            ):
                self.schema(
                    f"The value for the field '{field}' must be a valid JSONPath",
                    f"{location}/{field}",
                )
        result_path = spec.get("ResultPath")
        if result_path is not None and (
            not isinstance(result_path, str) or not jsonpath.is_reference_path(result_path)
        ):
            self.schema(
                "The value for the field 'ResultPath' must be a valid ReferencePath",
                f"{location}/ResultPath",
            )
        for field in TEMPLATE_FIELDS:
            if field in spec:
                try:
                    compile_jsonpath_template(spec[field])
                except (TemplateError, jsonpath.InvalidPath) as exc:
                    self.schema(str(exc), f"{location}/{field}")

    def specific(
        self, kind: str, spec: dict[str, Any], language: str, location: str, states: dict[str, Any]
    ) -> None:
        if kind == "Task":
            resource = spec.get("Resource")
            if not isinstance(resource, str):
                self.schema("These fields are required: [Resource]", location)
            else:
                try:
                    self.resources.resolve(resource)
                except UnknownResource:
                    self.schema("Value is not a valid resource ARN", f"{location}/Resource")
            timeout, heartbeat = spec.get("TimeoutSeconds"), spec.get("HeartbeatSeconds")
            if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
                self.schema(
                    "The value of HeartbeatSeconds must be smaller than TimeoutSeconds",
                    f"{location}/HeartbeatSeconds",
                )
        elif kind == "Choice":
            self.choice(spec, language, location, states)
        elif kind == "Wait":
            modes = [
                f for f in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if f in spec
            ]
            if len(modes) != 1:
                self.schema(
                    "A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
                    location,
                )
        elif kind == "Fail":
            for field in ("Error", "Cause"):
                if field in spec and f"{field}Path" in spec:
                    self.schema(f"Only one of '{field}' or '{field}Path' may be set", location)
        elif kind == "Parallel":
            branches = spec.get("Branches")
            if not isinstance(branches, list) or not branches:
                self.schema("These fields are required: [Branches]", location)
                return
            for index, branch in enumerate(branches):
                self.nested(branch, language, f"{location}/Branches[{index}]")
        elif kind == "Map":
            processor = spec.get("ItemProcessor", spec.get("Iterator"))
            if processor is None:
                self.schema("These fields are required: [ItemProcessor]", location)
                return
            self.nested(processor, language, f"{location}/ItemProcessor")

    def nested(self, spec: Any, language: str, location: str) -> None:
        if isinstance(spec, dict):
            for field in spec:
                if field not in BRANCH_FIELDS:
                    self.schema(f"The field '{field}' is not supported by Step Functions", location)
        self.branch(spec, language, location)

    def choice(
        self, spec: dict[str, Any], language: str, location: str, states: dict[str, Any]
    ) -> None:
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.schema("These fields are required: [Choices]", location)
            return
        for index, rule in enumerate(choices):
            where = f"{location}/Choices[{index}]"
            target = rule.get("Next") if isinstance(rule, dict) else None
            if target is None:
                self.schema("These fields are required: [Next]", where)
            elif target not in states:
                self.error(
                    "MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", f"{where}/Next"
                )
            if language == "JSONata":
                if "Condition" not in rule:
                    self.schema("These fields are required: [Condition]", where)
            else:
                self.rule(rule, where)
        default = spec.get("Default")
        if default is not None and default not in states:
            self.error(
                "MISSING_TRANSITION_TARGET",
                f"Missing 'Next' target: {default}",
                f"{location}/Default",
            )

    def rule(self, rule: Any, location: str) -> None:
        if not isinstance(rule, dict):
            self.schema("A choice rule must be an object", location)
            return
        for combinator in ("And", "Or"):
            if combinator in rule:
                for index, inner in enumerate(rule[combinator]):
                    self.rule(inner, f"{location}/{combinator}[{index}]")
                return
        if "Not" in rule:
            self.rule(rule["Not"], f"{location}/Not")
            return
        operators = [key for key in rule if key in RULE_KEYS]
        if "Variable" not in rule:
            self.schema("These fields are required: [Variable]", location)
        elif not isinstance(rule["Variable"], str) or not rule["Variable"].startswith("$"):
            self.schema(
                "The value for the field 'Variable' must be a valid JSONPath",
                f"{location}/Variable",
            )
        if len(operators) != 1:
            self.schema("A choice rule needs exactly one comparison operator", location)

    def unknown(self, spec: Any, allowed: frozenset[str], location: str) -> None:
        for field in spec if isinstance(spec, dict) else ():
            if field not in allowed:
                self.schema(f"The field '{field}' is not supported by Step Functions", location)

    def retrier(self, retrier: Any, location: str) -> None:
        if not isinstance(retrier, dict) or not retrier.get("ErrorEquals"):
            self.schema("These fields are required: [ErrorEquals]", location)
            return
        self.unknown(retrier, RETRIER_FIELDS, location)
        errors = retrier["ErrorEquals"]
        if "States.ALL" in errors and len(errors) > 1:
            self.schema("States.ALL must appear alone in ErrorEquals", f"{location}/ErrorEquals")
        checks = {
            "MaxAttempts": lambda v: isinstance(v, int) and v >= 0,
            "IntervalSeconds": lambda v: isinstance(v, int) and v >= 1,
            "BackoffRate": lambda v: isinstance(v, int | float) and v >= 1.0,
            "MaxDelaySeconds": lambda v: isinstance(v, int) and v >= 1,
            "JitterStrategy": lambda v: v in ("FULL", "NONE"),
        }
        for field, check in checks.items():
            if field in retrier and not check(retrier[field]):
                self.schema(f"The value for the field '{field}' is invalid", f"{location}/{field}")


def _targets(state: dict[str, Any]) -> list[str]:
    targets = [state["Next"]] if isinstance(state.get("Next"), str) else []
    targets += [c.get("Next") for c in state.get("Catch", []) or [] if isinstance(c, dict)]
    targets += [c.get("Next") for c in state.get("Choices", []) or [] if isinstance(c, dict)]
    if isinstance(state.get("Default"), str):
        targets.append(state["Default"])
    return [t for t in targets if isinstance(t, str)]


def _is_terminal(state: dict[str, Any]) -> bool:
    return state.get("Type") in TERMINAL_TYPES or state.get("End") is True
