"""The engine's rooms keep their boundaries: the engine imports nothing from the rest of the app,
and no rule module imports the overrides stage that overrides it (overrides reach the rules as
arguments, applied in one stage in engine.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "app" / "scheduling"
RULE_MODULES = ("rotation", "directions", "interactions", "guards", "ordering")


def imported(module: str) -> set[str]:
    tree = ast.parse((ENGINE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", RULE_MODULES)
def test_no_rule_module_imports_the_overrides_stage(module: str) -> None:
    assert "app.scheduling.overrides" not in imported(module)


@pytest.mark.parametrize("module", sorted(p.stem for p in ENGINE.glob("*.py")))
def test_the_engine_imports_nothing_from_the_rest_of_the_app(module: str) -> None:
    outside = {
        name
        for name in imported(module)
        if name.startswith("app.") and not name.startswith("app.scheduling")
    }
    assert outside == set()
