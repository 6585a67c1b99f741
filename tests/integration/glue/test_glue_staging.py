"""S3 staging of job arguments: the one place local paths and s3:// URIs meet."""

from __future__ import annotations

from pathlib import Path

import pytest
from etl_local.glue.staging import plan_staging, stage_in, stage_out

from tests.integration.glue.conftest import GlueWorld

pytestmark = pytest.mark.integration


def test_inputs_download_and_arguments_rewrite(world: GlueWorld, tmp_path: Path) -> None:
    world.put("in/t/year=2013/a.parquet", b"1")
    world.put("in/t/b.parquet", b"2")
    world.put("in/one.csv", b"3")
    arguments = {
        "--input_t": f"s3://{world.bucket}/in/t/",
        "--input_file": f"s3://{world.bucket}/in/one.csv",
        "--input_empty": f"s3://{world.bucket}/in/none/",
        "--other": f"s3://{world.bucket}/in/t/",
    }
    plan = plan_staging(arguments, tmp_path)
    stage_in(world.s3, plan)
    local = plan.rewrite(arguments)
    assert (Path(local["--input_t"]) / "year=2013" / "a.parquet").read_bytes() == b"1"
    assert (Path(local["--input_file"]) / "one.csv").read_bytes() == b"3"
    assert not Path(local["--input_empty"]).exists()  # an empty prefix is no folder
    assert local["--other"] == arguments["--other"]  # only --input_*/--output_* are staged


def test_outputs_sync_back(world: GlueWorld, tmp_path: Path) -> None:
    world.put("out/t/old.parquet", b"old")
    world.put("out/t/keep.parquet", b"keep")
    uri = f"s3://{world.bucket}/out/t/"
    plan = plan_staging({"--output_t": uri}, tmp_path)
    stage_in(world.s3, plan)
    folder = plan.outputs[0].local
    (folder / "old.parquet").unlink()  # the job overwrote the folder
    (folder / "year=1").mkdir()
    (folder / "year=1" / "part-0.parquet").write_bytes(b"new")
    (folder / "year=1" / ".part-0.parquet.crc").write_bytes(b"crc")
    stage_out(world.s3, plan)
    assert world.keys("out/t/") == ["keep.parquet", "year=1/part-0.parquet"]
    assert plan.to_remote(f"Path file:{folder}/x does not exist") == f"Path {uri}x does not exist"
