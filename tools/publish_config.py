"""Publish the config bundle, and keep template.yaml's DataBrew recipes equal to glue/recipes.

The bundle is what the Lambdas read (``CONFIG_BUCKET``/``CONFIG_PREFIX``): ``datasets/*.yaml``
(+ ``datasets/schema.json``), ``sql/**/*.sql`` and ``glue/recipes/*.json``, uploaded with their
repo-relative paths under ``s3://<bucket>/<prefix>``. The bundle is validated before anything
is uploaded, so a broken dataset file never reaches the Lambdas.

    python tools/publish_config.py --stage dev          # deployed stack: bundle + recipes
    python tools/publish_config.py publish --bucket BUCKET [--prefix config/]
    python tools/publish_config.py sync-recipes [--check]

With ``--stage`` the artifacts bucket comes from the stage's stack outputs (stack name from
samconfig.toml), and the stack's DataBrew recipes are published (recipe jobs run the latest
published version; a version is only published when the working steps changed).
The local runtime calls :func:`publish` when it provisions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))

from etl_shared.config import ConfigStore, DirectorySource  # noqa: E402

BUNDLE_GLOBS = ("datasets/*.yaml", "datasets/schema.json", "sql/**/*.sql", "glue/recipes/*.json")
CONTENT_TYPES = {".yaml": "application/yaml", ".json": "application/json", ".sql": "text/plain"}
RECIPE_BLOCK = re.compile(
    r"(?P<indent>[ ]*)# BEGIN recipe (?P<name>[a-z0-9_]+)\n.*?(?P=indent)# END recipe (?P=name)\n",
    re.DOTALL,
)


def bundle_files(root: Path = ROOT) -> list[str]:
    """Repo-relative paths of every file in the bundle, sorted."""
    found = {p for pattern in BUNDLE_GLOBS for p in root.glob(pattern) if p.is_file()}
    return sorted(str(p.relative_to(root)).replace("\\", "/") for p in found)


def validate(root: Path = ROOT) -> ConfigStore:
    """Load every dataset; check that every file a dataset names is in the bundle."""
    store = ConfigStore(DirectorySource(root))
    files = set(bundle_files(root))
    missing = []
    for config in store.datasets.values():
        named = list(config.athena_steps)
        if config.databrew is not None:
            named.append(f"glue/recipes/{config.databrew.recipe}.json")
        if config.glue_job is not None and not (root / config.glue_job.script).is_file():
            missing.append(f"{config.name}: {config.glue_job.script}")
        missing += [f"{config.name}: {path}" for path in named if path not in files]
    if missing:
        raise SystemExit("files named by datasets are missing: " + ", ".join(missing))
    return store


def publish(s3: Any, bucket: str, prefix: str = "config/", root: Path = ROOT) -> list[str]:
    """Validate, then upload the bundle; returns the uploaded keys."""
    validate(root)
    base = prefix.strip("/")
    keys = []
    for path in bundle_files(root):
        key = f"{base}/{path}" if base else path
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=(root / path).read_bytes(),
            ContentType=CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream"),
        )
        keys.append(key)
    return keys


def recipe_steps(name: str, root: Path = ROOT) -> list[dict[str, Any]]:
    steps = json.loads((root / "glue" / "recipes" / f"{name}.json").read_text())
    assert isinstance(steps, list)
    return steps


def render_recipe_block(indent: str, name: str, root: Path = ROOT) -> str:
    """The template's Steps for one recipe: the recipe JSON as YAML flow style (JSON is YAML)."""
    lines = [f"{indent}# BEGIN recipe {name}", f"{indent}Steps:"]
    lines += [
        f"{indent}  - {json.dumps(step, sort_keys=True)}" for step in recipe_steps(name, root)
    ]
    lines.append(f"{indent}# END recipe {name}")
    return "\n".join(lines) + "\n"


def _recipe_resource(name: str, root: Path) -> str:
    logical_id = "".join(part.title() for part in name.split("_")) + "Recipe"
    return (
        f"\n  {logical_id}:\n    Type: AWS::DataBrew::Recipe\n    Properties:\n"
        f'      Name: !Sub "${{AWS::StackName}}-${{Stage}}-{name}"\n'
        f"      Description: glue/recipes/{name}.json\n"
    ) + render_recipe_block("      ", name, root)


