"""The night rotation: what kind of evening a date is, and the retinoid ramp.

Night types, in order of precedence:

1. recovery: the first evening after a logged moderate irritation (the same evening when it was
   logged for the morning, else the next), or the `settings.severe_irritation_recovery_nights`
   evenings from there after a severe one ("skip a night when irritated", R1): no retinoid, no
   exfoliant, no other irritating active; after a severe one the mornings of those days go
   without actives too.
2. retinoid: a night on the retinoid grid (below) while a retinoid is usable.
3. exfoliant: an exfoliant night (below) while an exfoliant is usable.
4. exosome: any other night with a usable exosome serum (seed 002: it takes the non-retinoid
   nights).
5. basic: none of the above.

The retinoid grid (R1, R5, S4a). The grid starts at its anchor: the first date a retinoid on the
shelf becomes usable (added on, plus the patch-test period while pending, from a recorded end of
pregnancy (which also restarts it on the beginner ramp, R7: pregnancy_end.py) or a clinician's
confirmation where pregnancy excludes it). From the anchor the ramp sets the interval
between retinoid nights by the number of days since the anchor:

- none or beginner (treated alike), low or medium sensitivity: every 3rd night (weeks 1-2),
  every 2nd (weeks 3-5), nightly from week 6;
- none/beginner, sensitive skin (high sensitivity, rosacea, eczema): every 3rd night for 4 weeks,
  then every 2nd night at most;
- experienced: the target from the start (nightly; every 2nd night for sensitive skin).

Retinoid nights are the anchor, then each night plus the interval of the phase it falls in.
`RetinoidGrid.is_night` computes any date directly, with one step per ramp phase, never by
walking the days from an epoch.

History (R7). A log changes only the evenings after it: from the next day, or from the same
evening for a morning log of irritation.

- A grid night logged done=False for pm is a missed night: the grid restarts the next night, so
  the next retinoid night is timed from the last one actually used. An unlogged night counts as
  used: reminders go unacknowledged, and assuming a miss would pull retinoid nights closer.
- A moderate or severe irritation (any slot) makes the next night(s) recovery nights; a grid
  night that falls in a recovery span moves the grid to restart on the night after the span.

Exfoliant nights (I2, I8, S4). Exfoliants never share a night with a retinoid, so they take
non-retinoid nights: in each ISO week the first eligible nights from Monday to Saturday (Sunday
is left out so that two weeks never put exfoliant nights back to back), at least
max(2, 7 // quota) days apart, up to `settings.exfoliant_nights_per_week` (2) or, for
sensitive skin, `settings.sensitive_exfoliant_nights_per_week` (1). On sensitive skin an
exfoliant night is never next to a retinoid night, which on a ramp of every 2nd or 3rd night
leaves none: sensitive skin on a retinoid does not exfoliate as well.

Mask nights (MK1, a configurable default). A face mask that is neither an exfoliant (a peel
mask takes exfoliant nights) nor a retinoid is not a nightly step: it takes up to
`settings.mask_nights_per_week` (2) evenings per ISO week, picked the same direct way (Monday
to Saturday, at least max(2, 7 // quota) days apart), from the nights that are neither retinoid
nor exfoliant nights (the exfoliant's planned nights count only while the shelf has an exfoliant
that can ever be used, so an empty plan reserves nothing). Recovery nights qualify: an overnight
mask is barrier care; the placement keeps a rinse-off (clay) mask off them (R1).

A dermatologist's frequency (set_frequency, or an add with a frequency) on a retinoid or an
exfoliant replaces the grid or the weekly picks while it runs; it does not read the history. A
frequency on a mask replaces its weekly picks the same way, product by product (engine.py).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.scheduling.candidates import Candidate
from app.scheduling.classify import RETINOID_STRENGTH
from app.scheduling.guards import sensitive
from app.scheduling.inputs import (
    EngineSettings,
    Irritation,
    LogEntry,
    Override,
    Profile,
    RetinoidExperience,
    Slot,
    latest_active,
)
from app.scheduling.plan import NightType

_DAY = timedelta(days=1)
_IRRITATED = (Irritation.moderate, Irritation.severe)


@dataclass(frozen=True, slots=True)
class Phase:
    start_day: int  # days since the anchor
    interval: int  # a retinoid night every `interval` nights


_ORDINALS = {1: "nightly", 2: "every 2nd night", 3: "every 3rd night"}


@dataclass(frozen=True, slots=True)
class Ramp:
    phases: tuple[Phase, ...]

    def stage(self, offset: int) -> int:
        """The index of the phase that `offset` days after the anchor falls in."""
        stage = 0
        for index, phase in enumerate(self.phases):
            if phase.start_day <= offset:
                stage = index
        return stage

    def describe(self, stage: int) -> str:
        if len(self.phases) == 1:
            return f"Retinoid nights: {_ORDINALS[self.phases[0].interval]}, your target"
        parts = []
        for phase in self.phases:
            when = f"from week {phase.start_day // 7 + 1}" if phase.start_day else "at first"
            parts.append(f"{_ORDINALS[phase.interval]} {when}")
        now = _ORDINALS[self.phases[stage].interval]
        return f"Retinoid ramp: {', then '.join(parts)}; now {now}"

    def acclimatising(self, stage: int) -> bool:
        return stage < len(self.phases) - 1


def ramp_for(profile: Profile) -> Ramp:
    slow = sensitive(profile)
    if profile.retinoid_experience is RetinoidExperience.experienced:
        return Ramp((Phase(0, 2 if slow else 1),))
    if slow:
        return Ramp((Phase(0, 3), Phase(28, 2)))
    return Ramp((Phase(0, 3), Phase(14, 2), Phase(35, 1)))


@dataclass(frozen=True, slots=True)
class RetinoidGrid:
    anchor: date
    ramp: Ramp
    restarts: tuple[date, ...] = ()  # sorted; the grid starts again on each

    def is_night(self, on: date) -> bool:
        if on < self.anchor:
            return False
        index = bisect_right(self.restarts, on)
        night = self.restarts[index - 1] if index else self.anchor
        target = (on - self.anchor).days
        while True:
            offset = (night - self.anchor).days
            stage = self.ramp.stage(offset)
            interval = self.ramp.phases[stage].interval
            following = stage + 1
            if following == len(self.ramp.phases) or target < self.ramp.phases[following].start_day:
                return (target - offset) % interval == 0
            # jump to the first night on or after the next phase's start, then use its interval
            end = self.ramp.phases[following].start_day
            night += timedelta(days=-(-(end - offset) // interval) * interval)
            if night > on:
                return False

    def stage_on(self, on: date) -> int:
        return self.ramp.stage((on - self.anchor).days)


def shapes_plan(log: LogEntry) -> bool:
    """Whether a log can change any plan: a missed evening or a moderate/severe irritation.

    Every other log (done, no irritation) says only what an unlogged slot already assumes, so
    callers may pass just these logs, from any date up to the last one planned (a morning
    irritation shapes its own day's evening, so the last day's logs count too): they are rare,
    and a missed night can shift the grid for good, so no fixed window would be exact.
    """
    return (log.slot is Slot.pm and not log.done) or log.irritation in _IRRITATED


def recovery_nights(
    history: Sequence[LogEntry], settings: EngineSettings
) -> dict[date, Irritation]:
    """Each recovery night with the irritation that caused it (the worst, where spans overlap)."""
    nights: dict[date, Irritation] = {}
    order = list(Irritation)
    for log in history:
        if log.irritation not in _IRRITATED:
            continue
        count = (
            1
            if log.irritation is Irritation.moderate
            else settings.severe_irritation_recovery_nights
        )
        # the first evening after the log: the same day's for a morning log
        first = 0 if log.slot is Slot.am else 1
        for k in range(first, first + max(count, 1)):
            night = log.on + timedelta(days=k)
            current = nights.get(night, Irritation.none)
            nights[night] = max(current, log.irritation, key=order.index)
    return nights


def grid_from_history(
    anchor: date, ramp: Ramp, history: Sequence[LogEntry], recovery: Mapping[date, Irritation]
) -> RetinoidGrid:
    """The grid with its restarts: missed nights and recovery spans, in date order (R7)."""
    done = {log.on for log in history if log.slot is Slot.pm and log.done}
    missed = {log.on for log in history if log.slot is Slot.pm and not log.done} - done
    span_starts = {night for night in recovery if night - _DAY not in recovery}
    restarts: list[date] = []
    grid = RetinoidGrid(anchor, ramp)
    for day in sorted(missed | span_starts):
        restart = None
        if day in span_starts:
            end = day
            while end + _DAY in recovery:
                end += _DAY
            span = [day + timedelta(days=k) for k in range((end - day).days + 1)]
            if any(grid.is_night(night) for night in span):
                restart = end + _DAY
        elif day >= anchor and day not in recovery and grid.is_night(day):
            restart = day + _DAY
        if restart is not None:
            insort(restarts, restart)
            grid = RetinoidGrid(anchor, ramp, tuple(restarts))
    return grid


@dataclass(frozen=True, slots=True)
class Rotation:
    grid: RetinoidGrid | None
    recovery: Mapping[date, Irritation]
    # frequency overrides on retinoid / exfoliant products, sorted by start
    retinoid_plans: tuple[Override, ...]
    exfoliant_plans: tuple[Override, ...]
    exfoliant_quota: int
    spaced: bool  # sensitive skin: no exfoliant night next to a retinoid night
    mask_quota: int
    exfoliating: bool  # an exfoliant on the shelf can be used some day
    _weeks: dict[date, tuple[date, ...]] = field(default_factory=dict, compare=False, repr=False)
    _mask_weeks: dict[date, tuple[date, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def retinoid_planned(self, on: date) -> bool:
        plan = latest_active(self.retinoid_plans, on)
        if plan is not None:
            return plan.falls_on(on)
        return self.grid is not None and self.grid.is_night(on)

    def exfoliant_planned(self, on: date) -> bool:
        if on in self.recovery or self.retinoid_planned(on):
            return False
        plan = latest_active(self.exfoliant_plans, on)
        if plan is not None:
            return plan.falls_on(on)
        monday = on - timedelta(days=on.weekday())
        picks = self._weeks.get(monday)
        if picks is None:
            picks = self._weeks[monday] = self._pick_week(monday)
        return on in picks

    def _pick_week(self, monday: date) -> tuple[date, ...]:
        def free(night: date) -> bool:
            if night in self.recovery or self.retinoid_planned(night):
                return False
            return not self.spaced or not (
                self.retinoid_planned(night - _DAY) or self.retinoid_planned(night + _DAY)
            )

        return _spread(monday, self.exfoliant_quota, free)

    def mask_planned(self, on: date) -> bool:
        """Whether `on` is one of its week's mask evenings (MK1)."""
        monday = on - timedelta(days=on.weekday())
        picks = self._mask_weeks.get(monday)
        if picks is None:
            picks = self._mask_weeks[monday] = self._pick_mask_week(monday)
        return on in picks

    def _pick_mask_week(self, monday: date) -> tuple[date, ...]:
        def free(night: date) -> bool:
            if night in self.recovery:
                return True  # no retinoid or exfoliant tonight
            if self.retinoid_planned(night):
                return False
            return not (self.exfoliating and self.exfoliant_planned(night))

        return _spread(monday, self.mask_quota, free)

    def recovery_until(self, on: date) -> date | None:
        """The last day of the recovery span `on` falls in."""
        if on not in self.recovery:
            return None
        while on + _DAY in self.recovery:
            on += _DAY
        return on

    def night(self, on: date, *, retinoid: bool, exfoliant: bool, exosome: bool) -> NightType:
        if on in self.recovery:
            return NightType.recovery
        if retinoid and self.retinoid_planned(on):
            return NightType.retinoid
        if exfoliant and self.exfoliant_planned(on):
            return NightType.exfoliant
        if exosome:
            return NightType.exosome
        return NightType.basic


