"""The AWS SAM transform, as far as the local stack needs it.

``expand`` applies ``Globals`` to serverless resources and turns the event sources of
functions and state machines (``Events:`` of type ``EventBridgeRule``, ``CloudWatchEvent``,
``Schedule``) into the ``AWS::Events::Rule`` resources SAM generates, with the logical ids
and target ids SAM gives them, and ``Policies`` into the generated execution role (so that a
policy naming another resource is no dependency of the function itself, as in SAM). Event source types without a local counterpart are returned
as problems, never dropped silently.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

# Globals section -> resource type it applies to
GLOBALS_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}


def merge_globals(globals_: Any, properties: Any) -> Any:
    """SAM's rule: maps merge (resource wins), lists concatenate (globals first)."""
    if isinstance(globals_, dict) and isinstance(properties, dict):
        if _is_intrinsic(globals_) or _is_intrinsic(properties):
            return copy.deepcopy(properties)
        merged = copy.deepcopy(globals_)
        for key, value in properties.items():
            merged[key] = merge_globals(merged[key], value) if key in merged else value
        return merged
    if isinstance(globals_, list) and isinstance(properties, list):
        return [*globals_, *properties]
    return copy.deepcopy(properties)


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def _rule(
    owner_id: str,
    event_id: str,
    properties: dict[str, Any],
    target_arn: Any,
    target_suffix: str,
) -> dict[str, Any]:
    target: dict[str, Any] = {
        "Id": properties.get("Target", {}).get("Id", f"{owner_id}{event_id}{target_suffix}"),
        "Arn": target_arn,
    }
    for member in ("Input", "InputPath", "InputTransformer", "RetryPolicy", "DeadLetterConfig"):
        if member in properties:
            target[member] = properties[member]
    rule: dict[str, Any] = {"Targets": [target], "State": properties.get("State", "ENABLED")}
    if properties.get("Enabled") is False:
        rule["State"] = "DISABLED"
    if "Pattern" in properties:
        rule["EventPattern"] = properties["Pattern"]
    if "Schedule" in properties:
        rule["ScheduleExpression"] = properties["Schedule"]
    for source, member in (("EventBusName", "EventBusName"), ("RuleName", "Name")):
        if source in properties:
            rule[member] = properties[source]
    if "Name" in properties and "Name" not in rule:
        rule["Name"] = properties["Name"]
    return {"Type": "AWS::Events::Rule", "Properties": rule}


# event source type -> whether SAM makes an EventBridge rule of it
_RULE_EVENT_TYPES = frozenset({"EventBridgeRule", "CloudWatchEvent", "Schedule"})

# owner resource type -> (Arn of the target, suffix SAM gives the target id)
_EVENT_OWNERS: dict[str, Callable[[str], tuple[Any, str]]] = {
    "AWS::Serverless::Function": lambda lid: ({"Fn::GetAtt": [lid, "Arn"]}, "LambdaTarget"),
    "AWS::Serverless::StateMachine": lambda lid: ({"Ref": lid}, "StepFunctionsTarget"),
}


def expand(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Resources after the SAM transform, and the problems found (unsupported event types)."""
    globals_ = template.get("Globals", {})
    resources: dict[str, Any] = {}
    problems: list[str] = []
    for logical_id, resource in template["Resources"].items():
        resource = copy.deepcopy(resource)
        kind = resource.get("Type", "")
        for section, applies_to in GLOBALS_SECTIONS.items():
            if kind == applies_to and section in globals_:
                resource["Properties"] = merge_globals(
                    globals_[section], resource.get("Properties", {})
                )
        resources[logical_id] = resource
        if kind not in _EVENT_OWNERS:
            continue
        arn, suffix = _EVENT_OWNERS[kind](logical_id)
        properties = resource.setdefault("Properties", {})
        policies = properties.pop("Policies", None)
        if policies is not None and "Role" not in properties:
            # SAM generates the execution role from Policies: a resource of its own
            resources[f"{logical_id}Role"] = {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": policies},
            }
        for event_id, event in (properties.pop("Events", None) or {}).items():
            event_type = event.get("Type")
            if event_type not in _RULE_EVENT_TYPES:
                problems.append(
                    f"{logical_id}.Events.{event_id}: event source type {event_type} "
                    "has no local counterpart"
                )
                continue
            rule = _rule(logical_id, event_id, event.get("Properties", {}), arn, suffix)
            if "Condition" in resource:
                rule["Condition"] = resource["Condition"]
            rule["DependsOn"] = [logical_id]
            resources[f"{logical_id}{event_id}"] = rule
    return resources, problems
