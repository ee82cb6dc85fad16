"""Every problem `code` the app can send is a member of ProblemCode (the document's `code`
enum), and every extra member a problem carries is a property of the Problem schema.

The codes are read from the source, so a code added on any branch fails here until it joins the
enum: `code="..."` given to a RegimenError subclass (or a class's own `code = "..."`), the codes
app/problems.py and app/body_limit.py write themselves, and the violation codes of the engine's
`check_override`, which the overrides service sends as the problem's code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import ProblemCode
from app.models.problems import Problem

APP = Path(__file__).resolve().parent.parent / "app"
ROOT_ERROR = "RegimenError"
# keyword arguments of a RegimenError that are not members of the body
NOT_MEMBERS = {"code", "headers"}


@dataclass
class ErrorClass:
    bases: list[str]
    code: str | None = None
    status: int | None = None


@dataclass
class Found:
    codes: dict[str, set[str]] = field(default_factory=dict)  # code -> where
    statuses: dict[str, set[int]] = field(default_factory=dict)  # code -> statuses
    members: dict[str, set[str]] = field(default_factory=dict)  # extra member -> where

    def code(self, code: str, where: str, status: int | None = None) -> None:
        self.codes.setdefault(code, set()).add(where)
        if status is not None:
            self.statuses.setdefault(code, set()).add(status)


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield str(path.relative_to(APP.parent)), ast.parse(path.read_text(), str(path))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.expr | None) -> str | int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
        return node.value
    return None


def _classes(modules: list[tuple[str, ast.Module]]) -> dict[str, ErrorClass]:
    """Every class in app/, by name, with its bases and its own code and status."""
    classes: dict[str, ErrorClass] = {}
    for _where, module in modules:
        for node in ast.walk(module):
            if not isinstance(node, ast.ClassDef):
                continue
            found = ErrorClass(bases=[name for b in node.bases if (name := _name(b))])
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target = _name(statement.targets[0])
                    value = _literal(statement.value)
                    if target == "code" and isinstance(value, str):
                        found.code = value
                    if target == "status_code" and isinstance(value, int):
                        found.status = value
            classes[node.name] = found
    return classes


def _errors(classes: dict[str, ErrorClass]) -> dict[str, ErrorClass]:
    """The RegimenError subclasses, each with the code and status it inherits."""

    def lineage(name: str) -> list[str]:
        if name not in classes:
            return []
        return [name, *(ancestor for base in classes[name].bases for ancestor in lineage(base))]

    errors = {}
    for name in classes:
        chain = lineage(name)
        if ROOT_ERROR not in chain:
            continue
        code = next(c for n in chain if (c := classes[n].code) is not None)
        status = next(s for n in chain if (s := classes[n].status) is not None)
        errors[name] = ErrorClass(bases=chain, code=code, status=status)
    return errors


def _scan() -> Found:
    modules = list(_modules())
    errors = _errors(_classes(modules))
    found = Found()
    for name, error in errors.items():
        assert error.code is not None
        found.code(error.code, f"class {name}", error.status)
    for where, module in modules:
        engine = where.startswith("app/scheduling/")
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and not engine:
                called = _name(node.func)
                if called in errors:
                    error = errors[called]
                    keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
                    code = _literal(keywords.get("code"))
                    if "code" not in keywords:
                        code = error.code
                    if isinstance(code, str):
                        found.code(code, f"{where}:{node.lineno}", error.status)
                    for member in keywords.keys() - NOT_MEMBERS:
                        found.members.setdefault(member, set()).add(f"{where}:{node.lineno}")
                if called == "problem" and len(node.args) >= 2:  # problems.problem(status, code)
                    status, code = _literal(node.args[0]), _literal(node.args[1])
                    if isinstance(code, str) and isinstance(status, int):
                        found.code(code, f"{where}:{node.lineno}", status)
                    for keyword in node.keywords:
                        if keyword.arg not in (None, "title", "headers"):
                            found.members.setdefault(keyword.arg, set()).add(where)
            if isinstance(node, ast.Dict) and not engine:
                _dict_codes(node, where, found)
            if engine and where.endswith(("/overrides.py", "/interactions.py")):
                _violation_codes(node, where, found)
    return found


def _dict_codes(node: ast.Dict, where: str, found: Found) -> None:
    """A body written by hand ({"code": "payload_too_large", "max_bytes": ...}), and the
    status -> code table of app/problems.py."""
    keys = [_literal(key) if key is not None else None for key in node.keys]
    if "code" in keys and "status" in keys:
        code = _literal(node.values[keys.index("code")])
        status = _literal(node.values[keys.index("status")])
        if isinstance(code, str):
            found.code(code, where, status if isinstance(status, int) else None)
        for key in keys:
            if isinstance(key, str) and key not in ("type", "title", "status", "detail", "code"):
                found.members.setdefault(key, set()).add(where)
    if where == "app/problems.py" and keys and all(isinstance(k, int) for k in keys):
        for status, value in zip(keys, node.values, strict=True):
            code = _literal(value)
            if isinstance(code, str) and isinstance(status, int):
                found.code(code, f"{where} (status table)", status)


def _violation_codes(node: ast.AST, where: str, found: Found) -> None:
    """check_override's codes: `codes.append("...")` in overrides.py, and what slot_violation
    returns in interactions.py."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and _name(node.func.value) == "codes"
        and node.args
        and isinstance(code := _literal(node.args[0]), str)
    ):
        found.code(code, f"{where}:{node.lineno}", 422)
    if isinstance(node, ast.FunctionDef) and node.name == "slot_violation":
        for inner in ast.walk(node):
            if isinstance(inner, ast.Return) and isinstance(code := _literal(inner.value), str):
                found.code(code, f"{where}:{inner.lineno}", 422)


