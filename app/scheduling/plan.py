"""The engine's output: one day's plan, with every decision explained by rule ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from app.scheduling.inputs import Category, Override, Slot


class StepKind(StrEnum):
    """What a step does; `patch_test` puts a new product on its test spot, not the face."""

    cleanse = "cleanse"
    essence = "essence"
    toner = "toner"
    exosome_serum = "exosome_serum"
    active = "active"
    treatment = "treatment"
    exfoliant = "exfoliant"
    eye_cream = "eye_cream"
    moisturiser = "moisturiser"
    oil = "oil"
    mask = "mask"
    spf = "spf"
    # S2: a new product on its test spot (inner arm), not on the face
    patch_test = "patch_test"


class NightType(StrEnum):
    """What the evening is for in the rotation (`recovery`: no actives tonight)."""

    retinoid = "retinoid"
    exfoliant = "exfoliant"
    exosome = "exosome"
    recovery = "recovery"
    basic = "basic"


class Guard(StrEnum):
    """Why a product is kept out: the kind of rule that excludes it."""

    pregnancy = "pregnancy"
    condition = "condition"
    sensitivity = "sensitivity"
    conflict = "conflict"
    expiry = "expiry"
    patch_test = "patch_test"
    introduction = "introduction"  # S5: waiting for its turn to be introduced
    procedure = "procedure"
    avoid_list = "avoid_list"
    override = "override"


class StepSource(StrEnum):
    """Who placed a step: the engine, or a dermatologist's override."""

    engine = "engine"
    override = "override"


@dataclass(frozen=True, slots=True)
class StepProduct:
    id: UUID
    name: str
    category: Category


@dataclass(frozen=True, slots=True)
class OverrideNote:
    """Who shaped a step or an exclusion, and why (shown to the patient)."""

    override_id: UUID
    author_id: UUID
    author: str  # the author's display label (shown as `author_name` over HTTP)
    reason: str

    @classmethod
    def of(cls, override: Override) -> OverrideNote:
        return cls(
            override_id=override.id,
            author_id=override.author_id,
            author=override.author,
            reason=override.reason,
        )


@dataclass(frozen=True, slots=True)
class Step:
    order: int
    kind: StepKind
    product: StepProduct
    amount: str
    wait_after_seconds: int
    instructions: str
    rule_ids: tuple[str, ...]
    source: StepSource = StepSource.engine
    override: OverrideNote | None = None


class AlternativeSource(StrEnum):
    """Where an alternative comes from: the user's shelf or the shared catalog."""

    shelf = "shelf"
    catalog = "catalog"


@dataclass(frozen=True, slots=True)
class Alternative:
    """A product that could take an excluded product's role safely (ALT1); never a step."""

    product: StepProduct
    source: AlternativeSource
    rule_id: str = "ALT1"


@dataclass(frozen=True, slots=True)
class Exclusion:
    product: StepProduct
    reason: str
    rule_id: str
    guard: Guard
    slot: Slot | None = None
    override: OverrideNote | None = None
    # when the product starts its patch test or joins the routine (an `introduction` wait)
    available_on: date | None = None
    # best first: the user's shelf, then the catalog (alternatives.py)
    alternatives: tuple[Alternative, ...] = ()


# tests/scheduling/test_warning_codes.py fails when a Warning's code is missing here
class WarningCode(StrEnum):
    """What a warning is about: stable, for programs to branch on (the message is for people)."""

    aha_sun_sensitivity = "aha_sun_sensitivity"
    breastfeeding_care = "breastfeeding_care"
    confirm_pregnancy_end = "confirm_pregnancy_end"
    exosome_quality = "exosome_quality"
    hydroquinone_peroxide_split = "hydroquinone_peroxide_split"
    isotretinoin_photosensitivity = "isotretinoin_photosensitivity"
    no_cleanse_step = "no_cleanse_step"
    no_exfoliant_night = "no_exfoliant_night"
    no_moisturiser = "no_moisturiser"
    no_sunscreen = "no_sunscreen"
    oral_retinoid = "oral_retinoid"
    oral_retinoid_pregnancy = "oral_retinoid_pregnancy"
    oral_retinoid_procedures = "oral_retinoid_procedures"
    override_confirmed = "override_confirmed"
    override_ignored = "override_ignored"
    patch_test_skipped = "patch_test_skipped"
    prefer_mineral_spf = "prefer_mineral_spf"
    procedure_exosome_adjunct = "procedure_exosome_adjunct"
    procedure_isotretinoin = "procedure_isotretinoin"
    procedure_window = "procedure_window"
    recovery_night = "recovery_night"
    series_outside_protocol = "series_outside_protocol"
    severe_irritation = "severe_irritation"
    spf_below_30 = "spf_below_30"
    sunscreen_not_patch_tested = "sunscreen_not_patch_tested"
    sunscreen_with_acids = "sunscreen_with_acids"
    sunscreen_with_retinoid = "sunscreen_with_retinoid"
    ttc_safer_reading = "ttc_safer_reading"


@dataclass(frozen=True, slots=True)
class Warning:
    code: str  # a WarningCode
    message: str
    rule_id: str | None = None


@dataclass(frozen=True, slots=True)
class DayPlan:
    on: date
    night_type: NightType
    am: tuple[Step, ...]
    pm: tuple[Step, ...]
    excluded: tuple[Exclusion, ...]
    warnings: tuple[Warning, ...]
    rule_ids: tuple[str, ...]  # every rule cited anywhere in this plan, sorted

    def steps(self, slot: Slot) -> tuple[Step, ...]:
        return self.am if slot is Slot.am else self.pm
