"""The awsglue shim's ``getResolvedOptions`` has Glue's semantics (aws-glue-libs utils.py)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from etl_local.glue.driver import SHIM, error_message
from etl_local.glue.jobrunner import argv, glue_arguments, merge_arguments

pytestmark = pytest.mark.unit


def _utils() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "shim_awsglue_utils", SHIM / "awsglue" / "utils.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UTILS = _utils()
BASE = ["script.py", "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--day", "7", "--extra", "x"]


def test_resolves_requested_and_glue_options() -> None:
    args = UTILS.getResolvedOptions(BASE, ["JOB_NAME", "day"])
    assert (args["JOB_NAME"], args["JOB_RUN_ID"], args["day"]) == ("j", "jr_1", "7")
    assert args["job_bookmark_option"] == "job-bookmark-disable"
    assert "extra" not in args  # unknown arguments are ignored


def test_temp_dir_mirrors_redshift_temp_dir() -> None:
    args = UTILS.getResolvedOptions([*BASE, "--TempDir", "s3://t/"], ["TempDir"])
    assert args["RedshiftTempDir"] == args["TempDir"] == "s3://t/"


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (["missing"], "GlueArgumentError", "the following arguments are required: --missing"),
        (["JOB_RUN_ID"], "RuntimeError", "Using reserved arguments --JOB_RUN_ID"),
        (["job-bookmark-option"], "RuntimeError", "Using reserved arguments --job-bookmark-option"),
    ],
    ids=["missing-required", "reserved-run-id", "reserved-bookmark"],
)
def test_errors(options: list[str], error: str, message: str) -> None:
    with pytest.raises(Exception) as caught:
        UTILS.getResolvedOptions(BASE, options)
    assert type(caught.value).__name__ == error
    assert str(caught.value) == message


def test_run_arguments_override_defaults_and_glue_adds_its_own() -> None:
    merged = merge_arguments({"--a": "1", "--b": "1"}, {"--b": "2"})
    full = glue_arguments("job", "jr_9", merged)
    assert full["--a"] == "1" and full["--b"] == "2"
    assert full["--JOB_NAME"] == "job" and full["--JOB_RUN_ID"] == "jr_9"
    assert full["--JOB_ID"].startswith("j_")
    assert argv({"--x": "1"}) == ["--x", "1"]


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (ValueError("bad\nmore"), "ValueError: bad"),
        (KeyError("k"), "KeyError: 'k'"),
        (SystemExit(2), "SystemExit: 2"),
    ],
    ids=["first-line", "key-error", "exit-code"],
)
def test_error_message(exc: BaseException, message: str) -> None:
    assert error_message(exc) == message
