"""A new user's first weeks over HTTP (S2, S5, S6): the basics from day 1, a new active on its test
spot and then on the face, a second active waiting its turn, and plain-language texts (L8)."""

from datetime import UTC, date, datetime, timedelta

from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    put_profile,
)

DAY1 = date(2026, 12, 1)
CLEANSER = "Gentle Hydrating Cream Cleanser"
MOISTURISER = "Ceramide Barrier Repair Cream"
SUNSCREEN = "Mineral Sunscreen SPF 50"
VITAMIN_C = "Vitamin C 15% L-Ascorbic Acid Serum"
NIACINAMIDE = "Niacinamide 10% + Zinc Serum"


def kinds(day: dict, slot: str) -> list[tuple[str, str]]:
    return [(step["kind"], step["product"]["name"]) for step in day[slot]["steps"]]


async def test_s5_s6_a_new_user_gets_the_basics_on_day_one_and_actives_one_at_a_time(
    client, session, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 12, 1, 9, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(client, person)
    for name in (CLEANSER, MOISTURISER, SUNSCREEN, VITAMIN_C, NIACINAMIDE):
        added = await add_to_shelf(client, person, (await catalog_product(session, name)).id)
        assert added["added_on"] == DAY1.isoformat()
        assert added["introduced_on"] is None

    response = await client.get(f"/v1/me/routine?date={DAY1}", headers=person.headers)
    assert response.status_code == 200, response.text
    day1 = response.json()
    assert kinds(day1, "am") == [
        ("patch_test", VITAMIN_C),
        ("cleanse", CLEANSER),
        ("moisturiser", MOISTURISER),
        ("spf", SUNSCREEN),
    ]
    assert kinds(day1, "pm") == [
        ("patch_test", VITAMIN_C),
        ("cleanse", CLEANSER),
        ("moisturiser", MOISTURISER),
    ]
    codes = [w["code"] for w in day1["warnings"]]
    assert "no_sunscreen" not in codes
    patch = day1["am"]["steps"][0]
    assert "day 1 of 7" in patch["instructions"]
    assert "inner arm" in patch["instructions"]
    assert {"S2", "S5"} <= set(patch["rule_ids"])
    spf = day1["am"]["steps"][-1]
    assert spf["amount"].startswith("just over 1/2 teaspoon (about 2.5-3 ml)")
    assert "SUN2" not in spf["instructions"]  # L8
    assert [e["product"]["name"] for e in day1["excluded"]] == [NIACINAMIDE]
    waiting = day1["excluded"][0]
    assert waiting["guard"] == "introduction"
    assert waiting["rule_id"] == "S5"
    assert waiting["available_on"] == (DAY1 + timedelta(days=14)).isoformat()
    assert {"S2", "S5", "SUN2"} <= set(day1["rules"])

    days = await client.get(
        f"/v1/me/routine/days?from={DAY1 + timedelta(days=7)}&to={DAY1 + timedelta(days=14)}",
        headers=person.headers,
    )
    assert days.status_code == 200, days.text
    day8, day15 = days.json()["days"][0], days.json()["days"][-1]
    assert ("active", VITAMIN_C) in kinds(day8, "am")
    assert all(kind != "patch_test" for kind, _ in kinds(day8, "am"))
    assert kinds(day8, "am")[-1] == ("spf", SUNSCREEN)
    assert [e["available_on"] for e in day8["excluded"]] == [
        (DAY1 + timedelta(days=14)).isoformat()
    ]
    # the second active's turn: on its test spot, nothing waiting any more
    assert ("patch_test", NIACINAMIDE) in kinds(day15, "am")
    assert day15["excluded"] == []


async def test_s5_an_item_already_in_use_is_not_sent_back_to_a_patch_test(
    client, session, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 12, 1, 9, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(client, person)
    product = await catalog_product(session, VITAMIN_C)
    await add_to_shelf(client, person, product.id, introduced_on="2026-06-01")
    day = (await client.get(f"/v1/me/routine?date={DAY1}", headers=person.headers)).json()
    assert kinds(day, "am") == [("active", VITAMIN_C)]


def test_s2_a_reminder_says_which_step_is_the_patch_test() -> None:
    from app.scheduling import PatchTest, Slot
    from app.services.reminders.schedule import reminder_text
    from tests.scheduling.factories import CLEANSER as GENTLE
    from tests.scheduling.factories import VITAMIN_C as C_SERUM
    from tests.scheduling.factories import build, item

    new = [item(p, patch_test=PatchTest.pending, established=False) for p in (GENTLE, C_SERUM)]
    plan = build(*new, on=new[0].added_on)
    _, body = reminder_text(plan, Slot.am)
    assert body.startswith("1. C Serum (patch test on your arm); 2. Gentle Cleanser")
