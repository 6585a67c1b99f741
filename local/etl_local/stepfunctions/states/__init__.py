"""One module per state type; ``STATE_TYPES`` maps the ``Type`` field to its class."""

from __future__ import annotations

from etl_local.stepfunctions.states.base import State
from etl_local.stepfunctions.states.choice import ChoiceState
from etl_local.stepfunctions.states.fail import FailState
from etl_local.stepfunctions.states.map_ import MapState
from etl_local.stepfunctions.states.parallel import ParallelState
from etl_local.stepfunctions.states.pass_ import PassState
from etl_local.stepfunctions.states.succeed import SucceedState
from etl_local.stepfunctions.states.task import TaskState
from etl_local.stepfunctions.states.wait import WaitState

STATE_TYPES: dict[str, type[State]] = {
    cls.TYPE: cls
    for cls in (
        PassState,
        TaskState,
        ChoiceState,
        WaitState,
        SucceedState,
        FailState,
        ParallelState,
        MapState,
    )
}

__all__ = ["STATE_TYPES", "State"]
