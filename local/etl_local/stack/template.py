"""CloudFormation templates: YAML with short-form tags, parameters, conditions, intrinsics.

``load_template`` turns ``!Ref x`` / ``!Sub ...`` / ``!GetAtt a.b`` ... into their long forms
(``{"Ref": "x"}``, ``{"Fn::Sub": ...}``, ``{"Fn::GetAtt": ["a", "b"]}``). ``Resolver`` evaluates
them against parameters, pseudo-parameters, conditions, mappings and the resources provisioned
so far, one function per intrinsic in a registry.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl_local.context import ACCOUNT_ID, REGION

NO_VALUE = object()  # AWS::NoValue: the property is removed

# ----------------------------------------------------------------------------- YAML

_SHORT_TAGS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "Contains",
    "ToJsonString",
    "Length",
)


try:  # libyaml's parser: the template parses ~10x faster than with the pure-Python one
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _TemplateLoader(_SafeLoader):
    pass


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


def _long_form(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return {name: _construct(node, loader)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = _construct(node, loader)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


_TemplateLoader.add_constructor("!Ref", _long_form("Ref"))
_TemplateLoader.add_constructor("!Condition", _long_form("Condition"))
_TemplateLoader.add_constructor("!GetAtt", _get_att)
for _tag in _SHORT_TAGS:
    _TemplateLoader.add_constructor(f"!{_tag}", _long_form(f"Fn::{_tag}"))


def load_template(path: Path) -> dict[str, Any]:
    text = path.read_text()
    document = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(
            f"{path}: Template format error: At least one Resources member must be defined."
        )
    return document


class TemplateError(Exception):
    """A template CloudFormation would reject (message as CloudFormation words it)."""


# ----------------------------------------------------------------------------- references


def references(value: Any) -> set[str]:
    """Logical ids (resources, parameters, pseudo-parameters) that ``value`` refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and target and isinstance(target[0], str):
                found.add(target[0])
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
            names = {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
            found |= names - set(variables)
            found |= references(variables)
        for key, inner in value.items():
            if key not in ("Ref", "Fn::Sub"):
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


# ----------------------------------------------------------------------------- resolution


@dataclass
class Provisioned:
    """What ``Ref`` and ``Fn::GetAtt`` of a created resource return."""

    logical_id: str
    type: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Resolver:
    stack_name: str
    parameters: dict[str, Any]
    mappings: Mapping[str, Any] = field(default_factory=dict)
    condition_defs: Mapping[str, Any] = field(default_factory=dict)
    resources: dict[str, Provisioned] = field(default_factory=dict)
    region: str = REGION
    account_id: str = ACCOUNT_ID
    _conditions: dict[str, bool] = field(default_factory=dict)

    @property
    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self.condition_defs:
                raise TemplateError(
                    f"Template format error: Unresolved condition dependencies [{name}]"
                )
            self._conditions[name] = bool(self.resolve(self.condition_defs[name]))
        return self._conditions[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key in INTRINSICS:
                return INTRINSICS[key](self, argument)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    # --- single intrinsics

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.resources[name].ref
        raise TemplateError(
            "Template format error: Unresolved resource dependencies "
            f"[{name}] in the Resources block of the template"
        )

    def get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = self.resolve(argument[0]), self.resolve(argument[1])
        if logical_id not in self.resources:
            raise TemplateError(
                "Template format error: Unresolved resource dependencies "
                f"[{logical_id}] in the Resources block of the template"
            )
        resource = self.resources[logical_id]
        if attribute not in resource.attributes:
            raise TemplateError(
                f"Template error: resource {logical_id} ({resource.type}) does not support "
                f"attribute type {attribute} in Fn::GetAtt"
            )
        return resource.attributes[attribute]

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return _text(values[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                return _text(self.get_att(name.split(".", 1)))
            return _text(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _join(r: Resolver, argument: Any) -> str:
    delimiter, items = r.resolve(argument)
    return str(delimiter).join(_text(i) for i in items)


def _select(r: Resolver, argument: Any) -> Any:
    index, items = r.resolve(argument)
    return items[int(index)]


def _split(r: Resolver, argument: Any) -> list[str]:
    delimiter, text = r.resolve(argument)
    return str(text).split(delimiter)


def _find_in_map(r: Resolver, argument: Any) -> Any:
    name, top, second = (r.resolve(a) for a in argument[:3])
    try:
        return r.mappings[name][top][second]
    except KeyError as exc:
        raise TemplateError(
            f"Template error: Unable to get mapping for {name}::{top}::{second}"
        ) from exc


def _if(r: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return r.resolve(when_true if r.condition(name) else when_false)


def _equals(r: Resolver, argument: Any) -> bool:
    left, right = r.resolve(argument)
    return _text(left) == _text(right)


def _import_value(r: Resolver, argument: Any) -> Any:
    raise TemplateError(
        f"Fn::ImportValue {r.resolve(argument)!r}: no other stacks exist locally to import from"
    )


def _get_azs(r: Resolver, argument: Any) -> list[str]:
    return [f"{r.region}{zone}" for zone in "abcdef"]


def _contains(r: Resolver, argument: Any) -> bool:
    items, item = r.resolve(argument)
    return item in items


# intrinsic / condition function -> evaluation
INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(r.resolve(a)),
    "Fn::GetAtt": lambda r, a: r.get_att(a),
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda r, a: base64.b64encode(_text(r.resolve(a)).encode()).decode(),
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda r, a: all(bool(r.resolve(c)) for c in a),
    "Fn::Or": lambda r, a: any(bool(r.resolve(c)) for c in a),
    "Fn::Not": lambda r, a: not bool(r.resolve(a[0])),
    "Condition": lambda r, a: r.condition(a),
    "Fn::ImportValue": _import_value,
    "Fn::GetAZs": _get_azs,
    "Fn::Contains": _contains,
    "Fn::ToJsonString": lambda r, a: json.dumps(r.resolve(a)),
    "Fn::Length": lambda r, a: len(r.resolve(a)),
}


# ----------------------------------------------------------------------------- parameters


def parse_overrides(text: str | Iterable[str] | None) -> dict[str, str]:
    """``Key=Value Key2="a b"`` (sam's --parameter-overrides / samconfig's form)."""
    if text is None:
        return {}
    items = text if not isinstance(text, str) else re.findall(r'(\w+)=("[^"]*"|\S*)', text)
    result: dict[str, str] = {}
    for item in items:
        key, value = item.split("=", 1) if isinstance(item, str) else item
        result[key] = value.strip('"')
    return result


def parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Each declared parameter's value: override, else Default; typed and validated."""
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"Parameters: {sorted(unknown)} do not exist in the template")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"Parameters: [{name}] must have values")
        allowed = spec.get("AllowedValues")
        if allowed is not None and _text(raw) not in [_text(a) for a in allowed]:
            raise TemplateError(f"Parameter '{name}' must be one of AllowedValues")
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, _text(raw)):
            raise TemplateError(f"Parameter '{name}' must match pattern {pattern}")
        _check_bounds(name, spec, raw)
        kind = spec.get("Type", "String")
        values[name] = _PARAMETER_TYPES.get(kind, _text)(raw)
    return values


# constraint -> (what it measures, violated when) ; CloudFormation's parameter constraints
_BOUNDS: dict[str, tuple[Callable[[Any], float], Callable[[float, float], bool]]] = {
    "MinValue": (lambda v: float(v), lambda value, bound: value < bound),
    "MaxValue": (lambda v: float(v), lambda value, bound: value > bound),
    "MinLength": (lambda v: len(_text(v)), lambda value, bound: value < bound),
    "MaxLength": (lambda v: len(_text(v)), lambda value, bound: value > bound),
}


def _check_bounds(name: str, spec: Mapping[str, Any], raw: Any) -> None:
    for constraint, (measure, violated) in _BOUNDS.items():
        if constraint not in spec:
            continue
        try:
            value = measure(raw)
        except ValueError as exc:
            raise TemplateError(f"Parameter '{name}' must be a number") from exc
        if violated(value, float(spec[constraint])):
            raise TemplateError(f"Parameter '{name}' must satisfy {constraint} {spec[constraint]}")


def _list(raw: Any) -> list[str]:
    return raw if isinstance(raw, list) else [p.strip() for p in _text(raw).split(",")]


_PARAMETER_TYPES: dict[str, Callable[[Any], Any]] = {
    "String": _text,
    "Number": _text,  # Ref of a Number parameter is a string in CloudFormation
    "CommaDelimitedList": _list,
    "List<Number>": _list,
}
