"""In-clinic procedures (RULES.md PP1-PP6): the windows around a session and the spacing of a
series. Pure: dates in, hits and warnings out.

A procedure on day D makes, for the engine (engine.py and guard_screen.py call in here at
marked hook points):

- the pause (PP1), from `pause_from` to D - 1: retinoids and exfoliants stop, 7 days ahead by
  default, 14 with pigment risk (melasma, acne, hyperpigmentation or Fitzpatrick IV-VI);
- the healing window (PP5), D to `healing_until`: only a gentle cleanser, a bland moisturiser
  and a mineral sunscreen; every irritant (retinoids, AHA/BHA/PHA, scrubs, vitamin C, benzoyl
  peroxide, hydroquinone, azelaic acid, fragrance, low-pH products) and every other product is
  paused; the night is a recovery night. An exosome serum is allowed only when the clinic says
  so (the record's `clinic_exosome`, or a dermatologist's confirm/add), never on the day itself
  (broken skin: the clinic applies its own), and is labelled an adjunct with limited evidence;
- the stepwise restart from `resume_on`: the other products come back and the retinoid returns
  on a shortened ramp (every 3rd night, then every 2nd, never faster than the user's own grid:
  `restart_rotation`, the rotation's hook); exfoliants only from `exfoliants_resume_on`.

Where RULES.md is silent (PRP/PRF alone, IPL, waxing, a peel without a depth, the spacing of
kinds PP6 does not name) the safer reading is taken and the user-facing text says so.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from app.scheduling.bounds import clamp
from app.scheduling.candidates import Candidate
from app.scheduling.classify import Traits
from app.scheduling.guards import Hit, has_condition
from app.scheduling.inputs import EngineSettings, Profile
from app.scheduling.plan import Exclusion, Guard, Step, Warning
from app.scheduling.rotation import RetinoidGrid, Rotation

_DAY = timedelta(days=1)


class ProcedureKind(StrEnum):
    """An in-clinic procedure (RULES.md PP1-PP6)."""

    microneedling = "microneedling"
    microneedling_prp = "microneedling_prp"
    prp = "prp"
    prf = "prf"
    chemical_peel = "chemical_peel"
    laser_ablative = "laser_ablative"
    laser_nonablative = "laser_nonablative"
    ipl = "ipl"
    dermabrasion = "dermabrasion"
    waxing = "waxing"


class PeelDepth(StrEnum):
    """How deep a chemical peel goes."""

    superficial = "superficial"
    medium = "medium"
    deep = "deep"


# kinds that take a depth (the others refuse one)
WITH_DEPTH = frozenset({ProcedureKind.chemical_peel})

_LABELS = {
    ProcedureKind.microneedling: "microneedling",
    ProcedureKind.microneedling_prp: "microneedling with PRP",
    ProcedureKind.prp: "PRP treatment",
    ProcedureKind.prf: "PRF treatment",
    ProcedureKind.chemical_peel: "chemical peel",
    ProcedureKind.laser_ablative: "ablative laser",
    ProcedureKind.laser_nonablative: "non-ablative laser",
    ProcedureKind.ipl: "IPL",
    ProcedureKind.dermabrasion: "dermabrasion",
    ProcedureKind.waxing: "waxing",
}
# windows RULES.md does not give: the text names the safer reading
_SILENT = {
    ProcedureKind.prp: "no published window for PRP alone: the safer reading, as microneedling",
    ProcedureKind.prf: "no published window for PRF alone: the safer reading, as microneedling",
    ProcedureKind.ipl: "no published window for IPL: the safer reading, as a fractional laser",
    ProcedureKind.laser_ablative: "your clinic sets it; two weeks unless it says otherwise",
    ProcedureKind.dermabrasion: "your clinic sets it; two weeks unless it says otherwise",
    ProcedureKind.waxing: "no published window for waxing: a day, the safer reading",
}
# PP2 / P10: delayed on oral isotretinoin (medium and deep peels too: the safer reading)
_ISOTRETINOIN_DELAYED = frozenset(
    {ProcedureKind.laser_ablative, ProcedureKind.dermabrasion, ProcedureKind.waxing}
)
_PIGMENT_CONDITIONS = frozenset({"melasma", "acne", "pih", "post-inflammatory hyperpigmentation"})


@dataclass(frozen=True, slots=True)
class Procedure:
    """One session the user had or has booked, on a local date."""

    id: UUID
    kind: ProcedureKind
    on: date
    depth: PeelDepth | None = None
    # the clinic applied or recommends an exosome serum afterwards (PP5)
    clinic_exosome: bool = False
    # the clinic's own healing window in days (PP5: ablative lasers "as the clinic says")
    healing_days: int | None = None

    @property
    def title(self) -> str:
        """The label as the start of a sentence ("IPL", "Medium chemical peel")."""
        return self.label[:1].upper() + self.label[1:]

    @property
    def label(self) -> str:
        name = _LABELS[self.kind]
        if self.kind is ProcedureKind.chemical_peel:
            return f"{(self.depth or PeelDepth.medium).value} {name}"
        return name


@dataclass(frozen=True, slots=True)
class Window:
    procedure: Procedure
    pause_from: date  # retinoids and exfoliants stop (PP1)
    healing_until: date  # the last day of the bland-only window (PP5)
    resume_on: date  # everything but exfoliants returns; the retinoid on a shortened ramp
    exfoliants_resume_on: date
    pigment_risk: bool
    note: str | None  # the safer reading taken where RULES.md is silent

    def describe(self) -> str:
        """The reason for the pause, as the patient reads it."""
        p = self.procedure
        ahead = (p.on - self.pause_from).days
        why = " (longer with pigment risk)" if self.pigment_risk else ""
        note = f" ({self.note})" if self.note else ""
        return (
            f"{p.title} on {p.on}: retinoids and exfoliants stop {ahead} days "
            f"ahead{why}, from {self.pause_from}; until {self.healing_until} only a gentle "
            f"cleanser, a bland moisturiser and a mineral sunscreen{note}; from "
            f"{self.resume_on} your products return and the retinoid restarts on a shortened "
            f"ramp; exfoliants from {self.exfoliants_resume_on}."
        )


def pigment_risk(profile: Profile) -> bool:
    """PP1's longer pause: melasma, PIH, acne or darker skin (Fitzpatrick IV-VI, as stated)."""
    return (
        has_condition(profile, _PIGMENT_CONDITIONS)
        or "hyperpigmentation" in profile.concerns
        or (profile.fitzpatrick is not None and profile.fitzpatrick >= 4)
    )


