"""Succeed: ends the branch successfully."""

from __future__ import annotations

from etl_local.stepfunctions.states.base import (
    COMMON_FIELDS,
    JSONATA_FIELDS,
    JSONPATH_IO_FIELDS,
    State,
)


class SucceedState(State):
    TYPE = "Succeed"
    FIELDS = COMMON_FIELDS | (JSONATA_FIELDS - {"Assign"})
    JSONPATH_FIELDS = JSONPATH_IO_FIELDS

    def following(self, raw: object, output: object, frame: object) -> str | None:
        return None

    def transitions(self) -> list[str]:
        return []
