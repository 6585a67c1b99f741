"""CreateClassifier / GetClassifier(s) / UpdateClassifier / DeleteClassifier on the local plane."""

from __future__ import annotations

import pytest

from tests.integration.glue.conftest import GlueWorld

pytestmark = pytest.mark.integration


def test_classifier_lifecycle(world: GlueWorld) -> None:
    world.call(
        "CreateClassifier",
        CsvClassifier={"Name": "csv1", "Delimiter": ",", "ContainsHeader": "PRESENT"},
    )
    found = world.call("GetClassifier", Name="csv1")["Classifier"]["CsvClassifier"]
    assert (found["Delimiter"], found["ContainsHeader"], found["Version"]) == (",", "PRESENT", 1)
    error = world.error("CreateClassifier", CsvClassifier={"Name": "csv1"})
    assert (error.code, error.message) == (
        "AlreadyExistsException",
        "Classifier with name csv1 already exists",
    )
    world.call("UpdateClassifier", CsvClassifier={"Name": "csv1", "Delimiter": "|"})
    updated = world.call("GetClassifier", Name="csv1")["Classifier"]["CsvClassifier"]
    assert (updated["Delimiter"], updated["ContainsHeader"], updated["Version"]) == (
        "|",
        "PRESENT",
        2,
    )
    assert [c["CsvClassifier"]["Name"] for c in world.call("GetClassifiers")["Classifiers"]] == [
        "csv1"
    ]
    world.call("DeleteClassifier", Name="csv1")
    error = world.error("GetClassifier", Name="csv1")
    assert (error.code, error.message) == (
        "EntityNotFoundException",
        "Classifier with name csv1 not found",
    )


def test_exactly_one_kind(world: GlueWorld) -> None:
    assert world.error("CreateClassifier").code == "InvalidInputException"