def _healing_days(p: Procedure, settings: EngineSettings) -> tuple[int, str | None]:
    table = dict(settings.procedure_healing_days)
    note = _SILENT.get(p.kind)
    key = p.kind.value
    if p.kind is ProcedureKind.chemical_peel:
        if p.depth is None:
            note = "depth not given: the safer reading, a medium peel"
        key = f"{key}:{(p.depth or PeelDepth.medium).value}"
    days = table.get(key, max(table.values(), default=14))
    if p.healing_days is not None:
        # the clinic's word, never shorter than PP5's default (and at most a year)
        days, note = max(days, min(p.healing_days, 366)), "as your clinic set it"
    return days, note


def window(p: Procedure, profile: Profile, settings: EngineSettings = EngineSettings()) -> Window:
    risk = pigment_risk(profile)
    ahead = settings.procedure_pause_days_pigment if risk else settings.procedure_pause_days
    healing, note = _healing_days(p, settings)
    healing_until = p.on + timedelta(days=healing)
    resume_on = healing_until + _DAY
    return Window(
        procedure=p,
        pause_from=p.on - timedelta(days=ahead),
        healing_until=healing_until,
        resume_on=resume_on,
        exfoliants_resume_on=resume_on + timedelta(days=settings.procedure_exfoliant_extra_days),
        pigment_risk=risk,
        note=note,
    )


# --- what the healing window lets in (PP5) -----------------------------------------------------


def irritant(t: Traits) -> bool:
    """What PP5 pauses on healing skin: retinoids, AHA/BHA/PHA, scrubs, vitamin C, benzoyl
    peroxide, hydroquinone, azelaic acid, fragrance; low-pH products and the known skin
    irritants (alcohol, menthol...) too, the safer reading."""
    return (
        t.retinoid is not None
        or t.exfoliant
        or t.vitamin_c
        or t.l_ascorbic
        or t.bpo
        or t.hydroquinone
        or t.azelaic
        or t.fragrance
        or t.copper_peptide
        or t.low_ph
        or bool(t.rosacea_irritants)
    )


