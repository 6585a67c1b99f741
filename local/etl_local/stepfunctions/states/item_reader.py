"""ItemReader (distributed Map): items from S3 - a CSV/JSON/JSONL object or a listing.

Failures to read raise ``States.ItemReaderFailed``. MaxItems limits the items read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from etl_local.stepfunctions.errors import ITEM_READER_FAILED, StatesError
from etl_local.stepfunctions.payload import (
    Evaluator,
    Frame,
    compile_jsonata_template,
    compile_jsonpath_template,
)
from etl_local.stepfunctions.scope import Scope

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"


def _csv_items(text: str, config: dict[str, Any]) -> list[Any]:
    rows = list(csv.reader(io.StringIO(text)))
    if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
        headers = list(config.get("CSVHeaders", []))
    else:
        headers, rows = (rows[0], rows[1:]) if rows else ([], [])
    return [dict(zip(headers, row, strict=False)) for row in rows]


def _json_items(text: str, config: dict[str, Any]) -> list[Any]:
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValueError("the JSON object must contain an array")
    return value


def _jsonl_items(text: str, config: dict[str, Any]) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


PARSERS: dict[str, Callable[[str, dict[str, Any]], list[Any]]] = {
    "CSV": _csv_items,
    "JSON": _json_items,
    "JSONL": _jsonl_items,
}


class ItemReader:
    def __init__(self, spec: dict[str, Any], language: str) -> None:
        self.resource: str = spec["Resource"]
        self.config: dict[str, Any] = spec.get("ReaderConfig", {})
        field = "Arguments" if language == "JSONata" else "Parameters"
        compile_template = (
            compile_jsonata_template if language == "JSONata" else compile_jsonpath_template
        )
        self.parameters: Evaluator = compile_template(spec.get(field, {}))

    def read(self, scope: Scope, effective: Any, frame: Frame) -> list[Any]:
        params = self.parameters(effective, frame)
        s3 = scope.run.integrations.clients("s3")
        try:
            items = (
                self._list(s3, params)
                if self.resource == LIST_OBJECTS
                else self._object(s3, params)
            )
        except (ClientError, BotoCoreError, ValueError, KeyError) as exc:
            raise StatesError(ITEM_READER_FAILED, f"Attempt to read items failed: {exc}") from None
        limit = self.config.get("MaxItems")
        return items[: int(limit)] if limit else items

    def _object(self, s3: Any, params: dict[str, Any]) -> list[Any]:
        body = s3.get_object(Bucket=params["Bucket"], Key=params["Key"])["Body"].read().decode()
        input_type = self.config.get("InputType", "JSON")
        if input_type not in PARSERS:
            raise ValueError(f"unsupported InputType {input_type}")
        return PARSERS[input_type](body, self.config)

    def _list(self, s3: Any, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        kwargs = {"Bucket": params["Bucket"], "Prefix": params.get("Prefix", "")}
        for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
            for obj in page.get("Contents", []):
                items.append(
                    {
                        "Etag": obj["ETag"],
                        "Key": obj["Key"],
                        "LastModified": obj["LastModified"].strftime("%a %b %d %H:%M:%S UTC %Y"),
                        "Size": obj["Size"],
                        "StorageClass": obj.get("StorageClass", "STANDARD"),
                    }
                )
        return items
