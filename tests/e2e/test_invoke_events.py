"""``etl-local invoke`` (sam local invoke without Docker) with every sample event in events/.

Each event goes to the function it was written for; every invocation returns a JSON document
(the handler's result, or Lambda's error shape for an error the handler raises on purpose),
never a crash of the runtime (import errors, timeouts) or of the handler on the event's
shape. Trigger events the pipeline must not run for are ignored with their reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, CliResult, etl_local

pytestmark = pytest.mark.e2e

EVENTS = REPO / "events"

# event file prefix -> the template's function it is for
FUNCTIONS = {
    "crawler_check_": "CrawlerCheckFunction",
    "eventbridge_": "TriggerFunction",
    "s3_put": "TriggerFunction",
    "prepare": "PrepareFunction",
    "failure_": "FailureHandlerFunction",
    "sfn_execution_": "FailureHandlerFunction",
}

# errors a handler raising on the event's *shape* would give: never acceptable
CRASHES = {
    "Runtime.ImportModuleError",
    "Runtime.HandlerNotFound",
    "Runtime.MarshalError",
    "Sandbox.Timedout",
    "KeyError",
    "TypeError",
    "AttributeError",
    "IndexError",
}


def _function(event_file: Path) -> str:
    return next(f for prefix, f in FUNCTIONS.items() if event_file.name.startswith(prefix))


def _by_function() -> dict[str, list[Path]]:
    grouped: dict[str, list[Path]] = {}
    for event_file in sorted(EVENTS.glob("*.json")):
        grouped.setdefault(_function(event_file), []).append(event_file)
    return grouped


@pytest.fixture(scope="module")
def invocations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[CliResult, list[Any]]]:
    """One warm runtime per function, every event of that function invoked in order."""
    workspace = tmp_path_factory.mktemp("invoke") / ".etl-local"
    results: dict[str, tuple[CliResult, list[Any]]] = {}
    for function, files in _by_function().items():
        args = [arg for f in files for arg in ("-e", str(f))]
        result = etl_local(workspace, "invoke", function, *args, timeout=600)
        documents = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        for event_file, document in zip(files, documents, strict=False):
            results[event_file.name] = (result, [document])
    return results


def test_every_event_file_maps_to_a_function() -> None:
    assert sum(len(files) for files in _by_function().values()) == len(list(EVENTS.glob("*.json")))


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("*.json")))
def test_invoke_returns_a_json_document(
    invocations: dict[str, tuple[CliResult, list[Any]]], event_file: str
) -> None:
    assert event_file in invocations, "no result printed for this event"
    result, (document,) = invocations[event_file]
    if isinstance(document, dict) and "errorType" in document:
        assert document["errorType"] not in CRASHES, f"{document}\n{result}"
        assert document["errorMessage"]


@pytest.mark.parametrize(
    "event_file",
    [
        "eventbridge_object_created_outside_prefix.json",
        "eventbridge_object_created_zero_byte.json",
        "s3_put_outside_prefix.json",
        "s3_put_zero_byte.json",
        "s3_put_folder.json",
    ],
)
def test_trigger_ignores_what_is_not_a_run(
    invocations: dict[str, tuple[CliResult, list[Any]]], event_file: str
) -> None:
    _, (document,) = invocations[event_file]
    decisions = document["decisions"]
    assert decisions and all(d["action"] == "ignored" and d["reason"] for d in decisions)
