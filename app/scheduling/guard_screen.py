"""The guard screen: which of the candidates a day may use, and from when a product can first be
used at all.

`GuardScreen.day` runs every guard over one day's candidates (static guards per pregnancy
state, the dated ones: expiry, procedures, pauses) and applies what the day's overrides may
change there: a removal, an `add`'s slot, a confirmation of a confirmable guard (O2), a
frequency (O3). A new shelf item that passes the guards then follows its onboarding
(onboarding.py, S2, S5, S6): waiting its turn, on its test spot, or on the face.
`GuardScreen.first_usable` asks the same questions ahead of time, for the rotation's anchor: the
first date the static guards and the onboarding let a product in, if ever. Both read the same
valid overrides; a property test pins them together (a product in use on a day was usable by
then: tests/scheduling/test_guard_screen.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.guards import Hit, ProfileFacts, dated_hits, static_hits
from app.scheduling.inputs import EngineSettings, Override, OverrideAction, Pregnancy, Profile, Slot
from app.scheduling.interactions import Option
from app.scheduling.onboarding import Intro, PatchTestDay, covered, schedule, waiting
from app.scheduling.overrides import DayOverrides, slot_hit
from app.scheduling.plan import Exclusion, Guard, OverrideNote, Warning
from app.scheduling.pregnancy_end import kept_out_until_end
from app.scheduling.procedures import ProcedureWindows, bland
from app.scheduling.rotation import Rotation
from app.scheduling.rules import DEFAULT, plain

_CONFIRMING = (OverrideAction.confirm, OverrideAction.add)


class GuardScreen:
    """The guards of one engine call over its candidates, shared across its days."""

    def __init__(
        self,
        profile: Profile,
        facts: ProfileFacts,
        candidates: Sequence[Candidate],
        overrides: Sequence[Override],
        settings: EngineSettings,
        windows: ProcedureWindows | None = None,
    ) -> None:
        self.profile = profile
        self.windows = windows
        self.facts = facts
        self.candidates = candidates
        # the valid overrides, sorted by start
        self.overrides = overrides
        self.settings = settings
        self.touched = {pid for o in overrides if (pid := o.target) is not None}
        self._static: dict[Pregnancy, list[tuple[Hit, ...]]] = {}
        # S2, S5, S6: how each new shelf item joins (onboarding.py)
        self.intros = schedule(candidates, profile, overrides, settings, self.allowed_from)
        # the basics whose patch test depends on what else is usable that day are screened last
        self._deferred = {c for c, intro in self.intros.items() if intro.roles}
        nights = settings.mask_nights_per_week
        self._off_mask_night = (
            f"Not a mask night: a face mask takes up to {nights} "
            f"evening{'' if nights == 1 else 's'} a week, never a retinoid or exfoliant night "
            f"({DEFAULT})."
        )

    def first_usable(self, c: Candidate) -> date | None:
        """When the static guards and the onboarding first let the product in, if ever."""
        allowed = self.allowed_from(c)
        intro = self.intros.get(c)
        # a basic may be on the face from day 1, when nothing else fills its role (S6)
        if allowed is None or intro is None or intro.roles:
            return allowed
        return max(allowed, intro.joins_on)

    def allowed_from(self, c: Candidate) -> date | None:
        """When the static guards first let the product in, if ever."""
        start = c.since
        hits = static_hits(c.traits, self.facts, self.profile.pregnancy)
        options = []
        # a due date ends nothing; a recorded end lets the product in from that date (P9a)
        ended = kept_out_until_end(c.traits, self.facts)
        if ended is not None:
            options.append(ended[0])
            hits = ended[1]
        if not hits:
            return start
        if all(hit.confirmable for hit in hits):
            options.extend(
                o.starts_on
                for o in self.overrides
                if o.action in _CONFIRMING and o.target == c.product.id and o.acknowledge_warning
            )
        return max(start, min(options)) if options else None

    def day(
        self, on: date, state: Pregnancy, overrides: DayOverrides, rotation: Rotation
    ) -> DayScreen:
        """Run every guard over the day's products and apply the overrides they allow."""
        screen = DayScreen()
        # procedures (PP1, PP5): procedures.py decides; a falsy check when there are none
        windows = self.windows if self.windows else None
        mineral_spf = (
            windows is not None and windows.healing(on) is not None and self._mineral_spf(on)
        )
        for c, static in self._order(on, state):
            pid = c.product.id
            touched = pid in self.touched
            add = overrides.adds.get(pid) if touched else None
            if c.added_by is not None and add is not c.added_by:
                continue  # a dermatologist-added product exists while its override runs
            if c.since > on:
                continue  # not on the shelf yet
            screen.present.append(c)
            hits = [*static, *dated_hits(c, on, pauses=overrides.pauses)]
            if windows is not None:
                clinic = touched and (pid in overrides.confirms or add is not None)
                hits.extend(windows.hits(c, on, clinic_confirmed=clinic, mineral_spf=mineral_spf))
            slots, once = c.traits.slots, c.traits.once
            lifted: tuple[Hit, ...] = ()
            acknowledging = None
            if touched:
                hits.extend(_removal(o) for o in overrides.removes.get(pid, ()))
                if add is not None and add.slot is not None:
                    forbidden = slot_hit(c.traits, add.slot, add)
                    if forbidden is not None:
                        hits.append(forbidden)
                    # a slot rule refuses the override's slot: a product the user has on the
                    # shelf keeps its own slots (an evening-pinned sunscreen still goes on in
                    # the morning: S6); one only the override brings goes nowhere else
                    if forbidden is None or c.added_by is not None:
                        slots, once = (add.slot,), False
                acknowledging = overrides.confirms.get(pid) or add
                hits, lifted = _confirm(hits, acknowledging)
            screen.excluded.extend(exclusion(c, hit) for hit in hits)
            closed = {hit.slot for hit in hits}
            slots = tuple(slot for slot in slots if slot not in closed)
            if None in closed or not slots:
                continue
            intro = self.intros.get(c) if self.intros else None
            if intro is not None and on < intro.joins_on and not _onboard(c, intro, on, screen):
                continue
            if lifted and acknowledging is not None:
                screen.confirmed[pid] = (acknowledging, lifted)
                screen.warnings.append(_confirmation_warning(c, acknowledging, lifted))
            screen.in_use.append(c)
            frequency = overrides.frequency(pid) if touched else None
            timed_by_rotation = c.traits.retinoid is not None or c.traits.timed_exfoliant
            if frequency is not None and not timed_by_rotation and not frequency.falls_on(on):
                screen.left_out[c] = Hit(
                    Guard.override,
                    "O3",
                    f"Not today: {frequency.author} set it {frequency.describe_frequency()}.",
                    override=frequency,
                )
                continue
            if (
                frequency is None
                and c.traits.weekly_mask
                and Slot.pm in slots
                and not rotation.mask_planned(on)
            ):
                # not tonight rather than excluded: said like the frequency above, so that
                # nothing leaves silently
                screen.left_out[c] = Hit(Guard.conflict, "MK1", self._off_mask_night)
                continue
            screen.options.append(Option(c, slots, once, added=add is not None))
        return screen

    def _mineral_spf(self, on: date) -> bool:
        """Whether a bland mineral sunscreen is on the shelf and in date (PP5 prefers it)."""
        return any(
            c.traits.sunscreen
            and c.traits.mineral_filter
            and bland(c.traits)
            and (c.item is None or c.item.expires_on is None or on <= c.item.expires_on)
            and (start := self.first_usable(c)) is not None
            and start <= on
            for c in self.candidates
        )

    def _order(self, on: date, state: Pregnancy) -> list[tuple[Candidate, tuple[Hit, ...]]]:
        """The candidates with their static hits; the basics in their patch-test window last, so
        that they see which established products are usable that day (S6)."""
        pairs = list(zip(self.candidates, self._static_for(state), strict=True))
        if not self._deferred:
            return pairs
        late = {
            c for c in self._deferred if self.intros[c].test_from <= on < self.intros[c].joins_on
        }
        if not late:
            return pairs
        return [p for p in pairs if p[0] not in late] + [p for p in pairs if p[0] in late]

    def _static_for(self, state: Pregnancy) -> list[tuple[Hit, ...]]:
        """Static guard hits per candidate (in `self.candidates` order) for a pregnancy state."""
        found = self._static.get(state)
        if found is None:
            found = self._static[state] = [
                static_hits(c.traits, self.facts, state) for c in self.candidates
            ]
        return found


