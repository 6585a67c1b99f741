"""Every dependency is pinned exactly, and the Lambda requirement files agree with the root."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^;\s]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[_name(match.group(1))] = match.group(3)
    return pins


def _root_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    return _pins(deps)


def _lock_pins() -> dict[str, str]:
    return _pins((ROOT / "requirements" / "lock.txt").read_text().splitlines())


def test_root_dependencies_are_exact_pins_and_agree_with_the_lock() -> None:
    root, lock = _root_pins(), _lock_pins()
    assert root, "pyproject lists no dependencies"
    for name, version in root.items():
        assert lock.get(name) == version, f"{name}: pyproject {version}, lock {lock.get(name)}"


def _lambda_requirement_files() -> list[Path]:
    return sorted(ROOT.glob("functions/*/requirements.txt")) + [
        ROOT / "layers" / "shared" / "requirements.txt"
    ]


@pytest.mark.parametrize(
    "path", _lambda_requirement_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_lambda_requirements_agree_with_root_pins(path: Path) -> None:
    lock = _lock_pins()
    pins = _pins(path.read_text().splitlines())
    for name, version in pins.items():
        assert name in lock, f"{path}: {name} is not a root dependency"
        assert lock[name] == version, f"{path}: {name}=={version}, root pins {lock[name]}"
