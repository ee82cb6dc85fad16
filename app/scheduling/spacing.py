"""Irritant spacing (I10): exfoliants and at-home peels kept away from retinoid nights.

The night rule lives in the rotation (Rotation.crowded): while the retinoid ramp is below its
target or the skin is sensitive, no exfoliant night directly before or after a retinoid night.
This module adds what is particular to an at-home peel, and says so when a week has no
exfoliant night at all.

An at-home peel is a product labelled as a peel ("peel", "peeling" in its name; a "peel-off"
mask is not one) or one with an AHA at 20 % or more. It is at most weekly, never within 48 h of
a retinoid night (the two nights before and after are kept free), and never in the first 6 weeks
of a retinoid ramp (counted from its start or its R7 restart). "At most weekly" is computed
directly, without walking back through the history: a peel takes only the first exfoliant night
of its ISO week, and only when the previous week's first exfoliant night (where a peel could have
been) is at least 7 days before it. That is safer than exact: it may skip a week a peel could
have had.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from app.scheduling.candidates import Candidate
from app.scheduling.guards import Hit
from app.scheduling.inputs import ActiveClass, Product
from app.scheduling.plan import Guard, Warning
from app.scheduling.rotation import Rotation

PEEL_AHA_PERCENT = 20.0
RAMP_WEEKS_WITHOUT_PEEL = 6
_PEEL_WORD = re.compile(r"\bpeel(?:ing)?\b(?![- ]?off)")
_NEAR = (1, 2)  # 48 h: the two nights either side


def is_peel(product: Product) -> bool:
    """An at-home peel (I10): labelled as one, or an AHA at 20 % or more."""
    return _peel_name(product.name) or any(
        a.class_ is ActiveClass.aha and a.percent is not None and a.percent >= PEEL_AHA_PERCENT
        for a in product.actives
    )


@lru_cache(maxsize=4096)
def _peel_name(name: str) -> bool:
    return bool(_PEEL_WORD.search(name.lower()))


def peel_hit(on: date, rotation: Rotation) -> Hit | None:
    """Why an at-home peel cannot take tonight, if it cannot (I10). Only exfoliant nights are
    judged: on other nights the placement says why no exfoliant goes on."""
    if not rotation.exfoliant_planned(on):
        return None
    grid = rotation.grid
    if grid is not None and grid.anchor <= on:
        start = grid.ramp_start(on)
        until = start + timedelta(weeks=RAMP_WEEKS_WITHOUT_PEEL)
        if on < until:
            return _hit(
                f"An at-home peel waits until 6 weeks into your retinoid ramp (from {until})."
            )
    if any(
        rotation.retinoid_planned(on + timedelta(days=sign * k)) for k in _NEAR for sign in (-1, 1)
    ):
        return _hit("An at-home peel is never within 48 hours of a retinoid night.")
    monday = on - timedelta(days=on.weekday())
    if rotation.first_exfoliant_night(monday) != on:
        return _hit("An at-home peel is used at most once a week.")
    previous = rotation.first_exfoliant_night(monday - timedelta(days=7))
    if previous is not None and (on - previous).days < 7:
        return _hit("An at-home peel is used at most once a week.")
    return None


def _hit(reason: str) -> Hit:
    return Hit(Guard.conflict, "I10", reason)


def no_exfoliant_night(
    on: date, exfoliants: Sequence[Candidate], rotation: Rotation
) -> Warning | None:
    """I10: say so when the week's retinoid nights (and the nights kept free around them) leave
    no night for a usable exfoliant, instead of leaving it out silently. Said on the retinoid
    nights, where the exfoliant gives way to the retinoid (other nights' exclusions say why)."""
    if not exfoliants or not rotation.retinoid_planned(on):
        return None
    monday = on - timedelta(days=on.weekday())
    if not rotation.retinoid_leaves_no_exfoliant_night(monday):
        return None
    listed = ", ".join(sorted({c.name for c in exfoliants}))
    return Warning(
        code="no_exfoliant_night",
        message=(
            f"No exfoliant night this week: your retinoid nights, and the nights kept free "
            f"around them, leave none, so {listed} waits. A retinoid and an exfoliant never "
            "share an evening; ask your dermatologist before giving up a retinoid night for it."
        ),
        rule_id="I10",
    )
