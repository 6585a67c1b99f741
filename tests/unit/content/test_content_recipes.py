"""The DataBrew recipes are in the recipe JSON format (CreateRecipe's Steps) with parameters
as the recipe actions reference names them, all strings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
RECIPES = sorted((REPO / "glue/recipes").glob("*.json"))

pytestmark = pytest.mark.unit

# Operation -> (required parameters, optional parameters), from the recipe actions reference.
REFERENCE: dict[str, tuple[set[str], set[str]]] = {
    "REMOVE_COMBINED": (
        {"sourceColumn"},
        {"removeLeadingAndTrailingWhitespace", "collapseConsecutiveWhitespace"},
    ),
    "UPPER_CASE": ({"sourceColumn"}, set()),
    "FLAG_COLUMN_FROM_NULL": (
        {"sourceColumn", "targetColumn", "flagType"},
        {"trueString", "falseString"},
    ),
    "FILL_WITH_CUSTOM": ({"sourceColumn", "columnDataType", "value"}, set()),
    "DELETE_DUPLICATE_ROWS": (set(), set()),
    "FLAG_OUTLIERS": (
        {"sourceColumn", "targetColumn", "outlierStrategy"},
        {"threshold", "trueString", "falseString"},
    ),
    "WEEK_DAY": ({"sourceColumn", "targetColumn"}, set()),
    "WEEK_NUMBER": ({"sourceColumn", "targetColumn"}, set()),
}


def steps(path: Path) -> list[dict]:  # type: ignore[type-arg]
    loaded = json.loads(path.read_text())
    assert isinstance(loaded, list) and loaded
    return loaded


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipe_steps_follow_the_reference(path: Path) -> None:
    for number, step in enumerate(steps(path), start=1):
        assert set(step) <= {"Action", "ConditionExpressions"}, number
        action = step["Action"]
        operation = action["Operation"]
        required, optional = REFERENCE[operation]
        params = action.get("Parameters", {})
        assert required <= set(params) <= required | optional, (number, operation)
        assert all(isinstance(v, str) for v in params.values()), (number, operation)


@pytest.mark.parametrize(
    ("recipe", "operation"),
    [
        ("flights.json", "REMOVE_COMBINED"),
        ("flights.json", "UPPER_CASE"),
        ("flights.json", "FILL_WITH_CUSTOM"),
        ("flights.json", "FLAG_COLUMN_FROM_NULL"),
        ("flights.json", "DELETE_DUPLICATE_ROWS"),
        ("flights.json", "FLAG_OUTLIERS"),
        ("flights.json", "WEEK_DAY"),
        ("weather.json", "DELETE_DUPLICATE_ROWS"),
        ("weather.json", "UPPER_CASE"),
    ],
    ids=lambda v: v,
)
def test_recipe_does_what_the_issue_asks(recipe: str, operation: str) -> None:
    operations = [s["Action"]["Operation"] for s in steps(REPO / "glue/recipes" / recipe)]
    assert operation in operations


def test_codes_are_trimmed_before_they_are_upper_cased_and_deduplicated() -> None:
    operations = [s["Action"]["Operation"] for s in steps(REPO / "glue/recipes/flights.json")]
    assert operations.index("REMOVE_COMBINED") < operations.index("UPPER_CASE")
    assert operations.index("UPPER_CASE") < operations.index("DELETE_DUPLICATE_ROWS")
    assert operations.index("DELETE_DUPLICATE_ROWS") < operations.index("FLAG_OUTLIERS")
