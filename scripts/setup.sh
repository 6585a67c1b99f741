#!/usr/bin/env bash
# One-time (and idempotent) set-up of everything the local run and the tests need:
# the virtualenv with the pinned Python packages, the pinned npm ASL validator
# (installed in this repo, not globally), Java 17+ for Spark, and the Lambda
# runtime's Python (3.13) for `sam build` and the local Lambda workers.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
VENV=.venv
STAMP="$VENV/.setup-stamp"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Java (Spark needs 17+) -------------------------------------------------
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Java 17 (openjdk-17-jre-headless) with apt"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
        echo "Java 17+ is required (Spark runs the Glue job). Install openjdk-17 and re-run." >&2
        exit 1
    fi
fi

# --- Python virtualenv with exact pins --------------------------------------
if ! command -v "$PYTHON" >/dev/null; then
    if [ -x "$HOME/.pyenv/versions/3.11.7/bin/python3.11" ]; then PYTHON="$HOME/.pyenv/versions/3.11.7/bin/python3.11";
    else PYTHON=python3; fi
fi
want="$(cat pyproject.toml requirements/lock.txt package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    [ -x "$VENV/bin/python" ] || { say "creating $VENV with $PYTHON"; "$PYTHON" -m venv "$VENV"; }
    say "installing pinned Python packages (first time takes a few minutes)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c requirements/lock.txt -e ".[dev]"
    # --- npm asl-validator, pinned in package-lock.json, local to the repo ---
    say "installing the ASL validator (npm ci)"
    npm ci --silent --no-audit --no-fund >/dev/null
    echo "$want" > "$STAMP"
else
    say "Python and npm dependencies up to date"
fi

# --- The Lambda runtime's Python (python3.13) --------------------------------
# `sam build` needs it on PATH; the local runtime runs the handlers in .venv-lambda, a
# python3.13 virtualenv with the shared layer's pinned requirements (as deployed).
PY313=""
# (pyenv's shim answers `command -v` even when 3.13 is not the selected version: run it)
if python3.13 -c "import sys" >/dev/null 2>&1; then PY313="$(python3.13 -c 'import sys; print(sys.executable)')"; fi
if [ -z "$PY313" ]; then
    for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
        if [ -x "$candidate" ]; then
            mkdir -p "$VENV/runtime-bin" && ln -sf "$candidate" "$VENV/runtime-bin/python3.13"
            PY313="$candidate"
            break
        fi
    done
fi
LAMBDA_VENV=.venv-lambda
lambda_want="$(cat requirements/lock.txt layers/shared/requirements.txt | sha256sum | cut -c1-16)"
if [ -n "$PY313" ] && { [ ! -f "$LAMBDA_VENV/.setup-stamp" ] || [ "$(cat "$LAMBDA_VENV/.setup-stamp")" != "$lambda_want" ]; }; then
    say "building $LAMBDA_VENV (python3.13, the Lambda runtime) with the layer's requirements"
    [ -x "$LAMBDA_VENV/bin/python" ] || "$PY313" -m venv "$LAMBDA_VENV"
    "$LAMBDA_VENV/bin/python" -m pip install -q --disable-pip-version-check \
        -c requirements/lock.txt -r layers/shared/requirements.txt
    echo "$lambda_want" > "$LAMBDA_VENV/.setup-stamp"
elif [ -z "$PY313" ]; then
    say "python3.13 not found: local Lambdas run on the project's Python (the CLI says so)"
fi
say "ready"
