"""Execution history: events with AWS's HistoryEventType names, ids and previousEventId."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

# Events whose details key does not follow "<lowerFirst(type)>EventDetails".
_DETAILS_SUFFIXES = {
    "StateEntered": "stateEnteredEventDetails",
    "StateExited": "stateExitedEventDetails",
}
_NO_DETAILS = frozenset(
    {
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateFailed",
        "ParallelStateAborted",
        "MapStateSucceeded",
        "MapStateFailed",
        "MapStateAborted",
        "WaitStateAborted",
        "LambdaFunctionStarted",
    }
)


@lru_cache(maxsize=256)
def details_key(event_type: str) -> str | None:
    if event_type in _NO_DETAILS:
        return None
    for suffix, key in _DETAILS_SUFFIXES.items():
        if event_type.endswith(suffix):
            return key
    return event_type[0].lower() + event_type[1:] + "EventDetails"


class History:
    """Thread-safe, append-only list of history events."""

    def __init__(self, events: list[dict[str, Any]] | None = None) -> None:
        self.events: list[dict[str, Any]] = list(events or [])
        self._lock = threading.Lock()

    @property
    def last_id(self) -> int:
        return len(self.events)

    def add(
        self,
        event_type: str,
        timestamp: float,
        previous_id: int,
        details: dict[str, Any] | None = None,
    ) -> int:
        with self._lock:
            event_id = len(self.events) + 1
            event: dict[str, Any] = {
                "timestamp": timestamp,
                "type": event_type,
                "id": event_id,
                "previousEventId": previous_id,
            }
            key = details_key(event_type)
            if key is not None and details is not None:
                event[key] = details
            self.events.append(event)
            return event_id
