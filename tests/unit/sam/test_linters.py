"""The linters on template.yaml and the state machine: sam validate --lint, cfn-lint, asl-validator."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, Resolver

pytestmark = pytest.mark.integration

DEFINITION = ROOT / "statemachine" / "pipeline.asl.json"


def _run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed tool paths
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | env,
        check=False,
    )


def test_sam_validate_lint() -> None:
    done = _run([str(ROOT / ".venv/bin/sam"), "validate", "--lint"], SAM_CLI_TELEMETRY="0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid SAM Template" in done.stdout + done.stderr


def test_cfn_lint_reports_nothing() -> None:
    done = _run([str(ROOT / ".venv/bin/cfn-lint"), "template.yaml"])
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_asl_validator_accepts_the_substituted_definition(
    resolver: Resolver, tmp_path: Path
) -> None:
    text = DEFINITION.read_text()
    for name, value in resolver.substitutions().items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    path = tmp_path / "pipeline.asl.json"
    path.write_text(text)
    done = _run([str(ROOT / "node_modules/.bin/asl-validator"), "--json-path", str(path)])
    assert done.returncode == 0, done.stdout + done.stderr