def sync_recipes(template: Path, root: Path = ROOT) -> tuple[str, str]:
    """(current text, text with every recipe block regenerated from glue/recipes).

    A recipe file without a template resource gets one, after the last recipe resource.
    """
    text = template.read_text()

    def replace(match: re.Match[str]) -> str:
        return render_recipe_block(match["indent"], match["name"], root)

    fresh = RECIPE_BLOCK.sub(replace, text)
    present = {m["name"] for m in RECIPE_BLOCK.finditer(fresh)}
    recipes = sorted(p.stem for p in (root / "glue" / "recipes").glob("*.json"))
    missing = [name for name in recipes if name not in present]
    if missing:
        blocks = list(RECIPE_BLOCK.finditer(fresh))
        if not blocks:
            raise SystemExit("template.yaml has no '# BEGIN recipe' block to add recipes after")
        end = blocks[-1].end()
        added = "".join(_recipe_resource(name, root) for name in missing)
        fresh = fresh[:end] + added + fresh[end:]
    return text, fresh


def stack_name(stage: str, root: Path = ROOT) -> str:
    """The stage's stack name from samconfig.toml (``[<stage>.deploy]``, else ``[default.*]``)."""
    import tomllib

    config = tomllib.loads((root / "samconfig.toml").read_text())
    name = ""
    for env in ("default", stage):
        for command in ("global", "deploy"):
            name = (
                config.get(env, {}).get(command, {}).get("parameters", {}).get("stack_name", name)
            )
    if not name:
        raise SystemExit(f"no stack_name for stage {stage!r} in samconfig.toml")
    return name


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish_recipes(cloudformation: Any, databrew: Any, stack: str) -> list[str]:
    """Publish each stack recipe whose working steps differ from its latest published version."""
    published = []
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] != "AWS::DataBrew::Recipe":
                continue
            name = resource["PhysicalResourceId"]
            working = databrew.describe_recipe(Name=name, RecipeVersion="LATEST_WORKING")["Steps"]
            try:
                latest = databrew.describe_recipe(Name=name, RecipeVersion="LATEST_PUBLISHED")[
                    "Steps"
                ]
            except databrew.exceptions.ResourceNotFoundException:
                latest = None
            if latest != working:
                databrew.publish_recipe(
                    Name=name, Description="published by tools/publish_config.py"
                )
                published.append(name)
    return published


def _publish_stage(stage: str, prefix: str) -> int:
    import boto3

    stack = stack_name(stage)
    cloudformation = boto3.client("cloudformation")
    bucket = stack_outputs(cloudformation, stack)["ArtifactsBucketName"]
    keys = publish(boto3.client("s3"), bucket, prefix)
    print(f"published {len(keys)} files to s3://{bucket}/{prefix}")
    recipes = publish_recipes(cloudformation, boto3.client("databrew"), stack)
    print(f"published recipes: {', '.join(recipes) or 'none changed'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", help="publish to the deployed stack of this samconfig stage")
    parser.add_argument("--prefix", default="config/")
    sub = parser.add_subparsers(dest="command")
    pub = sub.add_parser("publish", help="validate and upload the config bundle to a bucket")
    pub.add_argument("--bucket", required=True)
    pub.add_argument("--prefix", default="config/")
    sync = sub.add_parser("sync-recipes", help="regenerate template.yaml's recipe steps")
    sync.add_argument("--check", action="store_true", help="fail when the template is stale")
    args = parser.parse_args(argv)
    if args.command is None:
        if not args.stage:
            parser.error("give --stage STAGE or a command")
        return _publish_stage(args.stage, args.prefix)
    if args.command == "publish":
        import boto3

        keys = publish(boto3.client("s3"), args.bucket, args.prefix)
        print(f"published {len(keys)} files to s3://{args.bucket}/{args.prefix}")
        return 0
    template = ROOT / "template.yaml"
    current, fresh = sync_recipes(template)
    if args.check:
        print("template recipes are up to date" if current == fresh else "template.yaml is stale")
        return 0 if current == fresh else 1
    template.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
