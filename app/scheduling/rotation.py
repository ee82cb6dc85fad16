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
- After a severe irritation the ramp resumes one stage lower than it stood (an experienced
  user's single stage steps down to the beginner ramp's stage below its target), and climbs
  again from there.
- After 4 weeks or more without the retinoid the beginner ramp starts again: missed nights
  logged in a row for that long, or a break in which no retinoid was usable at all (a pause, a
  removal, an expired bottle replaced later; retinoids.restarts_after_gaps gives the dates).

These restarts are `Segment`s of the grid: each has its own ramp and the day its weeks count
from, so any date is still computed directly.

Exfoliant nights (I2, I8, S4). Exfoliants never share a night with a retinoid, so they take
non-retinoid nights: in each ISO week the first eligible nights from Monday to Saturday (Sunday
is left out so that two weeks never put exfoliant nights back to back), at least
max(2, 7 // quota) days apart, up to `settings.exfoliant_nights_per_week` (2) or, for
sensitive skin, `settings.sensitive_exfoliant_nights_per_week` (1). While the ramp is below its
target, or on sensitive skin, an exfoliant night is never next to a retinoid night (I10), which
on a ramp of every 2nd or 3rd night leaves none; a nightly retinoid leaves none either. The plan
then says so (spacing.no_exfoliant_night) rather than leaving the exfoliant out silently.

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
from enum import StrEnum

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
from app.scheduling.retinoids import GAP_DAYS, prescribed

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
    return beginner_ramp(profile)


def beginner_ramp(profile: Profile) -> Ramp:
    """The ramp a new user starts on, and the one a break of 4 weeks or more restarts (R7)."""
    if sensitive(profile):
        return Ramp((Phase(0, 3), Phase(28, 2)))
    return Ramp((Phase(0, 3), Phase(14, 2), Phase(35, 1)))


class Restart(StrEnum):
    """Why the ramp starts again somewhere other than where it stood (R7)."""

    step_down = "step_down"  # severe irritation: one ramp stage lower
    gap = "gap"  # 4 weeks or more without the retinoid: the beginner ramp


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the grid on its own ramp: from `start` (a retinoid night), with the ramp's
    weeks counted from `origin` (on or before `start`)."""

    start: date
    origin: date
    ramp: Ramp
    cause: Restart


@dataclass(frozen=True, slots=True)
class RetinoidGrid:
    anchor: date
    ramp: Ramp
    restarts: tuple[date, ...] = ()  # sorted; the grid starts again on each, on the same ramp
    segments: tuple[Segment, ...] = ()  # sorted by start; R7 restarts on another ramp stage

    def _segment(self, on: date) -> tuple[date, date, Ramp]:
        """(start, origin, ramp) of the stretch `on` falls in."""
        for segment in reversed(self.segments):
            if segment.start <= on:
                return segment.start, segment.origin, segment.ramp
        return self.anchor, self.anchor, self.ramp

    def segment_on(self, on: date) -> Segment | None:
        """The R7 restart in effect on `on`, if any."""
        return next((s for s in reversed(self.segments) if s.start <= on), None)

    def is_night(self, on: date) -> bool:
        if on < self.anchor:
            return False
        start, origin, ramp = self._segment(on)
        index = bisect_right(self.restarts, on)
        night = self.restarts[index - 1] if index and self.restarts[index - 1] > start else start
        target = (on - origin).days
        while True:
            offset = (night - origin).days
            stage = ramp.stage(offset)
            interval = ramp.phases[stage].interval
            following = stage + 1
            if following == len(ramp.phases) or target < ramp.phases[following].start_day:
                return (target - offset) % interval == 0
            # jump to the first night on or after the next phase's start, then use its interval
            end = ramp.phases[following].start_day
            night += timedelta(days=-(-(end - offset) // interval) * interval)
            if night > on:
                return False

    def position(self, on: date) -> tuple[Ramp, int]:
        """The ramp in effect on `on` and the index of its stage."""
        _, origin, ramp = self._segment(on)
        return ramp, ramp.stage((on - origin).days)

    def stage_on(self, on: date) -> int:
        return self.position(on)[1]

    def ramp_start(self, on: date) -> date:
        """When the ramp in effect on `on` began counting (the anchor, or an R7 restart)."""
        return self._segment(on)[1]


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
    anchor: date,
    ramp: Ramp,
    history: Sequence[LogEntry],
    recovery: Mapping[date, Irritation],
    *,
    beginner: Ramp | None = None,
    breaks: Sequence[date] = (),
) -> RetinoidGrid:
    """The grid with its restarts, in date order (R7):

    - a missed grid night restarts the grid the next night, on the same ramp stage;
    - a recovery span with a grid night in it restarts the grid the night after the span;
    - a severe irritation after the anchor resumes the ramp one stage lower after the span;
    - 4 weeks or more without a retinoid night actually used (missed nights logged in a row), or
      a date in `breaks` (see retinoids.restarts_after_gaps), restarts the beginner ramp.

    `beginner` is the beginner ramp for this skin (ramp_for an inexperienced user); it is what a
    gap restarts, and what a single-stage (experienced) ramp steps down into.
    """
    beginner = beginner or ramp
    done = {log.on for log in history if log.slot is Slot.pm and log.done}
    missed = {log.on for log in history if log.slot is Slot.pm and not log.done} - done
    span_starts = {night for night in recovery if night - _DAY not in recovery}
    gaps = {day for day in breaks if day > anchor}
    restarts: list[date] = []
    segments: list[Segment] = []
    grid = RetinoidGrid(anchor, ramp)
    last_used: date = anchor  # the last grid night before a run of missed nights
    missed_from: date | None = None  # the restart a missed night created, if still unused
    for day in sorted(missed | span_starts | gaps):
        restart, segment = None, None
        if day in gaps:
            segment = Segment(day, day, beginner, Restart.gap)
        elif day in span_starts:
            end = day
            while end + _DAY in recovery:
                end += _DAY
            span = [day + timedelta(days=k) for k in range((end - day).days + 1)]
            severe = any(recovery[night] is Irritation.severe for night in span)
            if severe and day > anchor:
                segment = _step_down(grid, day, end + _DAY, beginner)
            elif any(grid.is_night(night) for night in span):
                restart = end + _DAY
        elif day >= anchor and day not in recovery and grid.is_night(day):
            if missed_from != day:
                last_used = _previous_night(grid, day)
            if (day + _DAY - last_used).days > GAP_DAYS:
                segment = Segment(day + _DAY, day + _DAY, beginner, Restart.gap)
            else:
                restart = day + _DAY
            missed_from = day + _DAY
        if restart is not None:
            insort(restarts, restart)
        if segment is not None:
            segments = [s for s in segments if s.start < segment.start]
            segments.append(segment)
            restarts = [r for r in restarts if r < segment.start]
        if restart is not None or segment is not None:
            grid = RetinoidGrid(anchor, ramp, tuple(restarts), tuple(segments))
    return grid


def _previous_night(grid: RetinoidGrid, day: date) -> date:
    """The grid night before `day` (the anchor when there is none)."""
    for k in range(1, 8):
        night = day - timedelta(days=k)
        if night < grid.anchor:
            break
        if grid.is_night(night):
            return night
    return grid.anchor


def _step_down(grid: RetinoidGrid, irritated: date, resume: date, beginner: Ramp) -> Segment:
    """R7: after severe irritation the ramp resumes one stage lower than it stood; a
    single-stage ramp (experienced users) resumes on the beginner ramp's stage below target."""
    ramp, stage = grid.position(irritated)
    if len(ramp.phases) == 1:
        ramp, stage = beginner, len(beginner.phases) - 1
    lower = max(stage - 1, 0)
    origin = resume - timedelta(days=ramp.phases[lower].start_day)
    return Segment(resume, origin, ramp, Restart.step_down)


@dataclass(frozen=True, slots=True)
class Rotation:
    grid: RetinoidGrid | None
    recovery: Mapping[date, Irritation]
    # frequency overrides on retinoid / exfoliant products, sorted by start
    retinoid_plans: tuple[Override, ...]
    exfoliant_plans: tuple[Override, ...]
    exfoliant_quota: int
    spaced: bool  # sensitive skin: no exfoliant night next to any retinoid night (I10)
    mask_quota: int
    exfoliating: bool  # an exfoliant on the shelf can be used some day
    _weeks: dict[date, tuple[date, ...]] = field(default_factory=dict, compare=False, repr=False)
    _mask_weeks: dict[date, tuple[date, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _first_exfoliant: dict[date, date | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    _retinoid_weeks: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)
    # the rotation asks about the nights around a date again and again (I10, MK1 picks)
    _retinoid_nights: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)

    def retinoid_planned(self, on: date) -> bool:
        found = self._retinoid_nights.get(on)
        if found is None:
            plan = latest_active(self.retinoid_plans, on)
            if plan is not None:
                found = plan.falls_on(on)
            else:
                found = self.grid is not None and self.grid.is_night(on)
            self._retinoid_nights[on] = found
        return found

    def exfoliant_planned(self, on: date) -> bool:
        if on in self.recovery or self.retinoid_planned(on):
            return False
        plan = latest_active(self.exfoliant_plans, on)
        if plan is not None:
            # I10 holds for a dermatologist's exfoliant frequency too: it is not overridable (O1)
            return plan.falls_on(on) and not self.crowded(on)
        monday = on - timedelta(days=on.weekday())
        picks = self._weeks.get(monday)
        if picks is None:
            picks = self._weeks[monday] = self._pick_week(monday)
        return on in picks

    def _pick_week(self, monday: date) -> tuple[date, ...]:
        def free(night: date) -> bool:
            if night in self.recovery or self.retinoid_planned(night):
                return False
            return not self.crowded(night)

        return _spread(monday, self.exfoliant_quota, free)

    def crowded(self, night: date) -> bool:
        """I10: the night directly before or after is a retinoid night while the skin is
        sensitive or the ramp is below its target on that retinoid night."""
        return any(
            self.retinoid_planned(near) and (self.spaced or self.below_target(near))
            for near in (night - _DAY, night + _DAY)
        )

    def below_target(self, on: date) -> bool:
        """Whether the retinoid ramp has not reached its target on `on` (R1, I10). A
        dermatologist's timing replaces the ramp, so it has no target to be below."""
        if self.grid is None or latest_active(self.retinoid_plans, on) is not None:
            return False
        ramp, stage = self.grid.position(on)
        return ramp.acclimatising(stage)

    def first_exfoliant_night(self, monday: date) -> date | None:
        """The first exfoliant night of the ISO week starting on `monday` (I10: peels)."""
        if monday in self._first_exfoliant:
            return self._first_exfoliant[monday]
        found = self._first_exfoliant[monday] = next(
            (
                monday + timedelta(days=k)
                for k in range(7)
                if self.exfoliant_planned(monday + timedelta(days=k))
            ),
            None,
        )
        return found

    def retinoid_leaves_no_exfoliant_night(self, monday: date) -> bool:
        """I10: the ISO week from `monday` has retinoid nights and no exfoliant night."""
        if self.first_exfoliant_night(monday) is not None:
            return False
        found = self._retinoid_weeks.get(monday)
        if found is None:
            week = [monday + timedelta(days=k) for k in range(7)]
            found = self._retinoid_weeks[monday] = any(self.retinoid_planned(n) for n in week)
        return found

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
    breaks: Sequence[date] = (),
) -> Rotation:
    """`breaks`: the dates a retinoid is usable again after 4 weeks or more without one, which
    restart the beginner ramp (R7; retinoids.restarts_after_gaps)."""
    recovery = recovery_nights(history, settings)
    slow = sensitive(profile)
    grid = None
    if anchor is not None:
        grid = grid_from_history(
            anchor,
            ramp_for(profile),
            history,
            recovery,
            beginner=beginner_ramp(profile),
            breaks=breaks,
        )
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
    """One retinoid a night (R5, R8): the one a dermatologist timed, else a prescribed one
    before any over-the-counter one, then the lowest strength to start with (the strongest for
    experienced users); ties by name."""
    if planned is not None:
        for found in retinoids:
            if found.product.id == planned.target:
                return found
    experienced = profile.retinoid_experience is RetinoidExperience.experienced
    sign = -1 if experienced else 1

    def strength(c: Candidate) -> tuple[bool, int, float, tuple[str, str, int, int]]:
        kind = c.traits.retinoid
        rank = RETINOID_STRENGTH[kind] if kind is not None else 0
        percent = c.traits.retinoid_percent or 0.0
        return not prescribed(c.traits), sign * rank, sign * percent, c.sort_key

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


def restart_note(grid: RetinoidGrid, on: date) -> str:
    """Why the ramp stands where it does after an R7 restart, while it climbs back."""
    segment = grid.segment_on(on)
    if segment is None:
        return ""
    ramp, stage = grid.position(on)
    if not ramp.acclimatising(stage):
        return ""
    if segment.cause is Restart.gap:
        return (
            f" Restarted on the beginner ramp on {segment.start}: 4 weeks or more without it (R7)."
        )
    return f" Back one step on {segment.start} after severe irritation (R7)."
