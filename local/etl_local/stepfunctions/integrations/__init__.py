"""Service integrations: one module per service, joined in one registry."""

from __future__ import annotations

from etl_local.stepfunctions.integrations import athena, databrew, glue, messaging, states
from etl_local.stepfunctions.integrations.base import Clients, TaskCall
from etl_local.stepfunctions.integrations.lambda_ import invoke
from etl_local.stepfunctions.integrations.registry import (
    Action,
    Handler,
    Integrations,
    Target,
    UnknownResource,
)

OPTIMIZED: dict[str, Action] = {
    "lambda:invoke": Action(invoke),
    **athena.ACTIONS,
    **glue.ACTIONS,
    **databrew.ACTIONS,
    **messaging.ACTIONS,
    **states.ACTIONS,
}

__all__ = [
    "OPTIMIZED",
    "Action",
    "Clients",
    "Handler",
    "Integrations",
    "Target",
    "TaskCall",
    "UnknownResource",
]
