"""A warning's `code` is a closed set, WarningCode (an enum in the OpenAPI document): every
Warning the engine makes names a member, and every member is made somewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from app.scheduling import WarningCode

ENGINE = Path(__file__).resolve().parents[2] / "app" / "scheduling"


def _warning_codes() -> dict[str, str]:
    """The code of every `Warning(...)` in the engine (keyword or first argument) -> where."""
    found: dict[str, str] = {}
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Warning"):
                continue
            given = {k.arg: k.value for k in node.keywords}
            code = given.get("code", node.args[0] if node.args else None)
            assert isinstance(code, ast.Constant), f"{path.name}:{node.lineno}: a literal code"
            found[code.value] = f"{path.name}:{node.lineno}"
    return found


FOUND = _warning_codes()


def test_the_scan_sees_keyword_and_positional_codes():
    assert "no_sunscreen" in FOUND  # Warning(code=...)
    assert "series_outside_protocol" in FOUND  # Warning("...", ...)


def test_every_warning_code_is_a_member():
    missing = {code: where for code, where in FOUND.items() if code not in set(WarningCode)}
    assert not missing, f"add to app.scheduling.plan.WarningCode: {missing}"


def test_every_member_is_a_warning_the_engine_makes():
    assert set(WarningCode) == FOUND.keys()
