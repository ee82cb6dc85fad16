"""The routine engine: a pure, deterministic library from profile + shelf + overrides + history
to a day's AM/PM plan, every decision explained by rule ids (RULES.md).

Where things live:
- rules.py: the rule catalogue (id -> text, source, grade).
- inputs.py / plan.py: the engine's inputs and outputs.
- classify.py: what a product is (retinoid kind, exfoliant, BPO, vitamin C, irritants...).
- candidates.py: the classified products the engine works with.
- guards.py: pregnancy, oral retinoids, conditions, avoid list, expiry, patch test, procedures.
- interactions.py: I1-I8 and placement of products into the morning and evening.
- rotation.py: night types, the retinoid ramp, the history, exfoliant nights.
- ordering.py: step order within a slot, dermatologists' reorders.
- directions.py: amounts, waits and instructions for each step.
- advisories.py: the day's warnings (sun protection, breastfeeding, exosome quality...).
- overrides.py: dermatologist overrides and `check_override`.
- engine.py: `build_day` and `build_days`, composing the above.
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
)
from app.scheduling.rules import RULES, Grade, Rule

__all__ = [
    "RULES",
    "Active",
    "ActiveClass",
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
    "PatchTest",
    "Pregnancy",
    "Product",
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
    "build_day",
    "build_days",
    "check_override",
]
