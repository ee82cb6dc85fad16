"""The engine's inputs: plain, frozen values that the service layer builds from stored rows.

Nothing here knows about HTTP, SQL or the clock. Every date is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID


class Sensitivity(StrEnum):
    """How easily the skin reacts."""

    low = "low"
    medium = "medium"
    high = "high"


class Pregnancy(StrEnum):
    """Pregnancy and breastfeeding, which exclude some ingredients (RULES.md P1-P9)."""

    none = "none"
    trying_to_conceive = "trying_to_conceive"
    pregnant = "pregnant"
    breastfeeding = "breastfeeding"


class RetinoidExperience(StrEnum):
    """How used the skin is to retinoids (the retinoid ramp starts from it)."""

    none = "none"
    beginner = "beginner"
    experienced = "experienced"


class Category(StrEnum):
    """What kind of product it is."""

    cleanser = "cleanser"
    essence = "essence"
    toner = "toner"
    exosome_serum = "exosome_serum"
    serum = "serum"
    treatment = "treatment"
    moisturiser = "moisturiser"
    sunscreen = "sunscreen"
    oil = "oil"
    exfoliant = "exfoliant"
    mask = "mask"
    eye_cream = "eye_cream"


class ActiveClass(StrEnum):
    """The class of an active ingredient."""

    retinoid = "retinoid"
    aha = "aha"
    bha = "bha"
    pha = "pha"
    vitamin_c = "vitamin_c"
    niacinamide = "niacinamide"
    azelaic_acid = "azelaic_acid"
    benzoyl_peroxide = "benzoyl_peroxide"
    peptide = "peptide"
    copper_peptide = "copper_peptide"
    hydroquinone = "hydroquinone"
    exosome = "exosome"
    ceramide = "ceramide"
    panthenol = "panthenol"
    hyaluronic_acid = "hyaluronic_acid"
    tranexamic_acid = "tranexamic_acid"


class FilterType(StrEnum):
    """A sunscreen's UV filters."""

    mineral = "mineral"
    chemical = "chemical"
    hybrid = "hybrid"


class ExosomeSource(StrEnum):
    """Where an exosome serum's exosomes come from."""

    human_msc = "human_msc"
    platelet = "platelet"
    plant = "plant"
    bovine_milk = "bovine_milk"
    synthetic = "synthetic"


class PatchTest(StrEnum):
    """A shelf item's patch test: still to do, passed, or skipped by the user."""

    pending = "pending"
    passed = "passed"
    skipped = "skipped"


class Slot(StrEnum):
    """The morning (`am`) or evening (`pm`) routine."""

    am = "am"
    pm = "pm"


class Irritation(StrEnum):
    """How the skin reacted."""

    none = "none"
    mild = "mild"
    moderate = "moderate"
    severe = "severe"


class OverrideAction(StrEnum):
    """What a dermatologist's override does (RULES.md O1)."""

    add = "add"
    remove = "remove"
    set_frequency = "set_frequency"
    set_wait = "set_wait"
    reorder = "reorder"
    confirm = "confirm"
    pause = "pause"
    shorten_patch_test = "shorten_patch_test"


class Frequency(StrEnum):
    """How often a product is used: `daily`, `alternate` days, ISO `weekdays`, `every_n_days`."""

    daily = "daily"
    alternate = "alternate"
    weekdays = "weekdays"
    every_n_days = "every_n_days"


@dataclass(frozen=True, slots=True)
class Active:
    class_: ActiveClass
    name: str
    percent: float | None = None


@dataclass(frozen=True, slots=True)
class Product:
    id: UUID
    name: str
    category: Category
    brand: str = ""
    inci: tuple[str, ...] = ()
    actives: tuple[Active, ...] = ()
    fragrance: bool = False
    essential_oils: bool = False
    alcohol_denat: bool = False
    physical_scrub: bool = False
    spf: int | None = None
    filter_type: FilterType | None = None
    exosome_source: ExosomeSource | None = None
    gmp_certified: bool | None = None
    # whether the maker prints a batch number / an expiry on the pack (None: unknown)
    batch_on_label: bool | None = None
    expiry_on_label: bool | None = None
    ph: float | None = None
    # washed off after use (None: cleansers are rinse-off, everything else stays on)
    rinse_off: bool | None = None


