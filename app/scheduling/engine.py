"""The engine: one day's plan, or a range of them, from the profile, the shelf, the overrides and
the log history. Pure and deterministic: no clock, no I/O, no randomness.

For each day: the guards sort the shelf into usable products and exclusions (overrides are
applied and re-checked here), the rotation names the night, placement fills the slots, ordering
and directions turn them into steps, and every product on the shelf ends up either in a step or
in `excluded` with its reason. Work that does not depend on the date (classification, static
guards per pregnancy state, the retinoid grid and the history) is done once per call, so
`build_days` shares it across the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from uuid import UUID

from app.scheduling.advisories import day_advisories
from app.scheduling.bounds import bounded, plan_for
from app.scheduling.classify import Traits
from app.scheduling.directions import DayNotes, steps_for
from app.scheduling.guards import (
    Hit,
    dated_hits,
    facts,
    first_patch_ready,
    needs_patch_test,
    pregnancy_on,
    profile_warnings,
    sensitive,
    static_hits,
)
from app.scheduling.inputs import (
    EngineSettings,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    Pregnancy,
    Profile,
    RetinoidExperience,
    ShelfItem,
    Slot,
)
from app.scheduling.interactions import Option, Tonight, place
from app.scheduling.ordering import apply_reorders, arrange
from app.scheduling.overrides import (
    DayOverrides,
    day_overrides,
    describe_frequency,
    latest_active,
    note,
    product_of,
    scheduled,
    slot_hit,
    sort_overrides,
    structural_violations,
)
from app.scheduling.plan import DayPlan, Exclusion, Guard, NightType, Step, Warning
from app.scheduling.rotation import Rotation, build_rotation, pick_exfoliant, pick_retinoid
from app.scheduling.rules import DEFAULT
from app.scheduling.shelf import Candidate, candidate

_GUARD_ORDER = {guard: index for index, guard in enumerate(Guard)}
# The warnings a user must see first: P1 above everything.
_WARNING_ORDER = {
    "oral_retinoid_pregnancy": 0,
    "oral_retinoid": 1,
    "severe_irritation": 2,
    "override_confirmed": 3,
}
_CONFIRMING = (OverrideAction.confirm, OverrideAction.add)


def build_day(
    profile: Profile,
    shelf: Sequence[ShelfItem],
    overrides: Sequence[Override],
    on: date,
    history: Sequence[LogEntry] = (),
    settings: EngineSettings = EngineSettings(),
) -> DayPlan:
    profile, shelf, overrides, history = bounded(profile, shelf, overrides, history)
    return plan_for(_Planner(profile, shelf, overrides, history, settings), on)


def build_days(
    profile: Profile,
    shelf: Sequence[ShelfItem],
    overrides: Sequence[Override],
    start: date,
    end: date,
    history: Sequence[LogEntry] = (),
    settings: EngineSettings = EngineSettings(),
) -> list[DayPlan]:
    """The plans from `start` to `end`, both included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    profile, shelf, overrides, history = bounded(profile, shelf, overrides, history)
    planner = _Planner(profile, shelf, overrides, history, settings)
    return [plan_for(planner, start + timedelta(days=k)) for k in range((end - start).days + 1)]