def _spread(monday: date, quota: int, free: Callable[[date], bool]) -> tuple[date, ...]:
    """The week's picks: the first `free` nights from Monday to Saturday, at least
    max(2, 7 // quota) days apart, up to `quota`. Picks read only their own ISO week, so any
    date is computed directly, with no walk from an epoch; Sunday stays out so that two weeks'
    picks are never back to back."""
    gap = max(2, 7 // max(quota, 1))
    picks: list[date] = []
    for k in range(6):
        if len(picks) >= quota:
            break
        night = monday + timedelta(days=k)
        if picks and (night - picks[-1]).days < gap:
            continue
        if free(night):
            picks.append(night)
    return tuple(picks)


def build_rotation(
    *,
    profile: Profile,
    anchor: date | None,
    history: Sequence[LogEntry],
    retinoid_plans: tuple[Override, ...],
    exfoliant_plans: tuple[Override, ...],
    settings: EngineSettings,
    exfoliating: bool,
) -> Rotation:
    recovery = recovery_nights(history, settings)
    slow = sensitive(profile)
    grid = None
    if anchor is not None:
        grid = grid_from_history(anchor, ramp_for(profile), history, recovery)
    return Rotation(
        grid=grid,
        recovery=recovery,
        retinoid_plans=retinoid_plans,
        exfoliant_plans=exfoliant_plans,
        exfoliant_quota=(
            settings.sensitive_exfoliant_nights_per_week
            if slow
            else settings.exfoliant_nights_per_week
        ),
        spaced=slow,
        mask_quota=settings.mask_nights_per_week,
        exfoliating=exfoliating,
    )


def pick_retinoid(
    retinoids: Sequence[Candidate], profile: Profile, planned: Override | None
) -> Candidate:
    """One retinoid a night (R5): the one a dermatologist timed, else the lowest strength to
    start with (the strongest for experienced users); ties by name."""
    if planned is not None:
        for found in retinoids:
            if found.product.id == planned.target:
                return found
    experienced = profile.retinoid_experience is RetinoidExperience.experienced
    sign = -1 if experienced else 1

    def strength(c: Candidate) -> tuple[int, float, tuple[str, str, int, int]]:
        kind = c.traits.retinoid
        rank = RETINOID_STRENGTH[kind] if kind is not None else 0
        percent = c.traits.retinoid_percent or 0.0
        return sign * rank, sign * percent, c.sort_key

    return min(retinoids, key=strength)


def pick_exfoliant(
    exfoliants: Sequence[Candidate], on: date, planned: Override | None
) -> Candidate:
    """One exfoliant a night (I8): the one a dermatologist timed, else the shelf's exfoliants
    take turns week by week."""
    if planned is not None:
        for found in exfoliants:
            if found.product.id == planned.target:
                return found
    ordered = sorted(exfoliants, key=lambda c: c.sort_key)
    week = (on.toordinal() - 1) // 7
    return ordered[week % len(ordered)]
