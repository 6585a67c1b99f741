"""The Spark driver process of a local Glue job run: ``python -m etl_local.glue.driver``.

Usage: ``driver RESULT_JSON SCRIPT [--name value ...]``. Puts the ``awsglue`` shim, the
script's folder and the job's ``--extra-py-files`` on ``sys.path``, runs the script as
``__main__`` with Glue's ``sys.argv`` and writes ``{"ok": bool, "error": "Type: message"}`` to
RESULT_JSON. ``sys.exit(0)`` is a success, as on Glue.
"""

from __future__ import annotations

import json
import sys
import traceback
import types
from pathlib import Path

SHIM = Path(__file__).resolve().parent / "shim"


def error_message(exc: BaseException) -> str:
    """Glue's ErrorMessage: the exception's type and message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ").strip()


EXTRA_PY_FILES = "--extra-py-files"


def import_paths(script: Path, argv: list[str]) -> list[str]:
    """The shim, the script's folder and ``--extra-py-files`` (local paths by then): a .py
    file contributes its folder, a .zip/.whl itself."""
    paths = [str(SHIM), str(script.parent)]
    if EXTRA_PY_FILES in argv[:-1]:
        for item in argv[argv.index(EXTRA_PY_FILES) + 1].split(","):
            path = Path(item.strip())
            paths.append(str(path.parent if path.suffix == ".py" else path))
    return list(dict.fromkeys(paths))


def run_main(script: Path) -> str | None:
    """Run ``script`` as ``__main__`` in a fresh module (not ``runpy``, which swaps
    ``sys.modules["__main__"]`` and ``sys.argv[0]`` process-wide: runs share a warm driver);
    the error message, or None on success."""
    module = types.ModuleType("__main__")
    module.__file__ = str(script)
    try:
        code = compile(script.read_bytes(), str(script), "exec")
        exec(code, module.__dict__)  # noqa: S102 - running the job's script is the point
    except SystemExit as exc:
        if exc.code not in (None, 0):
            traceback.print_exc()
            return error_message(exc)
    except BaseException as exc:
        traceback.print_exc()
        return error_message(exc)
    return None


def run_script(script: Path, argv: list[str]) -> str | None:
    """Run ``script`` in this (single-run) process with ``argv``; the error message or None."""
    paths = import_paths(script, argv)
    sys.path[:0] = paths
    sys.argv = [str(script), *argv]
    try:
        return run_main(script)
    finally:
        del sys.path[: len(paths)]


def main() -> int:
    result_path, script, *argv = sys.argv[1:]
    error = run_script(Path(script), argv)
    Path(result_path).write_text(json.dumps({"ok": error is None, "error": error}))
    sys.stdout.flush()
    sys.stderr.flush()
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
