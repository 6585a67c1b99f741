"""The Spark driver process of a local Glue job run: ``python -m etl_local.glue.driver``.

Usage: ``driver RESULT_JSON SCRIPT [--name value ...]``. Puts the ``awsglue`` shim, the
script's folder and the job's ``--extra-py-files`` on ``sys.path``, runs the script as ``__main__`` with Glue's ``sys.argv``
and writes ``{"ok": bool, "error": "Type: message"}`` to RESULT_JSON. ``sys.exit(0)`` is a
success, as on Glue.
"""

from __future__ import annotations

import json
import runpy
import sys
import traceback
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


def run_script(script: Path, argv: list[str]) -> str | None:
    """Run ``script`` in this process; the error message, or None on success."""
    paths = import_paths(script, argv)
    sys.path[:0] = paths
    sys.argv = [str(script), *argv]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            traceback.print_exc()
            return error_message(exc)
    except BaseException as exc:
        traceback.print_exc()
        return error_message(exc)
    finally:
        del sys.path[: len(paths)]
    return None


def main() -> int:
    result_path, script, *argv = sys.argv[1:]
    error = run_script(Path(script), argv)
    Path(result_path).write_text(json.dumps({"ok": error is None, "error": error}))
    sys.stdout.flush()
    sys.stderr.flush()
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
