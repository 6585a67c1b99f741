"""``etl-local crawl DIR``: what a crawler would put in the catalog for a folder.

The folder stands for the crawler's S3 include path (``--location`` says which one; the
default is the folder's own ``file://`` URI). JSON output is Glue's own shapes:
``{"TableList": [GetTables' Table...], "Partitions": [GetPartitions' Partition...]}``.
External classifier suites drive this: keep the contract stable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from etl_local.glue.classifiers import custom_classifiers
from etl_local.glue.crawler import Target, plan_target
from etl_local.glue.specs import TableSpec


def tables_and_partitions(specs: list[TableSpec], database: str) -> dict[str, list[dict[str, Any]]]:
    tables = [{**spec.table_input(), "DatabaseName": database, "CatalogId": None} for spec in specs]
    for table in tables:
        table.pop("CatalogId")
    partitions = [
        {
            "Values": partition.values,
            "DatabaseName": database,
            "TableName": spec.name,
            "StorageDescriptor": partition.storage,
            "Parameters": partition.parameters,
        }
        for spec in specs
        for partition in spec.partitions
    ]
    return {"TableList": tables, "Partitions": partitions}


def _load(text: str) -> dict[str, Any]:
    raw = Path(text[1:]).read_text() if text.startswith("@") else text
    try:
        return dict(json.loads(raw))
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise click.BadParameter(f"not a classifier JSON object: {exc}") from exc


def _text(result: dict[str, list[dict[str, Any]]]) -> str:
    lines: list[str] = []
    for table in result["TableList"]:
        params = table["Parameters"]
        lines.append(
            f"{table['DatabaseName']}.{table['Name']}  {params.get('classification')}  "
            f"{table['StorageDescriptor']['Location']}  records~{params.get('recordCount')}"
        )
        for column in table["StorageDescriptor"]["Columns"]:
            lines.append(f"    {column['Name']:<32} {column['Type']}")
        for key in table["PartitionKeys"]:
            lines.append(f"    {key['Name']:<32} {key['Type']}  (partition key)")
        parts = [p for p in result["Partitions"] if p["TableName"] == table["Name"]]
        if parts:
            lines.append(
                f"    {len(parts)} partition(s): "
                + ", ".join("/".join(p["Values"]) for p in parts[:10])
            )
    return "\n".join(lines) if lines else "no tables"


@click.command("crawl")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
@click.option("--location", help="The s3:// include path DIR stands for (default: DIR's file URI).")
@click.option("--database", default="default", show_default=True)
@click.option("--table-prefix", default="")
@click.option("--exclude", "exclusions", multiple=True, help="Glue exclude glob (repeatable).")
@click.option("--sample-size", type=click.IntRange(1, 249), help="Files classified per folder.")
@click.option(
    "--combine-compatible-schemas/--no-combine-compatible-schemas",
    default=False,
    help="TableGroupingPolicy CombineCompatibleSchemas.",
)
@click.option("--inherit-from-table/--no-inherit-from-table", default=False)
@click.option(
    "--classifier",
    "classifiers",
    multiple=True,
    help="Custom classifier, CreateClassifier-shaped JSON or @file "
    '(e.g. \'{"CsvClassifier": {"Name": "c", "ContainsHeader": "PRESENT"}}\'); repeatable.',
)
def crawl(
    directory: Path,
    output: str,
    location: str | None,
    database: str,
    table_prefix: str,
    exclusions: tuple[str, ...],
    sample_size: int | None,
    combine_compatible_schemas: bool,
    inherit_from_table: bool,
    classifiers: tuple[str, ...],
) -> None:
    """Crawl DIR as a Glue crawler would crawl its S3 target; print the tables it defines."""
    from etl_local.glue.storage import LocalStore

    uri = location.rstrip("/") + "/" if location else None
    name = uri.rstrip("/").rpartition("/")[2] if uri else directory.resolve().name
    target = Target(LocalStore(directory, uri), "", name, exclusions, sample_size)
    specs = plan_target(
        target,
        combine=combine_compatible_schemas,
        inherit=inherit_from_table,
        table_prefix=table_prefix,
        custom=custom_classifiers([_load(text) for text in classifiers]),
    )
    result = tables_and_partitions(specs, database)
    click.echo(json.dumps(result, indent=2) if output == "json" else _text(result))
