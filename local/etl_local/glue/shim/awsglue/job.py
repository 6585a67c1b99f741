"""``Job.init``/``Job.commit``: bookmarks are not kept locally; commit marks the run done."""

from __future__ import annotations

from typing import Any


class Job:
    def __init__(self, glue_context: Any) -> None:
        self._context = glue_context
        self.name: str | None = None
        self.committed = False

    def init(self, job_name: str, args: dict[str, Any] | None = None) -> None:
        self.name = job_name
        self.args = dict(args or {})

    def commit(self) -> None:
        if self.name is None:
            raise RuntimeError("Job.init must be called before Job.commit")
        self.committed = True
