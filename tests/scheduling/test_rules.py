"""The rule catalogue: complete, labelled, and every rule pinned by a test named after it."""

import ast
import re
from pathlib import Path

from app.scheduling import RULES, Grade
from app.scheduling.rules import DEFAULT

HERE = Path(__file__).parent


def test_every_rule_has_readable_text_a_source_and_a_grade() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.text.endswith((".", ")"))
        assert rule.source
        assert rule.grade[0] in "ABCU" or rule.grade == Grade.policy


def test_grade_u_rules_are_labelled_configurable_defaults() -> None:
    for rule in RULES.values():
        assert rule.configurable_default == (rule.grade == Grade.U)
        assert (DEFAULT in rule.text) == rule.configurable_default


def test_every_rule_is_pinned_by_a_test_named_after_it() -> None:
    names = set()
    for path in HERE.glob("test_*.py"):
        tree = ast.parse(path.read_text())
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    ids = {token for name in names for token in re.findall(r"(?<=_)[a-z]+\d+[a-z]?(?=_)", name)}
    missing = sorted(rule_id for rule_id in RULES if rule_id.lower() not in ids)
    assert missing == []
