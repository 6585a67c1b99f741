"""Publish the config bundle, and keep template.yaml's DataBrew recipes equal to glue/recipes.

The bundle is what the Lambdas read (``CONFIG_BUCKET``/``CONFIG_PREFIX``): ``datasets/*.yaml``
(+ ``datasets/schema.json``), ``sql/**/*.sql`` and ``glue/recipes/*.json``, uploaded with their
repo-relative paths under ``s3://<bucket>/<prefix>``. The bundle is validated before anything
is uploaded, so a broken dataset file never reaches the Lambdas.

    python tools/publish_config.py publish --bucket BUCKET [--prefix config/]
    python tools/publish_config.py sync-recipes [--check]

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


def sync_recipes(template: Path, root: Path = ROOT) -> tuple[str, str]:
    """(current text, text with every recipe block regenerated from glue/recipes)."""
    text = template.read_text()

    def replace(match: re.Match[str]) -> str:
        return render_recipe_block(match["indent"], match["name"], root)

    return text, RECIPE_BLOCK.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="validate and upload the config bundle")
    pub.add_argument("--bucket", required=True)
    pub.add_argument("--prefix", default="config/")
    sync = sub.add_parser("sync-recipes", help="regenerate template.yaml's recipe steps")
    sync.add_argument("--check", action="store_true", help="fail when the template is stale")
    args = parser.parse_args(argv)
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
