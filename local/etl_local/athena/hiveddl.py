"""Hive DDL (CREATE EXTERNAL TABLE ...) -> the Glue TableInput Athena registers."""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.formats import LAZY_SIMPLE_SERDE, STORED_AS, TEXT_INPUT, TEXT_OUTPUT

# ROW FORMAT DELIMITED clause (sqlglot arg) -> LazySimpleSerDe parameter.
DELIMITED_PARAMS: dict[str, str] = {
    "fields": "field.delim",
    "escaped": "escape.delim",
    "collection_items": "colelction.delim",  # sic: Hive's own spelling
    "map_keys": "mapkey.delim",
    "lines": "line.delim",
    "null": "serialization.null.format",
}


def _text(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    return node.name if isinstance(node, (exp.Literal, exp.Var, exp.Identifier)) else node.sql()


def column_defs(schema: exp.Expression | None) -> list[dict[str, str]]:
    columns = []
    for item in schema.expressions if schema is not None else []:
        if not isinstance(item, exp.ColumnDef):
            continue
        kind = item.args.get("kind")
        entry = {"Name": item.name.lower(), "Type": _hive_type(kind)}
        comment = item.find(exp.CommentColumnConstraint)
        if comment is not None:
            entry["Comment"] = _text(comment.this)
        columns.append(entry)
    return columns


def _hive_type(kind: exp.Expression | None) -> str:
    if kind is None:
        return "string"
    return re.sub(r"(,|:)\s+", r"\1", kind.sql("hive").lower())


def _properties(tree: exp.Create) -> list[exp.Expression]:
    props = tree.args.get("properties")
    return list(props.expressions) if props is not None else []


def table_input(tree: exp.Create, name: str) -> dict[str, Any]:
    serde, input_format, output_format = STORED_AS["TEXTFILE"]
    serde_params: dict[str, str] = {}
    parameters: dict[str, str] = {"EXTERNAL": "TRUE"}
    location = ""
    partition_keys: list[dict[str, str]] = []
    explicit_serde = False
    for prop in _properties(tree):
        if isinstance(prop, exp.RowFormatSerdeProperty):
            serde, explicit_serde = _text(prop.this), True
            props = prop.args.get("serde_properties")
            for item in props.expressions if props is not None else []:
                serde_params[_text(item.this)] = _text(item.args.get("value"))
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            serde, explicit_serde = LAZY_SIMPLE_SERDE, True
            for arg, key in DELIMITED_PARAMS.items():
                if prop.args.get(arg) is not None:
                    serde_params[key] = _text(prop.args[arg])
            if "field.delim" in serde_params:
                serde_params["serialization.format"] = serde_params["field.delim"]
        elif isinstance(prop, exp.FileFormatProperty):
            fmt = prop.this
            if isinstance(fmt, exp.InputOutputFormat):
                input_format = _text(fmt.args.get("input_format"))
                output_format = _text(fmt.args.get("output_format"))
            else:
                stored = _text(fmt).upper()
                if stored not in STORED_AS:
                    raise AthenaQueryError(
                        "SYNTAX_ERROR", f"Unsupported STORED AS format: {stored}"
                    )
                stored_serde, input_format, output_format = STORED_AS[stored]
                if not explicit_serde:
                    serde = stored_serde
        elif isinstance(prop, exp.LocationProperty):
            location = _text(prop.this)
        elif isinstance(prop, exp.PartitionedByProperty):
            partition_keys = column_defs(prop.this)
        elif type(prop) is exp.Property:  # TBLPROPERTIES (subclasses are handled above)
            parameters[_text(prop.this)] = _text(prop.args.get("value"))
    if serde == LAZY_SIMPLE_SERDE and not serde_params:
        serde_params = {"serialization.format": "1"}
    if input_format == TEXT_INPUT and output_format == "":
        output_format = TEXT_OUTPUT
    schema = tree.this
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": partition_keys,
        "StorageDescriptor": {
            "Columns": column_defs(schema if isinstance(schema, exp.Schema) else None),
            "Location": location,
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
            "BucketColumns": [],
            "SortColumns": [],
            "StoredAsSubDirectories": False,
        },
    }
