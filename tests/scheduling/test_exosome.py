"""Exosome serum: an optional adjunct with limited evidence (EXO1), quality flags (EXO2)."""

from app.scheduling import Category, ExosomeSource, Slot, StepKind
from tests.scheduling.factories import EXOSOME, ON, build, codes, item, product


def test_exo1_exosome_step_says_optional_adjunct_with_limited_evidence() -> None:
    step = build(EXOSOME).am[0]
    assert step.kind is StepKind.exosome_serum
    assert step.instructions.startswith("Optional adjunct, limited evidence")
    assert step.amount == "2-3 drops"
    assert "EXO1" in step.rule_ids


def test_exo2_an_exosome_without_batch_expiry_or_gmp_is_flagged() -> None:
    unverified = product(
        "Exo Unverified",
        Category.exosome_serum,
        exosome_source=ExosomeSource.human_msc,
        gmp_certified=None,
        batch_on_label=False,
    )
    plan = build(item(unverified))
    warning = next(w for w in plan.warnings if w.code == "exosome_quality")
    assert warning.rule_id == "EXO2"
    for missing in ("batch number", "expiry date", "GMP"):
        assert missing in warning.message
    assert "Source: human stem cells (mesenchymal stem cells, MSC)." in plan.am[0].instructions


def test_exo2_a_documented_exosome_is_not_flagged() -> None:
    documented = item(EXOSOME, batch="B-1042", expires_on=ON.replace(year=ON.year + 1))
    plan = build(documented)
    assert "exosome_quality" not in codes(plan)
    assert [s.product.name for s in plan.steps(Slot.am)] == ["Exo Serum"]
