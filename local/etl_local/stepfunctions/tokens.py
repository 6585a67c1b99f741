"""Task tokens for the ``.waitForTaskToken`` pattern (SendTaskSuccess/Failure/Heartbeat)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from etl_local.awserrors import AwsError
from etl_local.stepfunctions.errors import HEARTBEAT_TIMEOUT, TIMEOUT, StatesError


@dataclass
class _Slot:
    done: threading.Event = field(default_factory=threading.Event)
    output: Any = None
    error: StatesError | None = None
    last_beat: float = field(default_factory=time.monotonic)
    closed: bool = False


class TokenBroker:
    """Issues task tokens and delivers SendTask* outcomes to the waiting Task state."""

    POLL_SECONDS = 0.05

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def new(self) -> str:
        token = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()
        with self._lock:
            self._slots[token] = _Slot()
        return token

    def wait(
        self,
        token: str,
        check: Callable[[], None],
        timeout: float | None,
        heartbeat: float | None,
    ) -> Any:
        slot = self._slots[token]
        started = time.monotonic()
        try:
            while not slot.done.wait(self.POLL_SECONDS):
                check()
                now = time.monotonic()
                if timeout is not None and now - started >= timeout:
                    raise StatesError(TIMEOUT)
                if heartbeat is not None and now - slot.last_beat >= heartbeat:
                    raise StatesError(HEARTBEAT_TIMEOUT)
            if slot.error is not None:
                raise slot.error
            return slot.output
        finally:
            slot.closed = True

    def _open(self, token: str) -> _Slot:
        slot = self._slots.get(token)
        if slot is None:
            if not token or len(token) > 1024:
                raise AwsError("InvalidToken", "Invalid token")
            raise AwsError("TaskDoesNotExist", "Task does not exist anymore")
        if slot.closed or slot.done.is_set():
            raise AwsError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        return slot

    def succeed(self, token: str, output: str) -> None:
        try:
            value = json.loads(output)
        except json.JSONDecodeError as exc:
            raise AwsError("InvalidOutput", "Invalid output: not valid JSON") from exc
        with self._lock:
            slot = self._open(token)
            slot.output = value
            slot.done.set()

    def fail(self, token: str, error: str | None, cause: str | None) -> None:
        with self._lock:
            slot = self._open(token)
            slot.error = StatesError(error or "", cause)
            slot.done.set()

    def heartbeat(self, token: str) -> None:
        with self._lock:
            self._open(token).last_beat = time.monotonic()


DEFAULT_BROKER = TokenBroker()
