"""The project's Amazon States Language interpreter.

from etl_local.stepfunctions import load, Execution, run_definition
result = run_definition(definition_json, {"key": "value"}, virtual_clock=True)
result.status, result.output, result.history
"""

from __future__ import annotations

from etl_local.stepfunctions.errors import DefinitionError, StatesError
from etl_local.stepfunctions.execution import (
    Execution,
    ExecutionResult,
    Redrive,
    execution_arn,
    run_definition,
    state_machine_arn,
)
from etl_local.stepfunctions.machine import StateMachine, load
from etl_local.stepfunctions.validation import validate

__all__ = [
    "DefinitionError",
    "Execution",
    "ExecutionResult",
    "Redrive",
    "StateMachine",
    "StatesError",
    "execution_arn",
    "load",
    "run_definition",
    "state_machine_arn",
    "validate",
]