def bland(t: Traits) -> bool:
    """A gentle cleanser, a bland moisturiser or a sunscreen, free of every irritant."""
    if irritant(t):
        return False
    if t.sunscreen:
        return True
    return t.wash or (t.kind.value == "moisturiser")


# --- one engine call ----------------------------------------------------------------------------


class ProcedureWindows:
    """The windows of one engine call's procedures, shared across its days."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        profile: Profile,
        settings: EngineSettings,
        oral_retinoid: bool,
    ) -> None:
        # a date near date.min/max can only be a stored bad value: kept inside the engine's
        # safe window, like every other input date (bounds.py)
        self.windows = sorted(
            (
                window(p if clamp(p.on) == p.on else replace(p, on=clamp(p.on)), profile, settings)
                for p in procedures
            ),
            key=lambda w: (w.pause_from, w.procedure.on, w.procedure.id.int),
        )
        self.settings = settings
        self.oral_retinoid = oral_retinoid
        self._ramps: list[tuple[date, date, Procedure]] = []
        self._day: tuple[date, list[Window]] | None = None
        self.first = min((w.pause_from for w in self.windows), default=date.max)
        self.last = max((w.exfoliants_resume_on for w in self.windows), default=date.min)

    def __bool__(self) -> bool:
        return bool(self.windows)

    def _around(self, on: date) -> list[Window]:
        """The windows `on` falls in (asked once per candidate: the last day's answer is kept)."""
        if not self.first <= on < self.last:
            return []
        if self._day is not None and self._day[0] == on:
            return self._day[1]
        found = [w for w in self.windows if w.pause_from <= on < w.exfoliants_resume_on]
        self._day = (on, found)
        return found

    def healing(self, on: date) -> Window | None:
        return next((w for w in self._around(on) if w.procedure.on <= on <= w.healing_until), None)

    # hook: guard_screen.GuardScreen.day
    def hits(
        self, c: Candidate, on: date, *, clinic_confirmed: bool, mineral_spf: bool
    ) -> list[Hit]:
        hits = []
        t = c.traits
        for w in self._around(on):
            p = w.procedure
            if on < p.on:
                if t.retinoid is not None or t.exfoliant:
                    hits.append(
                        Hit(
                            Guard.procedure,
                            "PP1",
                            f"Paused before your {p.label} on {p.on}: retinoids and exfoliants "
                            f"stop from {w.pause_from}"
                            + (" (longer with pigment risk)" if w.pigment_risk else "")
                            + f". They restart after healing, from {w.resume_on}.",
                        )
                    )
            elif on <= w.healing_until:
                hit = self._healing_hit(c, on, w, clinic_confirmed, mineral_spf)
                if hit is not None:
                    hits.append(hit)
            elif t.exfoliant:
                hits.append(
                    Hit(
                        Guard.procedure,
                        "PP5",
                        f"Restarting step by step after your {p.label}: exfoliants return on "
                        f"{w.exfoliants_resume_on}, once your retinoid is back.",
                    )
                )
        return hits[:1]

    def _healing_hit(
        self, c: Candidate, on: date, w: Window, clinic_confirmed: bool, mineral_spf: bool
    ) -> Hit | None:
        t, p = c.traits, w.procedure
        until = f"until {w.healing_until}"
        if t.exosome and not irritant(t):
            if (p.clinic_exosome or clinic_confirmed) and on > p.on:
                return None
            why = (
                "not on the day of the procedure: your clinic applies its own"
                if p.clinic_exosome or clinic_confirmed
                else "only if your clinic recommends it; a home product does not go on broken "
                "skin (topical exosomes are an unproven adjunct)"
            )
            return Hit(
                Guard.procedure, "PP5", f"Healing after your {p.label}: exosome serum {why}."
            )
        if bland(t):
            if t.sunscreen and not t.mineral_filter and mineral_spf:
                return Hit(
                    Guard.procedure,
                    "PP5",
                    f"Healing after your {p.label}: your mineral sunscreen is used {until}.",
                )
            return None
        what = "irritates healing skin" if irritant(t) else "is not part of the healing routine"
        return Hit(
            Guard.procedure,
            "PP5",
            f"Healing after your {p.label}: it {what}; {until} only a gentle cleanser, a bland "
            "moisturiser and a mineral sunscreen.",
        )

    # hook: engine._Planner.day (night type)
    def recovery(self, on: date) -> bool:
        return self.healing(on) is not None

    # hook: engine._Planner.day (the day of the procedure follows the clinic)
    def procedure_day_steps(self, on: date, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        today = [w.procedure for w in self._around(on) if w.procedure.on == on]
        if not today or not steps:
            return steps
        note = (
            f"Procedure day ({today[0].label}): follow your clinic's instructions; after the "
            "session use only what the clinic applied or advised (PP5)."
        )
        return tuple(
            replace(
                s,
                instructions=f"{s.instructions} {note}".strip(),
                rule_ids=tuple(sorted({*s.rule_ids, "PP5"})),
            )
            for s in steps
        )

    # hook: advisories / engine warnings
    def warnings(
        self,
        on: date,
        excluded: Sequence[Exclusion],
        used: Sequence[Candidate],
        had_aha: bool,
    ) -> list[Warning]:
        found: list[Warning] = []
        paused = sorted(
            {e.product.name for e in excluded if e.guard is Guard.procedure}, key=str.casefold
        )
        names = ", ".join(paused) if paused else "nothing on your shelf"
        for w in self._around(on):
            p = w.procedure
            note = f" ({w.note})" if w.note else ""
            if on < p.on:
                found.append(
                    Warning(
                        code="procedure_window",
                        message=(
                            f"Your {p.label} is on {p.on}: retinoids and exfoliants stop "
                            f"{(p.on - w.pause_from).days} days ahead. Paused until "
                            f"{w.healing_until}: {names}. The retinoid restarts on "
                            f"{w.resume_on} on a shortened ramp, exfoliants on "
                            f"{w.exfoliants_resume_on}."
                        ),
                        rule_id="PP1",
                    )
                )
            elif on <= w.healing_until:
                found.append(
                    Warning(
                        code="procedure_window",
                        message=(
                            f"Healing after your {p.label} on {p.on}: until {w.healing_until} "
                            f"only a gentle cleanser, a bland moisturiser and a mineral "
                            f"sunscreen{note}; keep out of the sun. Paused until "
                            f"{w.healing_until}: {names}. From {w.resume_on} your products "
                            f"return (the retinoid on a shortened ramp), exfoliants from "
                            f"{w.exfoliants_resume_on}. See your clinic if redness, swelling "
                            "or crusting gets worse."
                        ),
                        rule_id="PP5",
                    )
                )
            else:
                found.append(
                    Warning(
                        code="procedure_window",
                        message=(
                            f"Restarting after your {p.label} on {p.on}: exfoliants paused "
                            f"until {w.exfoliants_resume_on - _DAY}; the retinoid is on a "
                            "shortened ramp."
                        ),
                        rule_id="PP5",
                    )
                )
            if self.oral_retinoid and _isotretinoin_delayed(p):
                found.append(
                    Warning(
                        code="procedure_isotretinoin",
                        message=(
                            f"You take an oral retinoid: a {p.label} waits until 6 months after "
                            "your last dose. Confirm with your prescriber and your clinic."
                        ),
                        rule_id="PP2",
                    )
                )
            if had_aha and w.pause_from <= on < w.pause_from + timedelta(days=7):
                found.append(
                    Warning(
                        code="aha_sun_sensitivity",
                        message=(
                            "Your AHA is paused, but the sun sensitivity it causes lasts a week "
                            "after the last use: sunscreen every morning."
                        ),
                        rule_id="PP4",
                    )
                )
        if any(c.traits.exosome for c in used) and self.healing(on) is not None:
            found.append(
                Warning(
                    code="procedure_exosome_adjunct",
                    message=(
                        "Exosome serum after a procedure, as your clinic advised: an optional "
                        "adjunct with limited evidence (no approved exosome product exists)."
                    ),
                    rule_id="EXO1",
                )
            )
        # one message per code and text (overlapping windows)
        unique = {(w.code, w.message): w for w in found}
        return list(unique.values())

    # hook: engine._Planner._notes (how tonight's retinoid is timed)
    def ramp_note(self, on: date) -> str | None:
        for start, end, p in self._ramps:
            if start <= on < end:
                return (
                    f"Restarting after your {p.label}: every 3rd night at first, then every "
                    f"2nd, back to your usual rhythm from {end} (PP5)."
                )
        return None

    # hook: engine._Planner._rotation (the ramp restart)
    def restart_rotation(self, rotation: Rotation) -> Rotation:
        """After each healing window the retinoid grid restarts on a shortened ramp: every 3rd
        night for the first half of `procedure_ramp_days`, every 2nd for the rest, never faster
        than the user's own grid; then the grid goes on from the last night used. The nights
        are worked out on the first question about a date after a healing window."""
        grid = rotation.grid
        if grid is None or not self.windows:
            return rotation
        days = timedelta(days=self.settings.procedure_ramp_days)
        for w in self.windows:
            if w.resume_on >= grid.anchor:
                self._ramps.append((w.resume_on, w.resume_on + days, w.procedure))
        if not self._ramps:
            return rotation
        spans = tuple(sorted((start, end) for start, end, _ in self._ramps))
        return replace(rotation, grid=_RampedGrid(grid, spans))


def _ramp_nights(
    grid: RetinoidGrid, spans: Sequence[tuple[date, date]]
) -> tuple[frozenset[date], tuple[date, ...]]:
    """The retinoid nights of each restart span, and the grid's restarts after them."""
    restarts = list(grid.restarts)
    nights: set[date] = set()
    for start, end in spans:
        days = (end - start).days
        last: date | None = None
        for k in range(days):
            night = start + timedelta(days=k)
            own = _interval(grid, night)
            interval = max(3 if k < days // 2 else 2, own)
            if last is None or (night - last).days >= interval:
                nights.add(night)
                last = night
        own = _interval(grid, end)
        insort(restarts, max(end, (last or start) + timedelta(days=max(own, 2))))
    return frozenset(nights), tuple(restarts)


def _interval(grid: RetinoidGrid, on: date) -> int:
    """The user's own interval between retinoid nights on `on` (their ramp, or an R7 restart)."""
    ramp, stage = grid.position(on)
    return ramp.phases[stage].interval


class _RampedGrid(RetinoidGrid):
    """The grid with the shortened restart ramps laid over it (computed when first needed)."""

    __slots__ = ("_nights", "_shifted", "spans")
    spans: tuple[tuple[date, date], ...]
    _nights: frozenset[date] | None
    _shifted: RetinoidGrid | None

    def __init__(self, grid: RetinoidGrid, spans: tuple[tuple[date, date], ...]) -> None:
        object.__setattr__(self, "anchor", grid.anchor)
        object.__setattr__(self, "ramp", grid.ramp)
        object.__setattr__(self, "restarts", grid.restarts)
        object.__setattr__(self, "segments", grid.segments)
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "_nights", None)
        object.__setattr__(self, "_shifted", None)

    def is_night(self, on: date) -> bool:
        if on < self.spans[0][0]:
            return RetinoidGrid.is_night(self, on)
        if self._nights is None or self._shifted is None:
            nights, restarts = _ramp_nights(self, self.spans)
            object.__setattr__(self, "_nights", nights)
            shifted = RetinoidGrid(self.anchor, self.ramp, restarts, self.segments)
            object.__setattr__(self, "_shifted", shifted)
        assert self._nights is not None
        assert self._shifted is not None
        if any(start <= on < end for start, end in self.spans):
            return on in self._nights
        return self._shifted.is_night(on)


def _isotretinoin_delayed(p: Procedure) -> bool:
    return p.kind in _ISOTRETINOIN_DELAYED or (
        p.kind is ProcedureKind.chemical_peel and p.depth is not PeelDepth.superficial
    )


def isotretinoin_delays(p: Procedure) -> bool:
    """PP2 / P10: on oral isotretinoin this procedure waits (ablative laser, dermabrasion,
    waxing; medium and deep peels by the safer reading)."""
    return _isotretinoin_delayed(p)


# --- series (PP3, PP6) --------------------------------------------------------------------------

# PP6's minimum spacing in days; kinds PP6 does not name take the time to heal and restart
# (the safer reading, a configurable default)
_MIN_INTERVAL = {
    ProcedureKind.microneedling: 21,
    ProcedureKind.microneedling_prp: 21,
    ProcedureKind.prp: 21,
    ProcedureKind.prf: 21,
    ProcedureKind.laser_nonablative: 28,
    ProcedureKind.ipl: 21,
    ProcedureKind.laser_ablative: 180,
    ProcedureKind.dermabrasion: 180,
    ProcedureKind.waxing: 14,
}
_PEEL_MIN_INTERVAL = {PeelDepth.superficial: 14, PeelDepth.medium: 60, PeelDepth.deep: 180}
# sessions of one family are spaced against each other
_FAMILY = {
    ProcedureKind.microneedling_prp: ProcedureKind.microneedling,
    ProcedureKind.prf: ProcedureKind.prp,
}
# PP3: (sessions low, high, interval low, high, maintenance months low, high)
_PROTOCOL = {
    ProcedureKind.microneedling: (4, 6, 21, 31, 6, 12),
    ProcedureKind.microneedling_prp: (4, 6, 21, 31, 6, 12),
    ProcedureKind.prp: (3, 3, 21, 21, 6, 6),
    ProcedureKind.prf: (3, 3, 21, 21, 6, 6),
}


def min_interval_days(kind: ProcedureKind, depth: PeelDepth | None = None) -> int:
    """PP6: the closest two sessions of one kind (or family) may be booked."""
    if kind is ProcedureKind.chemical_peel:
        return _PEEL_MIN_INTERVAL[depth or PeelDepth.medium]
    return _MIN_INTERVAL[kind]


def same_family(a: ProcedureKind, b: ProcedureKind) -> bool:
    return _FAMILY.get(a, a) is _FAMILY.get(b, b)


def too_close(
    kind: ProcedureKind,
    depth: PeelDepth | None,
    dates: Sequence[date],
    others: Sequence[tuple[ProcedureKind, PeelDepth | None, date]],
) -> list[tuple[date, date]]:
    """PP6: each (new date, other date) pair closer than the minimum spacing, where the other is
    a new session or an existing one of the same family."""
    minimum = min_interval_days(kind, depth)
    pairs = []
    ordered = sorted(dates)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if (b - a).days < minimum:
            pairs.append((b, a))
    for on in ordered:
        for other_kind, other_depth, other_on in others:
            if not same_family(kind, other_kind):
                continue
            spacing = max(minimum, min_interval_days(other_kind, other_depth))
            if abs((on - other_on).days) < spacing:
                pairs.append((on, other_on))
    return pairs


def series_dates(starts_on: date, sessions: int, interval_days: int) -> list[date]:
    return [starts_on + timedelta(days=interval_days * k) for k in range(sessions)]


def series_advice(
    kind: ProcedureKind, sessions: int, interval_days: int, maintenance_months: int | None
) -> list[Warning]:
    """PP3: a series outside the published protocol is allowed but said so."""
    protocol = _PROTOCOL.get(kind)
    if protocol is None:
        return []
    low, high, gap_low, gap_high, months_low, months_high = protocol
    found = []
    if not low <= sessions <= high:
        span = f"{low}" if low == high else f"{low}-{high}"
        found.append(
            Warning(
                "series_outside_protocol",
                f"The usual protocol is {span} sessions; this series has {sessions}.",
                "PP3",
            )
        )
    if interval_days > gap_high:
        found.append(
            Warning(
                "series_outside_protocol",
                f"Sessions are usually {gap_low}-{gap_high} days apart; these are "
                f"{interval_days} days apart.",
                "PP3",
            )
        )
    if maintenance_months is not None and not months_low <= maintenance_months <= months_high:
        span = f"{months_low}" if months_low == months_high else f"{months_low}-{months_high}"
        found.append(
            Warning(
                "series_outside_protocol",
                f"Maintenance is usually every {span} months; this plan says {maintenance_months}.",
                "PP3",
            )
        )
    return found