FOUND = _scan()


def test_the_scan_finds_codes_of_every_kind():
    """The scan is not vacuous: it sees raise sites, class defaults, hand-written bodies, the
    status table and the engine's override violations."""
    for code in (
        "email_taken",  # code= at a raise site
        "not_authenticated",  # a class's default
        "rate_limited",  # a class outside app/errors.py
        "payload_too_large",  # a body written by hand (app/body_limit.py)
        "method_not_allowed",  # app/problems.py's status table
        "concurrent_update",  # problems.problem(409, ...)
        "guard_not_overridable",  # the engine's check_override
        "sunscreen_in_pm",  # the engine's slot_violation
    ):
        assert code in FOUND.codes, code
    assert {"min_interval_days", "max_bytes", "errors", "retry_after"} <= FOUND.members.keys()


def test_every_code_the_app_sends_is_a_problem_code():
    missing = {
        code: sorted(where) for code, where in FOUND.codes.items() if code not in set(ProblemCode)
    }
    assert not missing, f"add these codes to app.errors.ProblemCode: {missing}"


def test_every_problem_code_is_sent_somewhere():
    """No stale member: a code nobody sends any more leaves the enum (and the document)."""
    unused = sorted(set(ProblemCode) - FOUND.codes.keys())
    assert not unused, f"no code in app/ sends these ProblemCode members: {unused}"


def test_a_code_always_comes_with_the_same_status():
    """Clients may map a code to its status: one code is never sent with two statuses."""
    mixed = {code: statuses for code, statuses in FOUND.statuses.items() if len(statuses) > 1}
    assert not mixed, mixed


def test_every_extra_member_is_a_property_of_the_problem_schema():
    properties = set(Problem.model_json_schema(mode="serialization")["properties"])
    missing = {member: sorted(where) for member, where in FOUND.members.items()}
    missing = {m: w for m, w in missing.items() if m not in properties}
    assert not missing, f"add these members to app.models.problems.Problem: {missing}"
