"""SQLite persistence of state machines and executions (shared between processes).

One file under the workspace; a short-lived connection per operation (WAL mode), so a
second process can list, describe, read the history of and redrive executions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
    type TEXT NOT NULL, creation_date REAL NOT NULL, update_date REAL NOT NULL,
    revision_id TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
    input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
    start_date REAL NOT NULL, stop_date REAL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
    machine_update_date REAL NOT NULL, revision_id TEXT NOT NULL,
    redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL,
    history TEXT NOT NULL DEFAULT '[]', ledger TEXT NOT NULL DEFAULT '{}',
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (machine_arn, start_date);
"""


@dataclass
class MachineRecord:
    arn: str
    name: str
    definition: str
    role_arn: str
    type: str
    creation_date: float
    update_date: float
    revision_id: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class ExecutionRecord:
    arn: str
    machine_arn: str
    name: str
    status: str
    input: str
    start_date: float
    definition: str
    role_arn: str
    machine_update_date: float
    revision_id: str
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    stop_date: float | None = None
    redrive_count: int = 0
    redrive_date: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)
    owner: str = ""  # "<host>:<pid>" of the process running it


_JSON_COLUMNS = frozenset({"history", "ledger"})


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(executions)")}
            if "owner" not in columns:  # a workspace from before the owner column
                db.execute("ALTER TABLE executions ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
            columns = {row["name"] for row in db.execute("PRAGMA table_info(state_machines)")}
            if "tags" not in columns:
                db.execute("ALTER TABLE state_machines ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30)
            # WAL + NORMAL: each commit survives a crash of the process (not of the machine)
            # without an fsync per history flush
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            try:
                with db:
                    yield db
            finally:
                db.close()

    # --- state machines ---------------------------------------------------------------

    def put_machine(self, record: MachineRecord) -> None:
        values = asdict(record)
        values["tags"] = json.dumps(values["tags"])
        self._upsert("state_machines", values)

    def machine(self, arn: str) -> MachineRecord | None:
        row = self._one("SELECT * FROM state_machines WHERE arn = ?", (arn,))
        return None if row is None else _machine(row)

    def machines(self) -> list[MachineRecord]:
        rows = self._all("SELECT * FROM state_machines ORDER BY creation_date, arn", ())
        return [_machine(row) for row in rows]

    def delete_machine(self, arn: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))

    # --- executions -------------------------------------------------------------------

    def put_execution(self, record: ExecutionRecord) -> None:
        values = asdict(record)
        for column in _JSON_COLUMNS:
            values[column] = json.dumps(values[column])
        self._upsert("executions", values)

    def execution(self, arn: str) -> ExecutionRecord | None:
        row = self._one("SELECT * FROM executions WHERE arn = ?", (arn,))
        return None if row is None else _execution(row)

    def executions(self, machine_arn: str) -> list[ExecutionRecord]:
        columns = ", ".join(
            f.name
            if f.name not in _JSON_COLUMNS
            else f"'{'[]' if f.name == 'history' else '{}'}' AS {f.name}"
            for f in fields(ExecutionRecord)
        )
        rows = self._all(
            f"SELECT {columns} FROM executions WHERE machine_arn = ? ORDER BY start_date DESC",  # noqa: S608
            (machine_arn,),
        )
        return [_execution(row) for row in rows]

    # --- plumbing ---------------------------------------------------------------------

    def _upsert(self, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._connect() as db:
            db.execute(
                f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                tuple(values.values()),
            )

    def _one(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Row | None:
        with self._connect() as db:
            row: sqlite3.Row | None = db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._connect() as db:
            return list(db.execute(sql, args).fetchall())


def _machine(row: sqlite3.Row) -> MachineRecord:
    values = dict(row)
    values["tags"] = json.loads(values["tags"])
    return MachineRecord(**values)


def _execution(row: sqlite3.Row) -> ExecutionRecord:
    values = dict(row)
    for column in _JSON_COLUMNS:
        values[column] = json.loads(values[column])
    return ExecutionRecord(**values)
