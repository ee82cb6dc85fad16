"""The two guard evaluations agree: `GuardScreen.first_usable` (ahead of time, for the retinoid
grid's anchor) never says later than the day-by-day screen (`GuardScreen.day`) lets a product in.
If the anchor came later than the first day a retinoid is in use, the ramp would start late and
the retinoid would be left out of nights it should have."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling.candidates import candidate
from app.scheduling.guard_screen import GuardScreen
from app.scheduling.guards import facts, pregnancy_on
from app.scheduling.inputs import EngineSettings
from app.scheduling.overrides import day_overrides, sort_overrides, structural_violations
from app.scheduling.rotation import build_rotation
from tests.scheduling.strategies import dates, overrides, profiles, shelves

DAYS = 21


@given(st.data())
def test_a_product_in_use_on_a_day_was_first_usable_by_then(data: st.DataObject) -> None:
    start = data.draw(dates)
    shelf = data.draw(shelves(start))
    profile = data.draw(profiles(start))
    drawn = sort_overrides(data.draw(overrides(start, shelf)))
    valid = tuple(o for o in drawn if not structural_violations(o))
    settings = EngineSettings()
    candidates = sorted(
        (candidate(item.product, item=item, added_by=None) for item in shelf),
        key=lambda c: c.sort_key,
    )
    screen = GuardScreen(profile, facts(profile), candidates, valid, settings)
    rotation = build_rotation(
        profile=profile,
        anchor=None,
        history=(),
        retinoid_plans=(),
        exfoliant_plans=(),
        settings=settings,
        exfoliating=False,
    )
    first = {c: screen.first_usable(c) for c in candidates}
    for k in range(DAYS):
        on = start + timedelta(days=k)
        day = screen.day(on, pregnancy_on(profile, on), day_overrides(valid, on), rotation)
        for c in day.in_use:
            usable_from = first[c]
            assert usable_from is not None, (c.name, on)
            assert usable_from <= on, (c.name, on, usable_from)