@dataclass
class DayScreen:
    """One day's products after the guards and the overrides."""

    present: list[Candidate] = field(default_factory=list)  # on the shelf that day
    in_use: list[Candidate] = field(default_factory=list)  # not excluded
    options: list[Option] = field(default_factory=list)  # offered to placement
    excluded: list[Exclusion] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    left_out: dict[Candidate, Hit] = field(default_factory=dict)
    confirmed: dict[UUID, tuple[Override, tuple[Hit, ...]]] = field(default_factory=dict)
    patch_tests: list[PatchTestDay] = field(default_factory=list)  # on the test spot (S2)
    untested: dict[UUID, Candidate] = field(default_factory=dict)  # basics used untested (S6)


def _onboard(c: Candidate, intro: Intro, on: date, screen: DayScreen) -> bool:
    """A new product before it joins: waiting its turn (S5), on its test spot (S2), or, a basic
    with no established product of its role usable today, on the face (S6). True when it goes on
    the face today."""
    if on < intro.test_from:
        screen.excluded.append(waiting(c, intro))
        return False
    established = [o for o in screen.in_use if o.product.id not in screen.untested]
    if intro.roles and not covered(c, intro, established):
        screen.untested[c.product.id] = c
        return True
    days = (intro.joins_on - intro.test_from).days
    screen.patch_tests.append(PatchTestDay(c, intro, (on - intro.test_from).days + 1, days))
    return False


def _removal(override: Override) -> Hit:
    return Hit(
        Guard.override,
        "O3",
        f"Removed by {override.author}: {override.reason}",
        slot=override.slot,
        override=override,
    )


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
    return Warning(
        code="override_confirmed",
        message=(
            f"{by.author} confirmed {c.name} against the usual advice ({by.reason}); this is a "
            "recorded warning. " + " ".join(hit.reason for hit in lifted)
        ),
        rule_id="O2",
    )


def exclusion(c: Candidate, hit: Hit) -> Exclusion:
    by = hit.override or c.added_by
    return Exclusion(
        product=c.step_product,
        reason=plain(hit.reason),  # L8
        rule_id=hit.rule_id,
        guard=hit.guard,
        slot=hit.slot,
        override=OverrideNote.of(by) if by is not None else None,
    )
