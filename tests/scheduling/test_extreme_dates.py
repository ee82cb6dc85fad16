"""The engine is total over every date its inputs allow: a value stored before the API bounded
dates (an opened_on in 9999 with a 120-month PAO, a due date of 9999-12-31, a log on date.max)
must not keep a routine at 500. Every date here is drawn near date.min, near date.max or anywhere
in between, independently of the others."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling import (
    EngineSettings,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    PatchTest,
    Pregnancy,
    Profile,
    RetinoidExperience,
    ShelfItem,
    Slot,
    build_day,
    build_days,
)
from tests.scheduling.strategies import _SHAPES, POOL, product_indexes

EDGE = timedelta(days=800)
any_date = st.one_of(
    st.dates(date.max - EDGE, date.max),
    st.dates(date.min, date.min + EDGE),
    st.dates(),
    st.sampled_from([date.max, date.min, date(9999, 12, 27)]),
)


def _items(rows: list[tuple]) -> list[ShelfItem]:
    return [
        ShelfItem(
            id=UUID(int=1000 + k),
            product=POOL[index],
            added_on=added,
            expires_on=expires,
            opened_on=opened,
            pao_months=pao if opened is not None else None,
            patch_test=patch,
        )
        for k, (index, added, expires, opened, pao, patch) in enumerate(rows)
    ]


shelves = st.lists(
    st.tuples(
        product_indexes,
        any_date,
        st.none() | any_date,
        st.none() | any_date,
        st.integers(1, 120),
        st.sampled_from(list(PatchTest)),
    ),
    max_size=8,
).map(_items)

profiles = st.builds(
    Profile,
    pregnancy=st.sampled_from(list(Pregnancy)),
    due_date=st.none() | any_date,
    retinoid_experience=st.sampled_from(list(RetinoidExperience)),
)

histories = st.lists(
    st.builds(
        LogEntry,
        on=any_date,
        slot=st.sampled_from(list(Slot)),
        done=st.booleans(),
        irritation=st.sampled_from(list(Irritation)),
    ),
    max_size=6,
)


@st.composite
def overrides(draw: st.DrawFn) -> list[Override]:
    found = []
    for k in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(list(OverrideAction)))
        target = POOL[draw(product_indexes)]
        found.append(
            Override(
                id=UUID(int=2000 + k),
                action=action,
                reason="edge",
                starts_on=draw(any_date),
                ends_on=draw(st.none() | any_date),
                author_id=UUID(int=42),
                author="Dr Lee",
                product_id=target.id if action is not OverrideAction.pause else None,
                product=target if action is OverrideAction.add else None,
                **draw(st.sampled_from(_SHAPES)),
            )
        )
    return found


@given(profile=profiles, shelf=shelves, extra=overrides(), history=histories, on=any_date)
def test_build_day_never_raises_on_extreme_dates(profile, shelf, extra, history, on):
    plan = build_day(profile, shelf, extra, on, history, EngineSettings())
    assert plan.on == on


@given(profile=profiles, shelf=shelves, history=histories, start=any_date, days=st.integers(0, 6))
def test_build_days_never_raises_on_extreme_dates(profile, shelf, history, start, days):
    end = min(start + timedelta(days=days), date.max) if start <= date.max - EDGE else start
    plans = build_days(profile, shelf, (), start, end, history, EngineSettings())
    assert [p.on for p in plans][0] == start


def test_a_bottle_opened_in_9999_with_a_ten_year_pao_does_not_crash():
    bottle = ShelfItem(
        id=UUID(int=1),
        product=POOL[0],
        added_on=date(9999, 1, 1),
        opened_on=date(9999, 12, 31),
        pao_months=120,
        patch_test=PatchTest.passed,
    )
    profile = Profile(pregnancy=Pregnancy.pregnant, due_date=date.max)
    assert build_day(profile, [bottle], (), date.max).on == date.max
