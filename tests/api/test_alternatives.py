"""ALT1 over HTTP: exclusions name alternatives from the user's shelf and the seeded catalog."""

from datetime import UTC, datetime

from app.models.routines import RoutineDay
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    put_profile,
)


async def test_alt1_pregnant_user_with_adapalene_sees_catalog_alternatives(
    client, session, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 11, 1, 12, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(
        client, person, pregnancy="pregnant", due_date="2027-03-01", conditions=["acne"]
    )
    adapalene = await catalog_product(session, "Adapalene 0.1% Gel")
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, person, adapalene.id, patch_test="passed")
    await add_to_shelf(client, person, cleanser.id, patch_test="passed")
    response = await client.get("/v1/me/routine?date=2026-11-10", headers=person.headers)
    assert response.status_code == 200
    day = response.json()
    RoutineDay.model_validate(day)
    exclusion = next(e for e in day["excluded"] if e["product"]["id"] == str(adapalene.id))
    assert exclusion["rule_id"] == "P2"
    offered = exclusion["alternatives"]
    assert 1 <= len(offered) <= 3
    assert {a["source"] for a in offered} == {"catalog"}
    assert {a["rule_id"] for a in offered} == {"ALT1"}
    names = [a["product"]["name"] for a in offered]
    assert any("Azelaic" in name for name in names)
    assert any("Benzoyl Peroxide" in name for name in names)
    assert not any(word in name for name in names for word in ("Adapalene", "Retin", "Tret"))
    assert all(a["product"]["category"] for a in offered)
    steps = {s["product"]["id"] for slot in ("am", "pm") for s in day[slot]["steps"]}
    assert not steps & {a["product"]["id"] for a in offered}
    assert "ALT1" in day["rules"]


async def test_alt1_an_alternative_on_the_shelf_comes_before_the_catalog(
    client, session, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 11, 1, 12, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(client, person, pregnancy="pregnant", conditions=["melasma"])
    hydroquinone = await catalog_product(session, "Hydroquinone 4% Cream")
    azelaic = await catalog_product(session, "Azelaic Acid 15% Gel")
    azelaic_cream = await catalog_product(session, "Azelaic Acid 10% + Niacinamide Cream")
    azelaic_strong = await catalog_product(session, "Azelaic Acid 20% Cream")
    # three azelaic acids: two take the morning and the evening, the third waits (DUP1)
    for product in (hydroquinone, azelaic, azelaic_cream, azelaic_strong):
        # products already in use: established, not queued for an introduction (S5)
        await add_to_shelf(
            client, person, product.id, patch_test="passed", introduced_on="2026-10-01"
        )
    days = await client.get(
        "/v1/me/routine/days?from=2026-11-10&to=2026-11-11", headers=person.headers
    )
    assert days.status_code == 200
    for day in days.json()["days"]:
        exclusion = next(e for e in day["excluded"] if e["product"]["id"] == str(hydroquinone.id))
        offered = exclusion["alternatives"]
        assert offered, exclusion
        sources = [a["source"] for a in offered]
        assert sources[0] == "shelf"
        assert sources == sorted(sources, key=["shelf", "catalog"].index)
        steps = {s["product"]["id"] for slot in ("am", "pm") for s in day[slot]["steps"]}
        assert not steps & {a["product"]["id"] for a in offered}
        assert all(a["product"]["id"] != str(hydroquinone.id) for a in offered)
