"""The guards: what keeps a product out of a routine, and the warnings a profile always carries.

Each guard returns `Hit`s (guard name, rule id, a reason the user can read). Static guards read the
product and the profile (pregnancy state, oral retinoids, conditions, avoid list) and are computed
once per pregnancy state; dated guards read the day (expiry, period after opening, procedure
pause). The patch test is not a guard: a new product is scheduled onto its test spot and into the
routine by onboarding.py (S2, S5, S6). Where sources differ the safer reading wins and the reason
says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.scheduling.candidates import Candidate
from app.scheduling.classify import Exfoliation, Traits
from app.scheduling.inputs import (
    Override,
    Pregnancy,
    Profile,
    Sensitivity,
    ShelfItem,
    Slot,
)
from app.scheduling.plan import Guard, Warning

# Oral retinoids by generic and common brand names (P1, P10).
_ORAL_RETINOIDS = re.compile(
    r"isotretinoin|acitretin|accutane|roaccutane|absorica|claravis|amnesteem|zenatane|myorisan"
    r"|soriatane|neotigason"
)
ROSACEA = frozenset({"rosacea"})
ECZEMA = frozenset({"eczema", "atopic dermatitis", "atopic_dermatitis"})


@dataclass(frozen=True, slots=True)
class Hit:
    """One reason a product is kept out: of the day, or of one slot when `slot` is set."""

    guard: Guard
    rule_id: str
    reason: str
    # P2, P3, P9: a dermatologist may confirm the product with an acknowledged warning (O2)
    confirmable: bool = False
    slot: Slot | None = None
    override: Override | None = None


# --- the profile ------------------------------------------------------------------------------


def pregnancy_on(profile: Profile, on: date) -> Pregnancy:
    """The pregnancy state on a date. A due date does not end a pregnancy (births come late):
    only a recorded end does, and the days before it keep the pregnancy rules (P9a)."""
    ended = profile.pregnancy_ended_on
    if ended is not None and on < ended:
        return Pregnancy.pregnant
    return profile.pregnancy


def due_date_passed(profile: Profile, on: date) -> bool:
    """Still pregnant after the due date: the plan asks for the end to be recorded (P9a)."""
    return (
        profile.pregnancy is Pregnancy.pregnant
        and profile.due_date is not None
        and on > profile.due_date
    )


_P1_STATES = (Pregnancy.pregnant, Pregnancy.trying_to_conceive)


def has_condition(profile: Profile, names: frozenset[str]) -> bool:
    return any(condition.lower() in names for condition in profile.conditions)


def sensitive(profile: Profile) -> bool:
    """High sensitivity, rosacea or eczema: the sensitive-skin rules (I5, S4, S4a, slow ramp)."""
    return (
        profile.sensitivity is Sensitivity.high
        or has_condition(profile, ROSACEA)
        or has_condition(profile, ECZEMA)
    )


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """What the static guards read from a profile, worked out once per engine call."""

    profile: Profile
    rosacea: bool
    eczema: bool
    oral_retinoid: bool
    # each avoided term with the whole-word pattern that finds it inside a longer name
    avoid: tuple[tuple[str, re.Pattern[str]], ...]

    def p1(self, state: Pregnancy) -> bool:
        """P1: an oral retinoid with pregnancy or trying to conceive; nothing overrides it."""
        return self.oral_retinoid and state in _P1_STATES


def facts(profile: Profile) -> ProfileFacts:
    avoid = sorted({" ".join(term.lower().split()) for term in profile.avoid_ingredients} - {""})
    return ProfileFacts(
        profile=profile,
        rosacea=has_condition(profile, ROSACEA),
        eczema=has_condition(profile, ECZEMA),
        oral_retinoid=any(_ORAL_RETINOIDS.search(m.lower()) for m in profile.oral_medications),
        avoid=tuple((term, re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")) for term in avoid),
    )


def profile_warnings(known: ProfileFacts, on: date) -> list[Warning]:
    """The warnings a profile carries every day, P1 first."""
    profile = known.profile
    state = pregnancy_on(profile, on)
    warnings: list[Warning] = []
    if known.p1(state):
        warnings.append(
            Warning(
                code="oral_retinoid_pregnancy",
                message=(
                    "Oral isotretinoin or acitretin with pregnancy or trying to conceive is a hard "
                    "contraindication: contact your prescriber now. No override can change this."
                ),
                rule_id="P1",
            )
        )
    if known.oral_retinoid:
        warnings.append(
            Warning(
                code="oral_retinoid",
                message=(
                    "You take an oral retinoid: your routine stays bland (a gentle cleanser, a "
                    "moisturiser, lip balm and sunscreen); topical retinoids, benzoyl peroxide, "
                    "exfoliating acids, scrubs and strong vitamin C are paused. Your prescriber "
                    "directs your skin care."
                ),
                rule_id="P10",
            )
        )
        warnings.append(
            Warning(
                code="isotretinoin_photosensitivity",
                message=(
                    "Your oral retinoid makes skin burn more easily: sunscreen every morning, "
                    "reapplied outdoors, and shade at midday. No waxing, dermabrasion or ablative "
                    "laser until 6 months after your last dose."
                ),
                rule_id="P10",
            )
        )
        warnings.append(
            Warning(
                code="oral_retinoid_procedures",
                message=(
                    "On isotretinoin, superficial peels and non-ablative lasers need no delay; "
                    "ablative lasers and dermabrasion do. Ask your prescriber before a procedure."
                ),
                rule_id="PP2",
            )
        )
    if state is Pregnancy.trying_to_conceive:
        warnings.append(
            Warning(
                code="ttc_safer_reading",
                message=(
                    "Trying to conceive: retinoids and hydroquinone are left out. Sources differ; "
                    "the safer reading is chosen because UKTIS and MotherToBaby advise stopping "
                    "them before conception."
                ),
                rule_id="P2",
            )
        )
    if due_date_passed(profile, on):
        warnings.append(
            Warning(
                code="confirm_pregnancy_end",
                message=(
                    f"Your due date ({profile.due_date}) has passed. Please confirm whether the "
                    "pregnancy has ended and whether you are breastfeeding; until then the "
                    "pregnancy rules still apply."
                ),
                rule_id="P9a",
            )
        )
    return warnings


# --- static guards ------------------------------------------------------------------------------


def static_hits(traits: Traits, known: ProfileFacts, state: Pregnancy) -> tuple[Hit, ...]:
    return (
        *_pregnancy(traits, known, state),
        *_oral_retinoid(traits, known),
        *_conditions(traits, known),
        *_avoid_list(traits, known),
    )


def _pregnancy(traits: Traits, known: ProfileFacts, state: Pregnancy) -> Iterable[Hit]:
    pregnancy = Guard.pregnancy
    if state is Pregnancy.trying_to_conceive:
        why = "trying to conceive (safer reading: UKTIS and MotherToBaby advise stopping first)"
        if traits.retinoid is not None:
            yield Hit(
                pregnancy, "P2", f"No {traits.retinoid} while {why}.", _confirmable(known, state)
            )
        if traits.hydroquinone:
            yield Hit(pregnancy, "P3", f"No hydroquinone while {why}.", True)
        return
    if state is not Pregnancy.pregnant:
        return
    if traits.retinoid is not None:
        yield Hit(
            pregnancy,
            "P2",
            f"No topical retinoids in pregnancy ({traits.retinoid}).",
            _confirmable(known, state),
        )
    if traits.hydroquinone:
        yield Hit(pregnancy, "P3", "No hydroquinone in pregnancy (35-45 % is absorbed).", True)
    # a salicylic or glycolic wash is rinsed off at once; peels and leave-ons are not
    if traits.salicylic and not traits.wash:
        percent = traits.salicylic_percent
        if percent is None:
            yield Hit(
                pregnancy,
                "P4",
                "Salicylic acid of unstated strength: left out in pregnancy (safer reading; "
                "only < 2 % on limited areas is acceptable).",
            )
        elif percent >= 2:
            yield Hit(
                pregnancy,
                "P4",
                f"Salicylic acid {percent:g} % is left out in pregnancy: only < 2 % on limited "
                "areas is accepted (the safer reading where sources differ).",
            )
    if traits.glycolic and not traits.wash:
        percent = traits.glycolic_percent
        if percent is None or percent > 10:
            strength = "of unstated strength" if percent is None else f"{percent:g} %"
            yield Hit(pregnancy, "P4", f"Glycolic acid {strength}: only up to 10 % in pregnancy.")
    if traits.pregnancy_oils:
        yield Hit(
            pregnancy,
            "P7",
            f"Contains essential oils to avoid in pregnancy: {', '.join(traits.pregnancy_oils)}.",
        )
    if traits.exosome:
        yield Hit(
            pregnancy,
            "P9",
            "Exosome serum in pregnancy: no reproductive-toxicology data exist, so it is left out "
            "unless a clinician confirms it.",
            True,
        )


def _confirmable(known: ProfileFacts, state: Pregnancy) -> bool:
    # with an oral retinoid (P1) no topical retinoid can be confirmed back in
    return not known.p1(state)


# P10 names "strong" L-ascorbic acid: 10 % and above (and an unstated strength, the safer
# reading) dries and stings skin that isotretinoin has already thinned
_STRONG_L_ASCORBIC = 10.0


def _oral_retinoid(traits: Traits, known: ProfileFacts) -> Iterable[Hit]:
    """P10: a bland routine on an oral retinoid. Isotretinoin and acitretin alike: the same
    class, the same dry, fragile, sun-sensitive skin (the safer reading)."""
    if not known.oral_retinoid:
        return
    paused = "paused while you take an oral retinoid, which already dries and thins the skin"
    if traits.retinoid is not None:
        yield Hit(Guard.conflict, "P10", f"A topical retinoid on top is {paused}.")
    if traits.bpo:
        yield Hit(Guard.conflict, "P10", f"Benzoyl peroxide is {paused}.")
    if traits.exfoliant:
        what = "A scrub" if Exfoliation.scrub in traits.exfoliation else "An exfoliant"
        yield Hit(Guard.conflict, "P10", f"{what} is {paused}.")
    if traits.l_ascorbic and (
        traits.l_ascorbic_percent is None or traits.l_ascorbic_percent >= _STRONG_L_ASCORBIC
    ):
        yield Hit(Guard.conflict, "P10", f"Strong vitamin C (L-ascorbic acid) is {paused}.")


def _conditions(traits: Traits, known: ProfileFacts) -> Iterable[Hit]:
    rosacea, eczema = known.rosacea, known.eczema
    condition = Guard.condition
    if rosacea and traits.rosacea_irritants:
        found = traits.rosacea_irritants
        what = "a common trigger" if len(found) == 1 else "common triggers"
        yield Hit(condition, "S1", f"Rosacea: contains {', '.join(found)}, {what} of flares.")
    if eczema and traits.retinoid is not None:
        yield Hit(condition, "S3", "Eczema: retinoids can aggravate it.")
    if eczema and (traits.fragrance or traits.dye):
        what = " and ".join(
            name
            for name, present in (("fragrance", traits.fragrance), ("dye", traits.dye))
            if present
        )
        yield Hit(condition, "S3", f"Eczema: contains {what}; choose fragrance- and dye-free.")
    if (rosacea or eczema) and Exfoliation.scrub in traits.exfoliation:
        yield Hit(condition, "S4", "No scrubs with rosacea or eczema.")


def _avoid_list(traits: Traits, known: ProfileFacts) -> Iterable[Hit]:
    found = [
        term
        for term, pattern in known.avoid
        if term in traits.terms or any(pattern.search(name) for name in traits.terms)
    ]
    if found:
        yield Hit(
            Guard.avoid_list,
            "AV1",
            f"Contains {', '.join(found)}, which is on your avoid list.",
        )


# --- dated guards ---------------------------------------------------------------------------


def dated_hits(candidate: Candidate, on: date, *, pauses: Sequence[Override]) -> list[Hit]:
    hits: list[Hit] = []
    item = candidate.item
    if item is not None:
        hits.extend(_expiry(candidate, item, on))
    traits = candidate.traits
    for pause in pauses:
        targeted = (
            pause.product_id == candidate.product.id
            if pause.product_id is not None
            else traits.retinoid is not None or traits.exfoliant
        )
        if targeted:
            until = f" until {pause.ends_on}" if pause.ends_on else ""
            hits.append(
                Hit(
                    Guard.procedure,
                    "PP1",
                    f"Paused around a procedure{until}: {pause.reason}",
                    override=pause,
                )
            )
    return hits


def _expiry(candidate: Candidate, item: ShelfItem, on: date) -> Iterable[Hit]:
    if item.expires_on is not None and on > item.expires_on:
        if candidate.traits.sunscreen:
            yield Hit(
                Guard.expiry, "E2", f"Expired on {item.expires_on}: do not use expired sunscreen."
            )
        else:
            yield Hit(Guard.expiry, "E1", f"Expired on {item.expires_on}.")
    end = candidate.opened_until
    if end is not None and on > end:
        yield Hit(
            Guard.expiry,
            "E1",
            f"Opened on {item.opened_on}: past its {item.pao_months}-month period after "
            f"opening ({end}).",
        )
