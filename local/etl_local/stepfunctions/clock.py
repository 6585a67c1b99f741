"""Clocks: real time, or a virtual clock that makes waits instantaneous.

The virtual clock runs at real speed but jumps forward on ``sleep`` instead of sleeping,
so timestamps and event order are what real time would give. Parallel branches and Map
iterations fork the clock (each thread of execution has its own time) and the parent
joins them at the latest child time, as if they had run concurrently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Protocol


class Clock(Protocol):
    virtual: bool

    def now(self) -> float: ...

    def sleep(self, seconds: float, cancel: threading.Event) -> None: ...

    def fork(self) -> Clock: ...

    def join(self, children: Iterable[Clock]) -> None: ...


class RealClock:
    virtual = False

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float, cancel: threading.Event) -> None:
        if seconds > 0:
            cancel.wait(seconds)

    def fork(self) -> Clock:
        return self

    def join(self, children: Iterable[Clock]) -> None:
        return None


class VirtualClock:
    virtual = True

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float, cancel: threading.Event) -> None:
        if seconds > 0:
            self.offset += seconds

    def fork(self) -> Clock:
        return VirtualClock(self.offset)

    def join(self, children: Iterable[Clock]) -> None:
        for child in children:
            if isinstance(child, VirtualClock):
                self.offset = max(self.offset, child.offset)


def make_clock(virtual: bool) -> Clock:
    return VirtualClock() if virtual else RealClock()
