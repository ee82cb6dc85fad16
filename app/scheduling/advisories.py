"""The day's warnings about the regimen as a whole: sun protection, breastfeeding care, exosome
quality, skipped patch tests and irritation. (The profile's own warnings, P1 first, live in
guards.py; warnings about overrides in engine.py.)

"In use" means usable today after the guards, whether or not tonight is its night: a retinoid
on alternate nights still needs sunscreen every morning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from app.scheduling.candidates import Candidate
from app.scheduling.classify import Exfoliation
from app.scheduling.inputs import EngineSettings, Irritation, PatchTest, Pregnancy
from app.scheduling.plan import Warning


def day_advisories(
    *,
    state: Pregnancy,
    in_use: Sequence[Candidate],
    used: Sequence[Candidate],
    irritation: Irritation | None,
    on: date,
    settings: EngineSettings,
    recovery_until: date | None = None,
    joined: Mapping[Candidate, date] | None = None,
) -> list[Warning]:
    """`joined`: the day a new product joins the routine (onboarding.py), when not the day it was
    added."""
    warnings = [
        *_sun(state, in_use, used),
        *_exosome_quality(used),
        *_skipped_patch_tests(used, on, settings, joined or {}),
    ]
    if state is Pregnancy.breastfeeding and any(_treatment(c) for c in in_use):
        warnings.append(
            Warning(
                code="breastfeeding_care",
                message=(
                    "Breastfeeding: your treatments are allowed; keep them off the nipple and "
                    "areola, and keep the baby's skin off treated skin."
                ),
                rule_id="P8",
            )
        )
    if irritation is Irritation.severe:
        warnings.append(
            Warning(
                code="severe_irritation",
                message=(
                    "You logged severe irritation: your actives are paused morning and evening "
                    f"through {recovery_until or on}, then your plan brings them back. If your "
                    "skin has not settled by then, or you have swelling, blistering or pain, do "
                    "not restart them: see a dermatologist or doctor."
                ),
                rule_id="R1",
            )
        )
    elif irritation is Irritation.moderate:
        warnings.append(
            Warning(
                code="recovery_night",
                message=(
                    "You logged irritation: tonight is a recovery night with no retinoid or "
                    "exfoliant."
                ),
                rule_id="R1",
            )
        )
    return warnings


def _treatment(c: Candidate) -> bool:
    """A treatment the breastfeeding guidance is about (acne and pigment treatments)."""
    t = c.traits
    return t.retinoid is not None or t.exfoliant or t.bpo or t.azelaic or t.hydroquinone


def _sun(state: Pregnancy, in_use: Sequence[Candidate], used: Sequence[Candidate]) -> list[Warning]:
    warnings = []
    sunscreens = [c for c in used if c.traits.sunscreen]
    if not any(c.traits.sunscreen for c in in_use):
        warnings.append(
            Warning(
                code="no_sunscreen",
                message=(
                    "No usable broad-spectrum sunscreen on your shelf: add an SPF 30+ for every "
                    "morning."
                ),
                rule_id="SUN1",
            )
        )
    for weak in (c for c in sunscreens if c.product.spf is not None and c.product.spf < 30):
        warnings.append(
            Warning(
                code="spf_below_30",
                message=f"{weak.name} is SPF {weak.product.spf}: use SPF 30 or higher.",
                rule_id="SUN1",
            )
        )
    if any(c.traits.retinoid is not None for c in in_use):
        warnings.append(
            Warning(
                code="sunscreen_with_retinoid",
                message=(
                    "You use a retinoid: sunscreen every morning, and no waxing of treated skin."
                ),
                rule_id="R6",
            )
        )
    if any(c.traits.acid for c in in_use):
        warnings.append(
            Warning(
                code="sunscreen_with_acids",
                message="You use an exfoliating acid: sunscreen every morning.",
                rule_id="SUN3",
            )
        )
    if any(Exfoliation.aha in c.traits.exfoliation for c in in_use):
        warnings.append(
            Warning(
                code="aha_sun_sensitivity",
                message=("AHAs raise sun sensitivity while you use them and for a week after."),
                rule_id="PP4",
            )
        )
    if (
        state is Pregnancy.pregnant
        and sunscreens
        and not any(c.traits.mineral_filter for c in sunscreens)
    ):
        warnings.append(
            Warning(
                code="prefer_mineral_spf",
                message=(
                    "In pregnancy a mineral sunscreen (zinc oxide, titanium dioxide) is the "
                    "precautionary choice."
                ),
                rule_id="P6",
            )
        )
    return warnings


def _exosome_quality(used: Sequence[Candidate]) -> list[Warning]:
    warnings = []
    for exosome in (c for c in used if c.traits.exosome):
        product, item = exosome.product, exosome.item
        missing = []
        if (item is not None and not item.batch) or product.batch_on_label is False:
            missing.append("a batch number")
        if (item is not None and item.expires_on is None) or product.expiry_on_label is False:
            missing.append("an expiry date")
        if product.gmp_certified is not True:
            missing.append("GMP certification or a purity report")
        if missing:
            warnings.append(
                Warning(
                    code="exosome_quality",
                    message=f"{exosome.name} lacks {', '.join(missing)}: ask the maker.",
                    rule_id="EXO2",
                )
            )
    return warnings


def _skipped_patch_tests(
    used: Sequence[Candidate], on: date, settings: EngineSettings, joined: Mapping[Candidate, date]
) -> list[Warning]:
    """During the patch-test period after a leave-on product whose test was skipped joins."""
    window = timedelta(days=settings.patch_test_days)
    return [
        Warning(
            code="patch_test_skipped",
            message=(
                f"{c.name} was introduced without a patch test: stop it at the first redness, "
                "itching or swelling."
            ),
            rule_id="S2",
        )
        for c in used
        if c.item is not None
        and c.item.patch_test is PatchTest.skipped
        and not c.traits.wash
        and on < joined.get(c, c.item.added_on) + window
    ]
