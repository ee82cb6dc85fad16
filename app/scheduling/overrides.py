"""Dermatologist overrides as one stage: which stand, which apply on a day (`DayOverrides`,
grouped by what they act on), and what none may change. What one override means (its target,
whether its frequency falls on a date, how it reads) is on the `Override` value itself
(inputs.py), so the rule modules never import this one; the engine hands them the day's
overrides.

`check_override` is the one validity check, used by the API (refuse with 422 before storing) and
by the engine (a malformed override is ignored with a warning). Validity codes:

- missing_reason, invalid_window, missing_product, missing_frequency, invalid_frequency,
  missing_wait, missing_position, missing_patch_test_days: the override is incomplete;
- guard_not_overridable: the product is kept out by a guard no override lifts (P1 with an oral
  retinoid, P4, P7, conditions, the avoid list, P10; O2);
- warning_not_acknowledged: P2, P3 or P9 may be confirmed only with an acknowledged warning (O2);
- nothing_to_confirm: a `confirm` for a product no guard keeps out;
- retinoid_in_am (L4), exfoliant_in_am (PP4, SUN3), sunscreen_in_pm (L5): the slot is forbidden;
- spf_must_be_last: a `reorder` may not move the sunscreen (L5).

Overrides are re-checked by the guards every day: an override can place, time or order a product,
never bring one back that a guard keeps out, unless it is a confirmable guard and acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from app.scheduling.classify import Traits, classify
from app.scheduling.guards import Hit, facts, pregnancy_on, static_hits
from app.scheduling.inputs import (
    Frequency,
    Override,
    OverrideAction,
    Product,
    Profile,
    Slot,
)
from app.scheduling.interactions import forbidden_slot, slot_violation

Action = OverrideAction

_NEEDS_PRODUCT_ID = frozenset(
    {
        Action.remove,
        Action.set_frequency,
        Action.set_wait,
        Action.reorder,
        Action.confirm,
        Action.shorten_patch_test,
    }
)


def check_override(
    profile: Profile, override: Override, product: Product | None = None
) -> list[str]:
    """Why an override cannot stand, as sorted violation codes ([] when it is valid).

    `product` is the product the override names (the service resolves `product_id`); an `add`
    carries its own. Without a product only the shape of the override is checked.
    """
    codes = set(structural_violations(override))
    named = override.product or product
    if named is not None:
        traits = classify(named)
        hits = static_hits(traits, facts(profile), pregnancy_on(profile, override.starts_on))
        codes.update(product_violations(override, traits, hits))
    return sorted(codes)


def structural_violations(override: Override) -> tuple[str, ...]:
    codes: list[str] = []
    if not override.reason.strip():
        codes.append("missing_reason")
    if override.ends_on is not None and override.ends_on < override.starts_on:
        codes.append("invalid_window")
    action = override.action
    if action is Action.add and override.product is None and override.product_id is None:
        codes.append("missing_product")
    if action in _NEEDS_PRODUCT_ID and override.product_id is None:
        codes.append("missing_product")
    if action is Action.set_frequency and override.frequency is None:
        codes.append("missing_frequency")
    if not _frequency_valid(override):
        codes.append("invalid_frequency")
    if action is Action.set_wait and (
        override.wait_after_seconds is None or override.wait_after_seconds < 0
    ):
        codes.append("missing_wait")
    if action is Action.reorder and (override.position is None or override.position < 1):
        codes.append("missing_position")
    if action is Action.shorten_patch_test and (
        override.patch_test_days is None or override.patch_test_days < 0
    ):
        codes.append("missing_patch_test_days")
    return tuple(codes)


def _frequency_valid(override: Override) -> bool:
    if override.frequency is Frequency.every_n_days:
        return override.interval_days is not None and override.interval_days >= 1
    if override.frequency is Frequency.weekdays:
        return bool(override.weekdays) and all(1 <= day <= 7 for day in override.weekdays)
    return True


def product_violations(override: Override, traits: Traits, hits: Sequence[Hit]) -> tuple[str, ...]:
    """The checks that need the product: its guards (`hits`, from `static_hits`) and its slot."""
    codes: list[str] = []
    if override.action in (Action.add, Action.confirm):
        confirmable = [hit for hit in hits if hit.confirmable]
        # a guard no override lifts keeps the product out whatever else is confirmed
        if len(confirmable) < len(hits):
            codes.append("guard_not_overridable")
        if confirmable and not override.acknowledge_warning:
            codes.append("warning_not_acknowledged")
        if override.action is Action.confirm and not hits:
            codes.append("nothing_to_confirm")
    if override.action is Action.add and override.slot is not None:
        code = slot_violation(traits, override.slot)
        if code is not None:
            codes.append(code)
    if override.action is Action.reorder and traits.sunscreen:
        codes.append("spf_must_be_last")
    return tuple(codes)


def slot_hit(traits: Traits, slot: Slot, override: Override) -> Hit | None:
    hit = forbidden_slot(traits, slot)
    return None if hit is None else replace(hit, slot=slot, override=override)


def sort_overrides(overrides: Sequence[Override]) -> tuple[Override, ...]:
    return tuple(sorted(overrides, key=lambda o: (o.starts_on, str(o.id))))


@dataclass(frozen=True, slots=True)
class DayOverrides:
    """The valid overrides active on one day, by what they act on (product ids). Where two of a
    kind name the same product, the one that started last wins."""

    adds: dict[UUID, Override] = field(default_factory=dict)
    removes: dict[UUID, list[Override]] = field(default_factory=dict)
    confirms: dict[UUID, Override] = field(default_factory=dict)
    frequencies: dict[UUID, Override] = field(default_factory=dict)
    waits: dict[UUID, Override] = field(default_factory=dict)
    reorders: list[Override] = field(default_factory=list)
    shortens: dict[UUID, Override] = field(default_factory=dict)
    pauses: list[Override] = field(default_factory=list)

    def shaping(self, product_id: UUID) -> Override | None:
        """The override a step names as its source, by how much it shapes the step (a reorder
        is named by the ordering, see ordering.apply_reorders)."""
        for table in (self.adds, self.confirms, self.frequencies, self.waits):
            if product_id in table:
                return table[product_id]
        return None

    def frequency(self, product_id: UUID) -> Override | None:
        found = self.frequencies.get(product_id)
        if found is None:
            add = self.adds.get(product_id)
            if add is not None and add.frequency is not None:
                found = add
        return found


def day_overrides(valid: Sequence[Override], on: date) -> DayOverrides:
    """Group the valid overrides (sorted by start) that are active on `on`."""
    day = DayOverrides()
    for override in valid:
        if override.starts_on > on:
            break
        if not override.active_on(on):
            continue
        product_id = override.target
        match override.action:
            case Action.pause:
                day.pauses.append(override)
            case Action.reorder:
                day.reorders.append(override)
            case _ if product_id is None:
                continue
            case Action.add:
                day.adds[product_id] = override
            case Action.remove:
                day.removes.setdefault(product_id, []).append(override)
            case Action.confirm:
                day.confirms[product_id] = override
            case Action.set_frequency:
                day.frequencies[product_id] = override
            case Action.set_wait:
                day.waits[product_id] = override
            case Action.shorten_patch_test:
                day.shortens[product_id] = override
    return day
