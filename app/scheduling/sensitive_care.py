"""Care for reactive skin beyond the guards (S7): what the plan says, not what it leaves out.

Eczema or a damaged barrier with no usable moisturiser gets a warning (the National Eczema
Association puts moisturising first). With sensitive skin, a fragranced or essential-oil product
that stays on the skin is allowed, but its step says so. (Rosacea and eczema leave fragrance out
altogether: S1, S3 in guards.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.scheduling.candidates import Candidate
from app.scheduling.plan import Step, StepKind, Warning

_FRAGRANCE_NOTE = (
    "It contains fragrance or essential oils, a common trigger for sensitive skin: stop it if it "
    "stings, itches or reddens."
)


def moisturiser_warnings(in_use: Sequence[Candidate]) -> list[Warning]:
    """For eczema or a damaged barrier (the caller checks the profile)."""
    if any(c.traits.kind is StepKind.moisturiser for c in in_use):
        return []
    return [
        Warning(
            code="no_moisturiser",
            message=(
                "Eczema or a damaged skin barrier needs a moisturiser morning and evening, and "
                "none on your shelf can be used: add a fragrance-free moisturiser."
            ),
            rule_id="S7",
        )
    ]


def fragrance_notes(steps: tuple[Step, ...], placed: Sequence[Candidate]) -> tuple[Step, ...]:
    """For sensitive skin: a leave-on product with fragrance or essential oils says so."""
    scented = {c.product.id for c in placed if c.traits.fragrance and not c.traits.rinse_off}
    if not scented:
        return steps
    return tuple(
        replace(
            step,
            instructions=f"{step.instructions} {_FRAGRANCE_NOTE}",
            rule_ids=tuple(sorted({*step.rule_ids, "S7"})),
        )
        if step.product.id in scented
        else step
        for step in steps
    )
