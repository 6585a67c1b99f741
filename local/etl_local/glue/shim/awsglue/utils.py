"""``getResolvedOptions`` with Glue's semantics.

- every requested option is required (``--NAME value``); a missing one raises
  ``GlueArgumentError("the following arguments are required: --NAME")``;
- reserved names (the job-bookmark and continuation options, JOB_ID, JOB_RUN_ID,
  SECURITY_CONFIGURATION, encryption-type) cannot be requested: ``RuntimeError``;
- unknown arguments are ignored; ``JOB_ID``/``JOB_RUN_ID``/``SECURITY_CONFIGURATION``,
  ``TempDir``/``RedshiftTempDir`` (mirrored) and ``job_bookmark_option`` (default
  ``job-bookmark-disable``) are always in the result.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

BOOKMARK_OPTION = "--job-bookmark-option"
BOOKMARK_CHOICES = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")
CONTINUATION_OPTION = "--continuation-option"
CONTINUATION_CHOICES = ("continuation-enabled", "continuation-disabled", "continuation-ignore")
RANGE_OPTIONS = ("--job-bookmark-from", "--job-bookmark-to")
ID_OPTIONS = ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION")
ENCRYPTION_OPTION = "--encryption-type"
TEMP_DIRS = ("TempDir", "RedshiftTempDir")

_RESERVED = (BOOKMARK_OPTION, CONTINUATION_OPTION, *RANGE_OPTIONS, *ID_OPTIONS, ENCRYPTION_OPTION)


class GlueArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise GlueArgumentError(message)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, str | None]:  # noqa: N802
    for reserved in _RESERVED:
        if reserved.lstrip("-") in options:
            raise RuntimeError("Using reserved arguments " + reserved)
    parser = _Parser(add_help=False)
    parser.add_argument(BOOKMARK_OPTION, choices=BOOKMARK_CHOICES, required=False)
    parser.add_argument(CONTINUATION_OPTION, choices=CONTINUATION_CHOICES, required=False)
    for option in (*RANGE_OPTIONS, *ID_OPTIONS):
        parser.add_argument(option, required=False)
    parser.add_argument(ENCRYPTION_OPTION, choices=("sse-s3",), required=False)
    for temp in TEMP_DIRS:
        parser.add_argument("--" + temp, required=False)
    for option in options:
        if option not in TEMP_DIRS:
            parser.add_argument("--" + option, required=True)
    parsed, _ = parser.parse_known_args(list(args)[1:])
    resolved: dict[str, str | None] = dict(vars(parsed))
    temp_dir = resolved.get("TempDir") or resolved.get("RedshiftTempDir")
    if temp_dir:
        resolved["TempDir"] = resolved["RedshiftTempDir"] = temp_dir
    continuation = resolved.pop("continuation_option", None)
    if not resolved.get("job_bookmark_option"):
        index = CONTINUATION_CHOICES.index(continuation) if continuation is not None else 1
        resolved["job_bookmark_option"] = BOOKMARK_CHOICES[index]
    return resolved
