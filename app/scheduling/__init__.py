"""The routine engine: a pure, deterministic library from profile + shelf + overrides + history
to a day's AM/PM plan, every decision explained by rule ids (RULES.md).

Where things live:
- rules.py: the rule catalogue (id -> text, source, grade).
- inputs.py / plan.py: the engine's inputs and outputs; what one override means (its target,
  its frequency, `latest_active`) is on the `Override` value.
- lexicon.py: the one ingredient lexicon: what the words on a label name (also the catalogue's
  product flags, `flags_from_inci`).
- classify.py: what a product is (retinoid kind, exfoliant, BPO, vitamin C, irritants...).
- candidates.py: the classified products the engine works with (shelf items, added products).
- guards.py: pregnancy, oral retinoids, conditions, avoid list, expiry, procedures.
- guard_screen.py: the guards run over a day's candidates with the overrides they allow, and the
  first date a product is usable (the retinoid grid's anchor).
- onboarding.py: how a new product joins: patch-test steps, one new active at a time, the basics
  never withheld (S2, S5, S6).
- sensitive_care.py: what reactive skin is told (S7).
- interactions.py: I1-I8, the slots a product may never take (L4, PP4, L5), and placement of
  products into the morning and evening.
- rotation.py: night types, the retinoid ramp, the history (R7 restarts), exfoliant nights
  (I10 spacing).
- retinoids.py: one retinoid at a time (R8), and the breaks in use that restart the beginner
  ramp (R7, `restarts_after_gaps`).
- spacing.py: at-home peels and the week without an exfoliant night (I10).
- cleansing.py: hydroquinone and peroxides (I11), a cleanse step in every routine (I12).
- layering.py: oil and balm cleansers, oil-based serums (L7).
- clinical.py: the clinical stage between the guard screen and placement (R8, I10, L7, I11),
  and the warnings after placement.
- ordering.py: step order within a slot, dermatologists' reorders.
- directions.py: amounts, waits and instructions for each step.
- alternatives.py: what could take an excluded product's role safely (ALT1).
- pregnancy_end.py: what a recorded end of pregnancy changes (P9a, R7).
- advisories.py: the day's warnings (sun protection, breastfeeding, exosome quality...).
- overrides.py: the overrides stage (which stand, which apply on a day) and `check_override`;
  no rule module imports it.
- procedures.py: in-clinic procedures (PP1-PP6): the pause before, the healing window after,
  the stepwise restart (the retinoid ramp's hook) and the spacing of a series.
- engine.py: `build_day` and `build_days`, composing the stages above.
"""

from app.scheduling.engine import build_day, build_days
from app.scheduling.inputs import (
    Active,
    ActiveClass,
    Category,
    EngineSettings,
    ExosomeSource,
    FilterType,
    Frequency,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    PatchTest,
    Pregnancy,
    Product,
    Profile,
    RetinoidExperience,
    Sensitivity,
    ShelfItem,
    Slot,
)
from app.scheduling.overrides import check_override
from app.scheduling.plan import (
    Alternative,
    AlternativeSource,
    DayPlan,
    Exclusion,
    Guard,
    NightType,
    OverrideNote,
    Step,
    StepKind,
    StepProduct,
    StepSource,
    Warning,
    WarningCode,
)
from app.scheduling.procedures import (
    PeelDepth,
    Procedure,
    ProcedureKind,
    Window,
    min_interval_days,
    series_advice,
    series_dates,
    too_close,
    window,
)
from app.scheduling.rules import RULES, Grade, Rule

__all__ = [
    "RULES",
    "Active",
    "ActiveClass",
    "Alternative",
    "AlternativeSource",
    "Category",
    "DayPlan",
    "EngineSettings",
    "Exclusion",
    "ExosomeSource",
    "FilterType",
    "Frequency",
    "Grade",
    "Guard",
    "Irritation",
    "LogEntry",
    "NightType",
    "Override",
    "OverrideAction",
    "OverrideNote",
    "PeelDepth",
    "PatchTest",
    "Pregnancy",
    "Product",
    "Procedure",
    "ProcedureKind",
    "Profile",
    "RetinoidExperience",
    "Rule",
    "Sensitivity",
    "ShelfItem",
    "Slot",
    "Step",
    "StepKind",
    "StepProduct",
    "StepSource",
    "Warning",
    "WarningCode",
    "Window",
    "build_day",
    "build_days",
    "check_override",
    "min_interval_days",
    "series_advice",
    "series_dates",
    "too_close",
    "window",
]
