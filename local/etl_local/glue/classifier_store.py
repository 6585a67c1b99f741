"""Custom classifiers (CreateClassifier & co.): the API plane's moto has none, so they live here.

GetClassifier shapes: ``{"CsvClassifier": {"Name", "CreationTime", "LastUpdated", "Version",
...settings}}`` (likewise Grok/XML/Json). A crawler's ``Classifiers`` names are resolved here.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from etl_local.awserrors import AwsError
from etl_local.glue import errors

KINDS = ("GrokClassifier", "XMLClassifier", "JsonClassifier", "CsvClassifier")


def _kind(params: dict[str, Any]) -> str:
    given = [kind for kind in KINDS if kind in params]
    if len(given) != 1:
        raise errors.invalid_input("Exactly one classifier type must be specified")
    return given[0]


class ClassifierStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._classifiers: dict[str, dict[str, Any]] = {}

    def create(self, params: dict[str, Any]) -> None:
        kind = _kind(params)
        spec = dict(params[kind])
        name = spec["Name"]
        now = time.time()
        with self._lock:
            if name in self._classifiers:
                raise AwsError(
                    "AlreadyExistsException", f"Classifier with name {name} already exists"
                )
            self._classifiers[name] = {
                kind: {**spec, "CreationTime": now, "LastUpdated": now, "Version": 1}
            }

    def update(self, params: dict[str, Any]) -> None:
        kind = _kind(params)
        spec = dict(params[kind])
        name = spec["Name"]
        with self._lock:
            current = self._get(name)
            if kind not in current:
                raise errors.invalid_input(f"Classifier {name} is not a {kind}")
            old = current[kind]
            self._classifiers[name] = {
                kind: {**old, **spec, "LastUpdated": time.time(), "Version": old["Version"] + 1}
            }

    def get(self, name: str) -> dict[str, Any]:
        with self._lock:
            return self._get(name)

    def find(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            return self._classifiers.get(name)

    def delete(self, name: str) -> None:
        with self._lock:
            self._get(name)
            del self._classifiers[name]

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._classifiers[name] for name in sorted(self._classifiers)]

    def _get(self, name: str) -> dict[str, Any]:
        if name not in self._classifiers:
            raise errors.not_found(f"Classifier with name {name} not found")
        return self._classifiers[name]
