"""tools/publish_config.py: the config bundle the Lambdas read, and stage -> stack resolution."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from etl_shared.config import ConfigStore, S3Source
from publish_config import bundle_files, main, publish, stack_name, sync_recipes

from .conftest import ROOT, World

pytestmark = pytest.mark.unit


def test_bundle_holds_datasets_schema_sql_and_recipes() -> None:
    files = bundle_files(ROOT)
    assert "datasets/schema.json" in files and "datasets/flights.yaml" in files
    assert "sql/flights/20_stage_run.sql" in files and "glue/recipes/flights.json" in files
    assert not [f for f in files if f.startswith(("functions/", "glue/jobs/"))]


def test_published_bundle_is_what_the_lambdas_load(world: World) -> None:
    bucket = world.bucket("ArtifactsBucket")
    store = ConfigStore(S3Source(bucket, "config/", world.s3))
    assert {"flights", "weather", "airlines", "airports", "planes"} <= set(store.datasets)
    assert store.get("flights").athena_steps[0] == "sql/flights/00_create_staging_table.sql"
    assert (
        store.read_text("sql/flights/20_stage_run.sql")
        == (ROOT / "sql/flights/20_stage_run.sql").read_text()
    )
    content = world.s3.head_object(Bucket=bucket, Key="config/datasets/flights.yaml")["ContentType"]
    assert content == "application/yaml"


def test_a_broken_bundle_is_never_uploaded(world: World, tmp_path: Path) -> None:
    for folder in ("datasets", "sql", "glue"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "sql/flights/20_stage_run.sql").unlink()
    with pytest.raises(SystemExit, match="sql/flights/20_stage_run.sql"):
        publish(world.s3, world.lake, "config/", tmp_path)
    assert world.keys(world.lake, "config/") == []


@pytest.mark.parametrize(
    ("stage", "expected"),
    [("dev", "etl-pipeline"), ("prod", "etl-pipeline-prod"), ("local", "etl-local")],
)
def test_stage_stack_names_come_from_samconfig(stage: str, expected: str) -> None:
    assert stack_name(stage, ROOT) == expected


def test_sync_recipes_check_passes_on_the_committed_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sync-recipes", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_sync_recipes_adds_a_resource_for_a_new_recipe(tmp_path: Path) -> None:
    import yaml

    from .conftest import CfnLoader

    shutil.copytree(ROOT / "glue" / "recipes", tmp_path / "glue" / "recipes")
    steps = [{"Action": {"Operation": "UPPER_CASE", "Parameters": {"sourceColumn": "code"}}}]
    (tmp_path / "glue" / "recipes" / "new_codes.json").write_text(json.dumps(steps))
    template = tmp_path / "template.yaml"
    template.write_text((ROOT / "template.yaml").read_text())
    current, fresh = sync_recipes(template, tmp_path)
    assert current != fresh
    resources = yaml.load(fresh, Loader=CfnLoader)["Resources"]  # noqa: S506
    assert resources["NewCodesRecipe"]["Properties"]["Steps"] == steps
    assert resources["NewCodesRecipe"]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-${Stage}-new_codes"
    }
    template.write_text(fresh)
    assert sync_recipes(template, tmp_path)[1] == fresh  # idempotent
