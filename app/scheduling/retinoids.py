"""Retinoid facts beyond the rotation: one retinoid at a time (R8), and the breaks in use that
restart the beginner ramp (R7).

R8: which retinoid a day keeps when the shelf holds more than one.

A prescribed retinoid (tretinoin, tazarotene, trifarotene, adapalene above 0.1 %) beats an
over-the-counter one (retinol, retinaldehyde, retinyl esters, adapalene 0.1 %, an undeclared
retinoid); the others are left out of the day with "ask your prescriber before combining". A
retinoid a dermatologist timed is the one kept. Between over-the-counter retinoids alone the
night's pick follows the strength ladder (R5, rotation.pick_retinoid), as before.

Where RULES.md is silent the safer reading is taken: two prescribed retinoids are not rotated
either (the second is left out the same way), and adapalene of unstated strength counts as the
over-the-counter 0.1 % gel, so that a declared prescription product always wins against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.classify import RetinoidKind, Traits
from app.scheduling.guards import Hit
from app.scheduling.plan import Guard

_DAY = timedelta(days=1)
_PRESCRIBED = frozenset({RetinoidKind.tretinoin, RetinoidKind.tazarotene, RetinoidKind.trifarotene})
# OTC adapalene is 0.1 % (Differin Drug Facts); 0.3 % is prescription only (R5, R8)
_OTC_ADAPALENE_PERCENT = 0.1


def prescribed(traits: Traits) -> bool:
    """A prescription-only retinoid (R8)."""
    kind = traits.retinoid
    if kind in _PRESCRIBED:
        return True
    percent = traits.retinoid_percent
    return (
        kind is RetinoidKind.adapalene and percent is not None and percent > _OTC_ADAPALENE_PERCENT
    )


def one_retinoid(
    retinoids: Sequence[Candidate], planned: UUID | None, pick: Candidate | None
) -> dict[Candidate, Hit]:
    """The retinoids the day leaves out (R8), with the reason, given the usable ones.

    `planned` is the product a dermatologist timed (kept whatever it is); `pick` is the one the
    strength ladder would choose among the prescribed ones (rotation.pick_retinoid). Nothing is
    left out when no prescribed retinoid is usable and nothing is timed: the nightly pick keeps
    over-the-counter retinoids one at a time."""
    if len(retinoids) < 2:
        return {}
    kept = next((c for c in retinoids if c.product.id == planned), None)
    if kept is None:
        if pick is None or not prescribed(pick.traits):
            return {}
        kept = pick
    why = "is prescribed" if prescribed(kept.traits) else "was set by your dermatologist"
    return {
        c: Hit(
            Guard.conflict,
            "R8",
            f"One retinoid at a time: {kept.name} {why}, so {c.name} is left out; ask your "
            "prescriber before combining.",
        )
        for c in retinoids
        if c is not kept
    }


# R7: "4 weeks or more without the retinoid", in windows here and in the history (rotation.py)
GAP_DAYS = 28

Window = tuple[date, date | None]  # first and last usable day; None: open-ended


def usable_window(first: date, last: date | None, blocked: Sequence[Window]) -> list[Window]:
    """The spans of [first, last] outside the `blocked` spans (pauses, removals)."""
    if last is not None and last < first:
        return []
    spans: list[Window] = [(first, last)]
    for start, end in sorted(blocked, key=lambda w: w[0]):
        kept: list[Window] = []
        for a, b in spans:
            if (b is not None and start > b) or (end is not None and end < a):
                kept.append((a, b))
                continue
            if start > a:
                kept.append((a, start - _DAY))
            if end is not None and (b is None or end < b):
                kept.append((end + _DAY, b))
        spans = kept
    return spans


def restarts_after_gaps(windows: Sequence[Window]) -> tuple[date, ...]:
    """R7, the one mechanism for "4 weeks or more without the retinoid": the dates on which
    some retinoid is usable again after GAP_DAYS days or more in which none was. Each restarts
    the beginner ramp (rotation.build_rotation's `breaks`).

    `windows` are the spans in which a retinoid is usable: per product, from its first usable
    day (shelf date, patch test, guards) to its expiry, minus pauses and removals. A recorded
    pregnancy end is one more instance: the pregnancy closes the windows, and the day it ended
    (pregnancy_ended_on) opens the next one, so it restarts the beginner ramp through this
    function rather than through a rule of its own. A gap in *use* (nights logged as missed)
    is found in the history instead (rotation.grid_from_history)."""
    restarts: list[date] = []
    covered: date | None = None  # the last usable day so far
    for start, end in sorted(windows, key=lambda w: w[0]):
        if covered is not None and (start - covered).days - 1 >= GAP_DAYS:
            restarts.append(start)
        if end is None:
            break  # open-ended: nothing later can follow a gap
        if covered is None or end > covered:
            covered = end
    return tuple(restarts)
