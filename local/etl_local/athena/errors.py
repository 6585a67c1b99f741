"""Athena's query errors: the error name, the message, and the AthenaError fields.

A failed query reports ``Status.StateChangeReason`` as ``"<NAME>: <message>"`` and an
``AthenaError`` with ``ErrorCategory`` (1 system, 2 user, 3 other) and ``ErrorType``
(Athena's error catalog). One table row per error name; no per-call special cases.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM, USER, OTHER = 1, 2, 3


@dataclass(frozen=True)
class ErrorKind:
    category: int
    error_type: int
    retryable: bool = False


# Error name -> AthenaError fields (Athena error catalog: 1000 user error, 1001 data error,
# 1003 DDL task failed, 1004 schema error, 1006 syntax error, 1100 invalid argument,
# 1200 unsupported feature, 1300 resource not found (entity), 200 engine internal).
ERROR_KINDS: dict[str, ErrorKind] = {
    "SYNTAX_ERROR": ErrorKind(USER, 1006),
    "COLUMN_NOT_FOUND": ErrorKind(USER, 1006),
    "TABLE_NOT_FOUND": ErrorKind(USER, 1006),
    "SCHEMA_NOT_FOUND": ErrorKind(USER, 1006),
    "FUNCTION_NOT_FOUND": ErrorKind(USER, 1006),
    "TYPE_MISMATCH": ErrorKind(USER, 1006),
    "AMBIGUOUS_NAME": ErrorKind(USER, 1006),
    "DUPLICATE_COLUMN_NAME": ErrorKind(USER, 1006),
    "MISSING_COLUMN_NAME": ErrorKind(USER, 1006),
    "TABLE_ALREADY_EXISTS": ErrorKind(USER, 1003),
    "ALREADY_EXISTS": ErrorKind(USER, 1003),
    "NOT_SUPPORTED": ErrorKind(USER, 1200),
    "INVALID_TABLE_PROPERTY": ErrorKind(USER, 1100),
    "INVALID_FUNCTION_ARGUMENT": ErrorKind(USER, 1100),
    "INVALID_CAST_ARGUMENT": ErrorKind(USER, 1001),
    "DIVISION_BY_ZERO": ErrorKind(USER, 1001),
    "NUMERIC_VALUE_OUT_OF_RANGE": ErrorKind(USER, 1001),
    "HIVE_PATH_ALREADY_EXISTS": ErrorKind(USER, 1003),
    "HIVE_TOO_MANY_OPEN_PARTITIONS": ErrorKind(USER, 1000),
    "HIVE_COLUMN_ORDER_MISMATCH": ErrorKind(USER, 1006),
    "HIVE_UNSUPPORTED_FORMAT": ErrorKind(USER, 1200),
    "HIVE_BAD_DATA": ErrorKind(USER, 1001),
    "HIVE_CURSOR_ERROR": ErrorKind(USER, 1001),
    "HIVE_INVALID_METADATA": ErrorKind(USER, 1004),
    "HIVE_METASTORE_ERROR": ErrorKind(USER, 1003),
    "HIVE_PARTITION_SCHEMA_MISMATCH": ErrorKind(USER, 1004),
    "DDL_FAILED": ErrorKind(USER, 1003),
    "USER_CANCELLED": ErrorKind(USER, 1000),
    "GENERIC_INTERNAL_ERROR": ErrorKind(SYSTEM, 200, retryable=True),
}


class AthenaQueryError(Exception):
    """A query failure as Athena reports it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message

    @property
    def kind(self) -> ErrorKind:
        return ERROR_KINDS.get(self.name, ERROR_KINDS["GENERIC_INTERNAL_ERROR"])

    @property
    def reason(self) -> str:
        """``Status.StateChangeReason`` of the failed query."""
        return str(self)

    def athena_error(self) -> dict[str, object]:
        kind = self.kind
        return {
            "ErrorCategory": kind.category,
            "ErrorType": kind.error_type,
            "Retryable": kind.retryable,
            "ErrorMessage": self.reason,
        }


def position(sql: str, offset: int) -> str:
    """Trino's ``line L:C`` (1-based) for a character offset in the statement."""
    if not 0 <= offset < len(sql):
        offset = 0
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}:{column}"


def at(sql: str, offset: int, name: str, message: str) -> AthenaQueryError:
    return AthenaQueryError(name, f"{position(sql, offset)}: {message}")