class _Planner:
    """Holds what one engine call shares across its days."""

    def __init__(
        self,
        profile: Profile,
        shelf: Sequence[ShelfItem],
        overrides: Sequence[Override],
        history: Sequence[LogEntry],
        settings: EngineSettings,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.sensitive = sensitive(profile)
        self.facts = facts(profile)
        self.shelf = sorted(
            (candidate(item.product, item=item, added_by=None) for item in shelf),
            key=lambda c: c.sort_key,
        )
        on_shelf = {c.product.id for c in self.shelf}
        ordered = sort_overrides(overrides)
        self.added = [
            candidate(o.product, item=None, added_by=o)
            for o in ordered
            if o.action is OverrideAction.add
            and o.product is not None
            and o.product.id not in on_shelf
            and not structural_violations(o)
        ]
        self.candidates = (*self.shelf, *self.added)
        traits = {c.product.id: c.traits for c in self.candidates}
        refusals = [(o, _refusals(o, traits)) for o in ordered]
        self.ignored = [(o, codes) for o, codes in refusals if codes]
        self.overrides = tuple(o for o, codes in refusals if not codes)
        self.touched = {pid for o in self.overrides if (pid := product_of(o)) is not None}
        self._static: dict[Pregnancy, list[tuple[Hit, ...]]] = {}
        self._profile_warnings: dict[tuple[Pregnancy, bool], list[Warning]] = {}
        self.rotation = self._rotation(traits, history)
        nights = settings.mask_nights_per_week
        self._off_mask_night = (
            f"Not a mask night: a face mask takes up to {nights} "
            f"evening{'' if nights == 1 else 's'} a week, never a retinoid or exfoliant night "
            f"({DEFAULT})."
        )

    # --- shared across days ---------------------------------------------------------------

    def _rotation(self, traits: dict[UUID, Traits], history: Sequence[LogEntry]) -> Rotation:
        """Frequencies a dermatologist set on a retinoid or an exfoliant time the rotation."""
        timed: list[tuple[Override, Traits]] = []
        for o in self.overrides:
            pid = product_of(o)
            found = traits.get(pid) if pid is not None else None
            if found is not None and (
                o.action is OverrideAction.set_frequency
                or (o.action is OverrideAction.add and o.frequency is not None)
            ):
                timed.append((o, found))
        return build_rotation(
            profile=self.profile,
            anchor=self._retinoid_anchor(),
            history=history,
            retinoid_plans=tuple(o for o, t in timed if t.retinoid is not None),
            exfoliant_plans=tuple(o for o, t in timed if t.timed_exfoliant and t.retinoid is None),
            settings=self.settings,
            # mask nights keep off exfoliant nights only when an exfoliant can take them (MK1)
            exfoliating=any(
                c.traits.timed_exfoliant
                and c.traits.retinoid is None
                and self._first_usable(c) is not None
                for c in self.candidates
            ),
        )

    def _retinoid_anchor(self) -> date | None:
        """The first date any retinoid can be used (rotation.py: the grid's anchor)."""
        starts = [
            start
            for c in self.candidates
            if c.traits.retinoid is not None and (start := self._first_usable(c)) is not None
        ]
        return min(starts, default=None)

    def _first_usable(self, c: Candidate) -> date | None:
        """When the static guards and the patch test first let the product in, if ever."""
        start = c.since
        if c.item is not None and needs_patch_test(c.item, c.traits):
            shortens = [
                o
                for o in self.overrides
                if o.action is OverrideAction.shorten_patch_test and o.product_id == c.product.id
            ]
            start = first_patch_ready(c.item, self.settings, shortens)
        hits = static_hits(c.traits, self.facts, self.profile.pregnancy)
        if not hits:
            return start
        options = []
        due = self.profile.due_date
        if (
            self.profile.pregnancy is Pregnancy.pregnant
            and due is not None
            and not static_hits(c.traits, self.facts, Pregnancy.none)
        ):
            options.append(due + timedelta(days=1))
        if all(hit.confirmable for hit in hits):
            options.extend(
                o.starts_on
                for o in self.overrides
                if o.action in _CONFIRMING
                and product_of(o) == c.product.id
                and o.acknowledge_warning
            )
        return max(start, min(options)) if options else None

    # --- one day ----------------------------------------------------------------------------

    def day(self, on: date) -> DayPlan:
        state = pregnancy_on(self.profile, on)
        overrides = day_overrides(self.overrides, on)
        screen = self._screen(on, state, overrides)
        tonight = self._tonight(on, screen.options)
        placement = place(screen.options, tonight)
        notes = self._notes(on, state, tonight, overrides, screen)
        am = self._slot_steps(Slot.am, placement.am, overrides, notes)
        pm = self._slot_steps(Slot.pm, placement.pm, overrides, notes)

        # nothing leaves silently: a usable product that got no step says why
        left_out = {**screen.left_out, **placement.left_out}
        used = {*placement.am, *placement.pm}
        excluded = screen.excluded
        for c in screen.present:
            if c not in used and c in left_out:
                excluded.append(_exclusion(c, left_out[c]))
        warnings = [*self._warnings_for_profile(on, state), *screen.warnings]
        warnings.extend(
            day_advisories(
                state=state,
                in_use=screen.in_use,
                used=[c for c in screen.present if c in used],
                irritation=self.rotation.recovery.get(on),
                recovery_until=self.rotation.recovery_until(on),
                on=on,
                settings=self.settings,
            )
        )
        warnings.extend(
            Warning(
                code="override_ignored",
                message=(
                    f"{o.author_name}'s {o.action.value} override was not applied: "
                    f"{', '.join(codes)}."
                ),
                rule_id="O3",
            )
            for o, codes in self.ignored
            if o.active_on(on)
        )
        return _plan(on, tonight.night, am, pm, excluded, warnings)

    def _screen(self, on: date, state: Pregnancy, overrides: DayOverrides) -> _Screen:
        """Run every guard over the day's products and apply the overrides they allow."""
        screen = _Screen()
        for c, static in zip(self.candidates, self._static_for(state), strict=True):
            pid = c.product.id
            touched = pid in self.touched
            add = overrides.adds.get(pid) if touched else None
            if c.added_by is not None and add is not c.added_by:
                continue  # a dermatologist-added product exists while its override runs
            if c.since > on:
                continue  # not on the shelf yet
            screen.present.append(c)
            hits = [
                *static,
                *dated_hits(
                    c,
                    on,
                    self.settings,
                    shorten=overrides.shortens.get(pid) if touched else None,
                    pauses=overrides.pauses,
                ),
            ]
            slots, once = c.traits.slots, c.traits.once
            lifted: tuple[Hit, ...] = ()
            acknowledging = None
            if touched:
                hits.extend(_removal(o) for o in overrides.removes.get(pid, ()))
                if add is not None and add.slot is not None:
                    slots, once = (add.slot,), False
                    forbidden = slot_hit(c.traits, add.slot, add)
                    if forbidden is not None:
                        hits.append(forbidden)
                acknowledging = overrides.confirms.get(pid) or add
                hits, lifted = _confirm(hits, acknowledging)
            screen.excluded.extend(_exclusion(c, hit) for hit in hits)
            closed = {hit.slot for hit in hits}
            slots = tuple(slot for slot in slots if slot not in closed)
            if None in closed or not slots:
                continue
            if lifted and acknowledging is not None:
                screen.confirmed[pid] = (acknowledging, lifted)
                screen.warnings.append(_confirmation_warning(c, acknowledging, lifted))
            screen.in_use.append(c)
            frequency = overrides.frequency(pid) if touched else None
            timed_by_rotation = c.traits.retinoid is not None or c.traits.timed_exfoliant
            if frequency is not None and not timed_by_rotation and not scheduled(frequency, on):
                screen.left_out[c] = Hit(
                    Guard.override,
                    "O3",
                    f"Not today: {frequency.author_name} set it {describe_frequency(frequency)}.",
                    override=frequency,
                )
                continue
            if (
                frequency is None
                and c.traits.weekly_mask
                and Slot.pm in slots
                and not self.rotation.mask_planned(on)
            ):
                # not tonight rather than excluded: said like the frequency above, so that
                # nothing leaves silently
                screen.left_out[c] = Hit(Guard.conflict, "MK1", self._off_mask_night)
                continue
            screen.options.append(Option(c, slots, once, added=add is not None))
        return screen

    def _static_for(self, state: Pregnancy) -> list[tuple[Hit, ...]]:
        """Static guard hits per candidate (in `self.candidates` order) for a pregnancy state."""
        found = self._static.get(state)
        if found is None:
            found = self._static[state] = [
                static_hits(c.traits, self.facts, state) for c in self.candidates
            ]
        return found

    def _warnings_for_profile(self, on: date, state: Pregnancy) -> list[Warning]:
        key = (state, state is not self.profile.pregnancy)
        found = self._profile_warnings.get(key)
        if found is None:
            found = self._profile_warnings[key] = profile_warnings(self.facts, on)
        return found

    def _tonight(self, on: date, options: Sequence[Option]) -> Tonight:
        evening = [o.candidate for o in options if Slot.pm in o.slots]
        retinoids = [c for c in evening if c.traits.retinoid is not None]
        exfoliants = [c for c in evening if c.traits.timed_exfoliant and c.traits.retinoid is None]
        exosome = any(c.traits.exosome for c in evening)
        night = self.rotation.night(
            on, retinoid=bool(retinoids), exfoliant=bool(exfoliants), exosome=exosome
        )
        featured = None
        if night is NightType.retinoid:
            plan = latest_active(self.rotation.retinoid_plans, on)
            featured = pick_retinoid(retinoids, self.profile, plan)
        elif night is NightType.exfoliant:
            plan = latest_active(self.rotation.exfoliant_plans, on)
            featured = pick_exfoliant(exfoliants, on, plan)
        return Tonight(
            night=night,
            featured=featured,
            sensitive=self.sensitive,
            rest_day=self.rotation.recovery.get(on) is Irritation.severe,
        )

    def _notes(
        self,
        on: date,
        state: Pregnancy,
        tonight: Tonight,
        overrides: DayOverrides,
        screen: _Screen,
    ) -> DayNotes:
        ramp_note, acclimatising = None, False
        if tonight.night is NightType.retinoid:
            plan = latest_active(self.rotation.retinoid_plans, on)
            grid = self.rotation.grid
            if plan is not None:
                ramp_note = f"Timed by {plan.author_name}: {describe_frequency(plan)}."
            elif grid is not None:
                stage = grid.stage_on(on)
                ramp_note = f"{grid.ramp.describe(stage)} (R1)."
                acclimatising = grid.ramp.acclimatising(stage)
        return DayNotes(
            night=tonight.night,
            settings=self.settings,
            pregnant=state is Pregnancy.pregnant,
            sensitive=self.sensitive,
            experienced=self.profile.retinoid_experience is RetinoidExperience.experienced,
            ramp_note=ramp_note,
            acclimatising=acclimatising,
            shaping={
                pid: found
                for c in screen.in_use
                if (pid := c.product.id) in self.touched
                and (found := overrides.shaping(pid)) is not None
            },
            waits=overrides.waits,
            confirmed=screen.confirmed,
        )

    def _slot_steps(
        self,
        slot: Slot,
        placed: Sequence[Candidate],
        overrides: DayOverrides,
        notes: DayNotes,
    ) -> tuple[Step, ...]:
        ordered, moved = apply_reorders(slot, arrange(slot, placed), overrides.reorders)
        return steps_for(slot, ordered, notes, moved)


@dataclass
class _Screen:
    """One day's products after the guards and the overrides."""

    present: list[Candidate] = field(default_factory=list)  # on the shelf that day
    in_use: list[Candidate] = field(default_factory=list)  # not excluded
    options: list[Option] = field(default_factory=list)  # offered to placement
    excluded: list[Exclusion] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    left_out: dict[Candidate, Hit] = field(default_factory=dict)
    confirmed: dict[UUID, tuple[Override, tuple[Hit, ...]]] = field(default_factory=dict)


def _removal(override: Override) -> Hit:
    return Hit(
        Guard.override,
        "O3",
        f"Removed by {override.author_name}: {override.reason}",
        slot=override.slot,
        override=override,
    )


def _refusals(override: Override, traits: dict[UUID, Traits]) -> tuple[str, ...]:
    """Why the engine cannot apply an override at all; the guards judge the rest each day."""
    codes = structural_violations(override)
    if codes:
        return codes
    target = product_of(override)
    if override.action is OverrideAction.add and target not in traits:
        return ("missing_product",)  # the service did not resolve the product
    found = traits.get(target) if target is not None else None
    if override.action is OverrideAction.reorder and found is not None and found.sunscreen:
        return ("spf_must_be_last",)  # L5: the sunscreen stays last
    return ()


def _confirm(hits: list[Hit], acknowledging: Override | None) -> tuple[list[Hit], tuple[Hit, ...]]:
    """Lift the confirmable guards (P2, P3, P9) for an override with an acknowledged warning
    (O2). Without the acknowledgement they stay, and the exclusion names the override."""
    if acknowledging is None or not any(hit.confirmable for hit in hits):
        return hits, ()
    if acknowledging.acknowledge_warning:
        return [hit for hit in hits if not hit.confirmable], tuple(
            hit for hit in hits if hit.confirmable
        )
    return [
        replace(
            hit,
            reason=f"{hit.reason} A confirmation needs an acknowledged warning (O2).",
            override=acknowledging,
        )
        if hit.confirmable
        else hit
        for hit in hits
    ], ()


def _confirmation_warning(c: Candidate, by: Override, lifted: tuple[Hit, ...]) -> Warning:
    rules = ", ".join(hit.rule_id for hit in lifted)
    return Warning(
        code="override_confirmed",
        message=(
            f"{by.author_name} confirmed {c.name} despite {rules} ({by.reason}); this is a "
            "recorded warning."
        ),
        rule_id="O2",
    )


def _exclusion(c: Candidate, hit: Hit) -> Exclusion:
    by = hit.override or c.added_by
    return Exclusion(
        product=c.step_product,
        reason=hit.reason,
        rule_id=hit.rule_id,
        guard=hit.guard,
        slot=hit.slot,
        override=note(by) if by is not None else None,
    )


def _plan(
    on: date,
    night: NightType,
    am: tuple[Step, ...],
    pm: tuple[Step, ...],
    excluded: list[Exclusion],
    warnings: list[Warning],
) -> DayPlan:
    excluded.sort(
        key=lambda e: (
            e.product.name.casefold(),
            e.product.name,
            e.product.id.int,
            _GUARD_ORDER[e.guard],
            e.rule_id,
            e.slot or "",
            e.reason,
        )
    )
    warnings.sort(key=lambda w: (_WARNING_ORDER.get(w.code, 9), w.code, w.message))
    cited = {rule for step in (*am, *pm) for rule in step.rule_ids}
    cited.update(e.rule_id for e in excluded)
    cited.update(w.rule_id for w in warnings if w.rule_id is not None)
    return DayPlan(
        on=on,
        night_type=night,
        am=am,
        pm=pm,
        excluded=tuple(excluded),
        warnings=tuple(warnings),
        rule_ids=tuple(sorted(cited)),
    )
