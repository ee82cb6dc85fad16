"""The engine: one day's plan, or a range of them, from the profile, the shelf, the overrides and
the log history. Pure and deterministic: no clock, no I/O, no randomness.

For each day, in stages: the day's overrides are gathered (overrides.py), the guard screen sorts
the candidates into usable products and exclusions and applies the overrides the guards allow
(guard_screen.py), the rotation names the night, placement fills the slots, ordering
and directions turn them into steps, and every product on the shelf ends up either in a step or
in `excluded` with its reason. Work that does not depend on the date (classification, static
guards per pregnancy state, the retinoid grid and the history) is done once per call, so
`build_days` shares it across the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

from app.scheduling.advisories import day_advisories
from app.scheduling.alternatives import Alternatives, Catalog
from app.scheduling.bounds import bounded, plan_for
from app.scheduling.candidates import Candidate, candidate
from app.scheduling.classify import Exfoliation, Traits
from app.scheduling.clinical import after_placement, narrow
from app.scheduling.directions import DayNotes, steps_for
from app.scheduling.guard_screen import DayScreen, GuardScreen, exclusion
from app.scheduling.guards import (
    due_date_passed,
    facts,
    pregnancy_on,
    profile_warnings,
    sensitive,
)
from app.scheduling.inputs import (
    EngineSettings,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    Pregnancy,
    Product,
    Profile,
    RetinoidExperience,
    ShelfItem,
    Slot,
    latest_active,
)
from app.scheduling.interactions import Option, Tonight, place
from app.scheduling.onboarding import (
    barrier_care,
    first_days,
    onboarding_warnings,
    patch_test_steps,
    with_patch_tests,
)
from app.scheduling.ordering import apply_reorders, arrange
from app.scheduling.overrides import (
    DayOverrides,
    day_overrides,
    sort_overrides,
    structural_violations,
)
from app.scheduling.plan import (
    DayPlan,
    Exclusion,
    Guard,
    NightType,
    Step,
    Warning,
)
from app.scheduling.pregnancy_end import ramp_profile
from app.scheduling.procedures import Procedure, ProcedureWindows
from app.scheduling.retinoids import Window, restarts_after_gaps, usable_window
from app.scheduling.rotation import (
    Rotation,
    build_rotation,
    pick_exfoliant,
    pick_retinoid,
    restart_note,
)
from app.scheduling.rules import plain
from app.scheduling.sensitive_care import fragrance_notes, moisturiser_warnings

_GUARD_ORDER = {guard: index for index, guard in enumerate(Guard)}
# The warnings a user must see first: P1 above everything.
_WARNING_ORDER = {
    "oral_retinoid_pregnancy": 0,
    "oral_retinoid": 1,
    "severe_irritation": 2,
    "override_confirmed": 3,
}


def build_day(
    profile: Profile,
    shelf: Sequence[ShelfItem],
    overrides: Sequence[Override],
    on: date,
    history: Sequence[LogEntry] = (),
    settings: EngineSettings = EngineSettings(),
    *,
    catalog: Catalog | Sequence[Product] = (),
    procedures: Sequence[Procedure] = (),
) -> DayPlan:
    """`catalog`: products an exclusion may name as alternatives (ALT1), never planned; a
    `Catalog` built once per catalog version spares classifying them on every call.
    `procedures`: in-clinic sessions, with the windows around them (PP1-PP6)."""
    profile, shelf, overrides, history = bounded(profile, shelf, overrides, history)
    planner = _Planner(profile, shelf, overrides, history, settings, catalog, procedures)
    return plan_for(planner, on)


def build_days(
    profile: Profile,
    shelf: Sequence[ShelfItem],
    overrides: Sequence[Override],
    start: date,
    end: date,
    history: Sequence[LogEntry] = (),
    settings: EngineSettings = EngineSettings(),
    *,
    catalog: Catalog | Sequence[Product] = (),
    procedures: Sequence[Procedure] = (),
) -> list[DayPlan]:
    """The plans from `start` to `end`, both included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    profile, shelf, overrides, history = bounded(profile, shelf, overrides, history)
    planner = _Planner(profile, shelf, overrides, history, settings, catalog, procedures)
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
        catalog: Catalog | Sequence[Product] = (),
        procedures: Sequence[Procedure] = (),
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.sensitive = sensitive(profile)
        self.facts = facts(profile)
        self.alternatives = Alternatives(catalog, self.facts)
        self.shelf = sorted(
            (candidate(item.product, item=item, added_by=None) for item in shelf),
            key=lambda c: c.sort_key,
        )
        # the overrides stage, once per call: which overrides stand (the rest are reported, O3)
        # and the products an `add` brings; each day then takes the ones active that day
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
        # procedures (PP1-PP5): their windows screen products, and the retinoid ramp restarts
        # after each healing window (procedures.py)
        self.windows = ProcedureWindows(procedures, profile, settings, self.facts.oral_retinoid)
        self.guards = GuardScreen(
            profile, self.facts, self.candidates, self.overrides, settings, self.windows
        )
        self.touched = self.guards.touched
        self._profile_warnings: dict[tuple[Pregnancy, bool, bool], list[Warning]] = {}
        self.barrier_care = barrier_care(profile)  # S6, S7
        self.joined = {c: intro.joins_on for c, intro in self.guards.intros.items()}
        self.rotation = self._rotation(traits, history)
        if self.windows:
            self.rotation = self.windows.restart_rotation(self.rotation)

    # --- shared across days ---------------------------------------------------------------

    def _rotation(self, traits: dict[UUID, Traits], history: Sequence[LogEntry]) -> Rotation:
        """Frequencies a dermatologist set on a retinoid or an exfoliant time the rotation."""
        timed: list[tuple[Override, Traits]] = []
        for o in self.overrides:
            pid = o.target
            found = traits.get(pid) if pid is not None else None
            if found is not None and (
                o.action is OverrideAction.set_frequency
                or (o.action is OverrideAction.add and o.frequency is not None)
            ):
                timed.append((o, found))
        anchor = self._retinoid_anchor()
        # R7: a retinoid that starts after a recorded end of pregnancy starts on the beginner ramp
        self.profile = ramp_profile(self.profile, anchor)
        return build_rotation(
            profile=self.profile,
            anchor=anchor,
            history=history,
            retinoid_plans=tuple(o for o, t in timed if t.retinoid is not None),
            exfoliant_plans=tuple(o for o, t in timed if t.timed_exfoliant and t.retinoid is None),
            settings=self.settings,
            breaks=self._retinoid_breaks(),
            # mask nights keep off exfoliant nights only when an exfoliant can take them (MK1)
            exfoliating=any(
                c.traits.timed_exfoliant
                and c.traits.retinoid is None
                and self.guards.first_usable(c) is not None
                for c in self.candidates
            ),
        )

    def _retinoid_anchor(self) -> date | None:
        """The first date any retinoid can be used (rotation.py: the grid's anchor)."""
        starts = [
            start
            for c in self.candidates
            if c.traits.retinoid is not None and (start := self.guards.first_usable(c)) is not None
        ]
        return min(starts, default=None)

    def _retinoid_breaks(self) -> tuple[date, ...]:
        """R7: the dates a retinoid is usable again after 4 weeks or more without any: each
        retinoid's span from its first usable day to its expiry, less pauses and evening
        removals (retinoids.restarts_after_gaps)."""
        windows: list[Window] = []
        for c in self.candidates:
            if c.traits.retinoid is None:
                continue
            first = self.guards.first_usable(c)
            if first is None:
                continue
            ends = [
                day
                for day in (
                    c.item.expires_on if c.item is not None else None,
                    c.opened_until,
                    c.added_by.ends_on if c.added_by is not None else None,
                )
                if day is not None
            ]
            blocked = [
                (o.starts_on, o.ends_on)
                for o in self.overrides
                if (o.action is OverrideAction.pause and o.product_id in (None, c.product.id))
                or (
                    o.action is OverrideAction.remove
                    and o.product_id == c.product.id
                    and o.slot is not Slot.am  # a retinoid is an evening product (L4)
                )
            ]
            windows.extend(usable_window(first, min(ends, default=None), blocked))
        return restarts_after_gaps(windows)

    # --- one day ----------------------------------------------------------------------------

    def day(self, on: date) -> DayPlan:
        state = pregnancy_on(self.profile, on)
        # the overrides stage: the valid overrides active today, by what they act on
        overrides = day_overrides(self.overrides, on)
        screen = self.guards.day(on, state, overrides, self.rotation)
        # the clinical stage: R8, I10 peels, L7 double cleanse, I11 split (clinical.py)
        narrowed = narrow(on, screen.options, self.rotation, self.profile)
        screen.left_out.update(narrowed.held)
        tonight = self._tonight(on, narrowed.options)
        if self.windows and self.windows.recovery(on):
            tonight = replace(tonight, night=NightType.recovery, featured=None)  # PP5
        placement = place(narrowed.options, tonight)
        notes = self._notes(on, state, tonight, overrides, screen)
        am = self._slot_steps(Slot.am, placement.am, overrides, notes, screen)
        pm = self._slot_steps(Slot.pm, placement.pm, overrides, notes, screen)
        if self.windows:  # the day of a procedure follows the clinic (PP5)
            am = self.windows.procedure_day_steps(on, am)
            pm = self.windows.procedure_day_steps(on, pm)

        # nothing leaves silently: a usable product that got no step says why
        left_out = {**screen.left_out, **placement.left_out}
        used = {*placement.am, *placement.pm}
        excluded = screen.excluded
        for c in screen.present:
            if c not in used and c in left_out:
                excluded.append(exclusion(c, left_out[c]))
        excluded = self.alternatives.attach(
            excluded,
            on=on,
            state=state,
            present=screen.present,
            in_use=screen.in_use,
            in_plan={step.product.id for step in (*am, *pm)},
            pauses=overrides.pauses,
            removes=overrides.removes,
        )
        warnings = [*self._warnings_for_profile(on, state), *screen.warnings]
        warnings.extend(onboarding_warnings(screen.untested))
        if self.barrier_care:
            warnings.extend(moisturiser_warnings(screen.in_use))
        warnings.extend(
            day_advisories(
                state=state,
                in_use=screen.in_use,
                used=[c for c in screen.present if c in used],
                irritation=self.rotation.recovery.get(on),
                recovery_until=self.rotation.recovery_until(on),
                on=on,
                settings=self.settings,
                joined=self.joined,
            )
        )
        warnings.extend(after_placement(on, narrowed.options, placement, tonight, self.rotation))
        if self.windows:  # procedure_window, PP2, PP4 after a paused AHA (procedures.py)
            warnings.extend(
                self.windows.warnings(
                    on,
                    excluded,
                    [c for c in screen.present if c in used],
                    had_aha=any(Exfoliation.aha in c.traits.exfoliation for c in screen.present),
                )
            )
        warnings.extend(
            Warning(
                code="override_ignored",
                message=(
                    f"{o.author}'s {o.action.value} override was not applied: {', '.join(codes)}."
                ),
                rule_id="O3",
            )
            for o, codes in self.ignored
            if o.active_on(on)
        )
        return _plan(on, tonight.night, am, pm, excluded, warnings)

    def _warnings_for_profile(self, on: date, state: Pregnancy) -> list[Warning]:
        key = (state, state is not self.profile.pregnancy, due_date_passed(self.profile, on))
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
        screen: DayScreen,
    ) -> DayNotes:
        ramp_note, acclimatising = None, False
        if tonight.night is NightType.retinoid:
            plan = latest_active(self.rotation.retinoid_plans, on)
            grid = self.rotation.grid
            if plan is not None:
                ramp_note = f"Timed by {plan.author}: {plan.describe_frequency()}."
            elif grid is not None:
                ramp, stage = grid.position(on)
                ramp_note = f"{ramp.describe(stage)} (R1).{restart_note(grid, on)}"
                acclimatising = ramp.acclimatising(stage)
                if self.windows and (restart := self.windows.ramp_note(on)) is not None:
                    ramp_note, acclimatising = restart, True  # after a procedure (PP5)
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
        screen: DayScreen,
    ) -> tuple[Step, ...]:
        ordered, moved = apply_reorders(slot, arrange(slot, placed), overrides.reorders)
        steps = steps_for(slot, ordered, notes, moved)
        if self.sensitive:
            steps = fragrance_notes(steps, placed)  # S7
        steps = first_days(steps, screen.untested, self.barrier_care)  # S5, S6
        return with_patch_tests(patch_test_steps(slot, screen.patch_tests), steps)  # S2


def _refusals(override: Override, traits: dict[UUID, Traits]) -> tuple[str, ...]:
    """Why the engine cannot apply an override at all; the guards judge the rest each day."""
    codes = structural_violations(override)
    if codes:
        return codes
    target = override.target
    if override.action is OverrideAction.add and target not in traits:
        return ("missing_product",)  # the service did not resolve the product
    found = traits.get(target) if target is not None else None
    if override.action is OverrideAction.reorder and found is not None and found.sunscreen:
        return ("spf_must_be_last",)  # L5: the sunscreen stays last
    return ()


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
    # L8: the messages a user reads carry no rule ids (most have none to strip)
    warnings = [
        w if (message := plain(w.message)) == w.message else replace(w, message=message)
        for w in warnings
    ]
    warnings.sort(key=lambda w: (_WARNING_ORDER.get(w.code, 9), w.code, w.message))
    cited = {rule for step in (*am, *pm) for rule in step.rule_ids}
    cited.update(e.rule_id for e in excluded)
    cited.update(a.rule_id for e in excluded for a in e.alternatives)
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
