"""The engine's safety invariants, through the whole stack (HTTP, services, SQL) on SQLite and
PostgreSQL: generated profiles and shelves from the seed catalog, a 14-day range per example."""

import os
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.scheduling.classify import RetinoidKind, classify
from app.services import routine_inputs
from app.services.catalog import seed_products
from tests.factories import add_to_shelf, catalog_product, create_person, freeze_clock

CATALOG = sorted(p.name for p in seed_products())
EXAMPLES = 100 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 12

profiles = st.fixed_dictionaries(
    {
        "timezone": st.sampled_from(["UTC", "America/New_York", "Pacific/Chatham"]),
        "sensitivity": st.sampled_from(["low", "medium", "high"]),
        "pregnancy": st.sampled_from(["none", "pregnant", "trying_to_conceive", "breastfeeding"]),
        "conditions": st.lists(
            st.sampled_from(["acne", "rosacea", "eczema", "melasma"]), unique=True, max_size=2
        ),
        "retinoid_experience": st.sampled_from(["none", "beginner", "experienced"]),
        "oral_medications": st.sampled_from([[], ["isotretinoin"]]),
    }
)
shelves = st.lists(
    st.tuples(st.sampled_from(CATALOG), st.sampled_from(["pending", "passed", "skipped"])),
    min_size=1,
    max_size=10,
    unique_by=lambda entry: entry[0],
)
# products join the shelf on the (frozen) day before the first date asked for
SHELVED = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
starts = st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 3, 31))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile=profiles, shelf=shelves, start=starts)
async def test_routines_over_http_keep_the_safety_invariants(
    client, session, monkeypatch, profile, shelf, start
):
    freeze_clock(monkeypatch, SHELVED)
    person = await create_person(client)
    response = await client.put("/v1/me/profile", json=profile, headers=person.headers)
    assert response.status_code in (200, 201), response.text
    traits = {}
    for name, patch_test in shelf:
        row = await catalog_product(session, name)
        traits[str(row.id)] = classify(routine_inputs.product(row))
        await add_to_shelf(client, person, row.id, patch_test=patch_test)
    end = start + timedelta(days=13)
    response = await client.get(
        "/v1/me/routine/days",
        params={"from": start.isoformat(), "to": end.isoformat()},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text
    days = response.json()["days"]
    assert [d["date"] for d in days] == [(start + timedelta(days=i)).isoformat() for i in range(14)]

    accounted: set[str] = set()
    for day in days:
        for slot in ("am", "pm"):
            steps = day[slot]["steps"]
            used = [traits[s["product"]["id"]] for s in steps]
            accounted |= {s["product"]["id"] for s in steps}
            assert [s["order"] for s in steps] == list(range(1, len(steps) + 1))
            if profile["pregnancy"] == "pregnant":
                assert not any(t.retinoid or t.hydroquinone or t.exosome for t in used), day
            if slot == "am":
                # a retinoid's patch test as well keeps out of the morning (L4)
                assert not any(t.retinoid for t in used), day
                if any(s["kind"] == "spf" for s in steps):
                    assert steps[-1]["kind"] == "spf", day
            # the pair rules read the face routine: a patch test goes on its test spot (S2)
            used = [traits[s["product"]["id"]] for s in steps if s["kind"] != "patch_test"]
            has_retinoid = any(t.retinoid for t in used)
            exfoliants = [t for t in used if t.exfoliation]
            assert not (has_retinoid and exfoliants), day
            if any(t.bpo for t in used):
                assert not any(t.retinoid is RetinoidKind.tretinoin for t in used), day
            # I8 and I3, except after a rinse-off product that comes off first (I12)
            for i, first in enumerate(used):
                for then in used[i + 1 :]:
                    if first.rinse_off:
                        continue
                    assert not (first.exfoliation and then.exfoliation), day
                    assert not (first.bpo and then.vitamin_c), day
                    assert not (first.vitamin_c and then.bpo), day
        accounted |= {e["product"]["id"] for e in day["excluded"]}
        for rule_id in {r for s in day["am"]["steps"] + day["pm"]["steps"] for r in s["rule_ids"]}:
            assert rule_id in day["rules"]
    assert set(traits) <= accounted, "a shelf product was neither used nor excluded"

    # one routine per date, however it is asked for
    middle = days[7]
    alone = await client.get(
        "/v1/me/routine", params={"date": middle["date"]}, headers=person.headers
    )
    assert alone.json() == middle