@dataclass(frozen=True, slots=True)
class ShelfItem:
    id: UUID
    product: Product
    added_on: date
    batch: str | None = None
    expires_on: date | None = None
    opened_on: date | None = None
    pao_months: int | None = None
    patch_test: PatchTest = PatchTest.pending
    # the day it joined the routine (S5): set, it is an established product that is never sent
    # back to a patch test or the introduction queue; None, onboarding.py schedules it
    introduced_on: date | None = None
    # when it was put on the shelf: the order a user added things in orders their introduction
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    sensitivity: Sensitivity = Sensitivity.medium
    conditions: frozenset[str] = frozenset()
    # "barrier" (a damaged skin barrier) is read by S6 and S7 (onboarding.py, sensitive_care.py)
    concerns: frozenset[str] = frozenset()
    pregnancy: Pregnancy = Pregnancy.none
    due_date: date | None = None
    # the first day that is no longer pregnant, as the user or a dermatologist recorded it (P9a):
    # the days before it keep the pregnancy rules whatever the state now says
    pregnancy_ended_on: date | None = None
    oral_medications: frozenset[str] = frozenset()
    retinoid_experience: RetinoidExperience = RetinoidExperience.none
    # lower-cased INCI names, active names or active classes the user refuses
    avoid_ingredients: frozenset[str] = frozenset()
    # Fitzpatrick skin type 1-6 as the user states it (never inferred); IV-VI lengthens the
    # retinoid pause before a procedure (PP1, procedures.py)
    fitzpatrick: int | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A dermatologist's instruction. The engine applies it and re-checks it against the guards."""

    id: UUID
    action: OverrideAction
    reason: str
    starts_on: date
    author_id: UUID
    author: str  # a display label for the author (the service passes their email)
    ends_on: date | None = None
    product_id: UUID | None = None
    # for `add`: the product being added (the service resolves it from the catalog)
    product: Product | None = None
    slot: Slot | None = None
    frequency: Frequency | None = None
    interval_days: int | None = None  # with Frequency.every_n_days
    weekdays: tuple[int, ...] = ()  # ISO weekdays 1..7, with Frequency.weekdays
    wait_after_seconds: int | None = None
    position: int | None = None  # for `reorder`: 1-based place in the slot
    patch_test_days: int | None = None  # for `shorten_patch_test`
    acknowledge_warning: bool = False

    def active_on(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

    @property
    def target(self) -> UUID | None:
        """The product it acts on: the product an `add` brings, else `product_id`."""
        return self.product.id if self.product is not None else self.product_id

    def falls_on(self, on: date) -> bool:
        """Whether its frequency (of an `add` or `set_frequency`) falls on `on`, counted from
        its start date."""
        days = (on - self.starts_on).days
        match self.frequency:
            case Frequency.alternate:
                return days % 2 == 0
            case Frequency.every_n_days:
                return days % (self.interval_days or 1) == 0
            case Frequency.weekdays:
                return on.isoweekday() in self.weekdays
            case _:
                return True

    def describe_frequency(self) -> str:
        match self.frequency:
            case Frequency.alternate:
                return f"alternate days from {self.starts_on}"
            case Frequency.every_n_days:
                return f"every {self.interval_days} days from {self.starts_on}"
            case Frequency.weekdays:
                names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
                return "on " + ", ".join(names[day - 1] for day in sorted(self.weekdays))
            case _:
                return "daily"


def latest_active(overrides: Sequence[Override], on: date) -> Override | None:
    """The most recently started override active on `on` (`overrides` sorted by start): where
    two dermatologists' instructions overlap, the later one stands."""
    found = None
    for override in overrides:
        if override.starts_on > on:
            break
        if override.active_on(on):
            found = override
    return found


@dataclass(frozen=True, slots=True)
class LogEntry:
    """What the user reported for one slot of one day."""

    on: date
    slot: Slot
    done: bool
    irritation: Irritation = Irritation.none


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Configurable defaults (grade U in RULES.md); a response labels them as such."""

    patch_test_days: int = 7
    # S2 allows 7-10 days: the longer test for reactive skin (high sensitivity, eczema, rosacea,
    # contact dermatitis), where a late reaction is likelier
    sensitive_patch_test_days: int = 10
    # S5: days between two new actives joining the routine
    introduction_days: int = 14
    exosome_wait_seconds: int = 60
    spf_set_seconds: int = 15 * 60
    tretinoin_dry_wait_seconds: int = 20 * 60
    # after a toner or essence, before another retinoid: dry skin (R2), the time is a default
    retinoid_dry_wait_seconds: int = 5 * 60
    default_wait_seconds: int = 30
    exfoliant_nights_per_week: int = 2
    sensitive_exfoliant_nights_per_week: int = 1
    severe_irritation_recovery_nights: int = 3
    # MK1: evenings a week for a face mask that is not an exfoliant (rotation.py)
    mask_nights_per_week: int = 2
    # --- procedure windows (PP1, PP5; procedures.py). PP1 gives ranges (3-7 days before,
    # 1-2 weeks with pigment risk); the picks within them and the windows RULES.md leaves open
    # (PRP/PRF, IPL, ablative "as the clinic says", waxing) are the safer defaults, in days.
    procedure_pause_days: int = 7
    procedure_pause_days_pigment: int = 14
    procedure_healing_days: tuple[tuple[str, int], ...] = (
        ("microneedling", 3),
        ("microneedling_prp", 3),
        ("prp", 3),
        ("prf", 3),
        ("chemical_peel:superficial", 3),
        ("chemical_peel:medium", 7),
        ("chemical_peel:deep", 14),
        ("laser_nonablative", 7),
        ("ipl", 7),
        ("laser_ablative", 14),
        ("dermabrasion", 14),
        ("waxing", 1),
    )
    # stepwise restart after the healing window: the retinoid on a shortened ramp for this many
    # days, exfoliants only this many days after the retinoid is back
    procedure_ramp_days: int = 14
    procedure_exfoliant_extra_days: int = 7
