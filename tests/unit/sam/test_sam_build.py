"""`sam build` succeeds: every function and the shared layer (python3.13 / arm64 wheels)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.integration

PYTHON313 = Path.home() / ".pyenv" / "versions" / "3.13.0" / "bin"


def test_sam_build(tmp_path: Path) -> None:
    build = tmp_path / "build"
    env = os.environ | {
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{PYTHON313}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(  # noqa: S603 - fixed tool path
        [
            str(ROOT / ".venv/bin/sam"),
            "build",
            "--build-dir",
            str(build),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--parallel",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    layer = build / "SharedLayer" / "python"
    assert (layer / "etl_shared" / "prepare.py").is_file()
    assert (layer / "aws_lambda_powertools").is_dir() and (layer / "jsonschema").is_dir()
    assert list((layer / "yaml").glob("*aarch64*.so")), "PyYAML must be the Lambda (arm64) wheel"
    for folder in (
        "TriggerFunction",
        "PrepareFunction",
        "CrawlerCheckFunction",
        "CommitFunction",
        "QualityGateFunction",
        "FailureHandlerFunction",
    ):
        assert (build / folder / "app.py").is_file(), folder
        assert not (build / folder / "etl_shared").exists(), "shared code lives in the layer only"
    built = (build / "template.yaml").read_text()
    assert "glue/jobs/flights_enrich.py" in built
