"""The personal calendar feed: a revocable token, RFC 5545 events with stable UIDs."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.models.reminders import CalendarFeed
from app.scheduling.inputs import Slot
from app.services import routines
from app.services.reminders import schedule
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    put_profile,
)

BASICS = ("Gentle Hydrating Cream Cleanser", "Light Gel Moisturiser", "Mineral Sunscreen SPF 50")
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    freeze_clock(monkeypatch, T0)


async def calendar_user(client, session, *, products=BASICS, **profile):
    person = await create_person(client)
    await put_profile(client, person, **profile)
    for name in products:
        product = await catalog_product(session, name)
        await add_to_shelf(client, person, product.id, patch_test="passed")
    return person


async def new_feed(client, person):
    response = await client.post("/v1/me/calendar/token", headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def fetch(client, token):
    return await client.get("/v1/me/calendar.ics", params={"token": token})


def events(body: bytes):
    return Calendar.from_ical(body).walk("VEVENT")


async def test_a_token_needs_a_profile_and_a_person(client, session):
    person = await create_person(client)
    response = await client.post("/v1/me/calendar/token", headers=person.headers)
    assert (response.status_code, response.json()["code"]) == (404, "profile_not_found")
    anonymous = await client.post("/v1/me/calendar/token")
    assert anonymous.status_code == 401


async def test_the_feed_lists_fourteen_days_of_routines(client, session):
    person = await calendar_user(client, session, timezone="Europe/Paris", am_time="07:00")
    feed = await new_feed(client, person)
    assert parse_qs(urlsplit(feed["url"]).query)["token"] == [feed["token"]]
    assert urlsplit(feed["url"]).path == "/v1/me/calendar.ics"
    response = await client.get(feed["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    found = cal.walk("VEVENT")
    first = date(2026, 3, 2)
    days = [first + timedelta(days=n) for n in range(14)]
    expected_uids = [
        f"{schedule.reminder_id(person.id, on, slot)}@regimen" for on in days for slot in Slot
    ]
    assert [str(event["UID"]) for event in found] == expected_uids
    morning = found[0]
    start = morning.decoded("DTSTART")
    assert start == datetime(2026, 3, 2, 7, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert morning["DTSTART"].params["TZID"] == "Europe/Paris"
    inputs = await routines.load_inputs(session, user_id=person.id, end=first)
    plan = routines.plan_days(inputs, first, first)[0]
    assert str(morning["SUMMARY"]) == schedule.reminder_text(plan, Slot.am)[0]
    description = str(morning["DESCRIPTION"]).splitlines()
    assert [line.split(" (")[0] for line in description] == [
        f"{step.order}. {step.product.name}" for step in plan.am
    ]
    # the same UIDs on the next fetch: calendar apps update events rather than duplicate them
    again = events((await fetch(client, feed["token"])).content)
    assert [str(event["UID"]) for event in again] == expected_uids


async def test_event_times_follow_reminder_settings_and_the_dst_rule(client, session):
    person = await calendar_user(client, session, timezone="America/New_York")
    # the calendar uses the reminder times even while push reminders are off
    await client.put(
        "/v1/me/reminders", json={"enabled": False, "am_time": "02:30"}, headers=person.headers
    )
    feed = await new_feed(client, person)
    found = events((await fetch(client, feed["token"])).content)
    mornings = {
        event.decoded("DTSTART").date(): event.decoded("DTSTART")
        for event in found
        if "AM" in [str(c) for c in event["CATEGORIES"].cats]
    }
    new_york = ZoneInfo("America/New_York")
    assert mornings[date(2026, 3, 7)] == datetime(2026, 3, 7, 2, 30, tzinfo=new_york)
    # 02:30 does not exist on 8 March in New York: the event starts at 03:30 EDT (07:30 UTC)
    assert mornings[date(2026, 3, 8)] == datetime(2026, 3, 8, 3, 30, tzinfo=new_york)
    assert mornings[date(2026, 3, 8)].astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert mornings[date(2026, 3, 9)].astimezone(UTC) == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    evening = next(e for e in found if "PM" in [str(c) for c in e["CATEGORIES"].cats])
    assert evening.decoded("DTSTART") == datetime(2026, 3, 2, 21, 30, tzinfo=new_york)


async def test_empty_slots_make_no_events(client, session):
    person = await calendar_user(client, session, products=("Mineral Sunscreen SPF 50",))
    feed = await new_feed(client, person)
    found = events((await fetch(client, feed["token"])).content)
    assert len(found) == 14
    assert all("AM" in [str(c) for c in event["CATEGORIES"].cats] for event in found)
    nobody = await calendar_user(client, session, products=())
    empty = events((await fetch(client, (await new_feed(client, nobody))["token"])).content)
    assert empty == []


async def test_only_a_hash_is_stored_and_rotation_and_revocation_work(client, session):
    person = await calendar_user(client, session)
    first = await new_feed(client, person)
    row = await session.get(CalendarFeed, person.id)
    assert row.token_hash == hashlib.sha256(first["token"].encode()).hexdigest()
    assert first["token"] not in row.token_hash
    second = await new_feed(client, person)
    assert second["token"] != first["token"]
    old = await fetch(client, first["token"])
    assert (old.status_code, old.json()["code"]) == (404, "calendar_feed_not_found")
    assert (await fetch(client, second["token"])).status_code == 200
    revoked = await client.delete("/v1/me/calendar/token", headers=person.headers)
    assert revoked.status_code == 204
    assert (await fetch(client, second["token"])).status_code == 404
    # revoking twice is harmless
    assert (await client.delete("/v1/me/calendar/token", headers=person.headers)).status_code == 204


@pytest.mark.parametrize("token", [None, "", "nope", "x" * 500, "%00", "a" * 43])
async def test_a_bad_token_is_a_404_problem(client, token):
    params = {} if token is None else {"token": token}
    response = await client.get("/v1/me/calendar.ics", params=params)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "calendar_feed_not_found"


async def test_one_users_token_never_shows_another_users_routine(client, session):
    alice = await calendar_user(client, session)
    bob = await calendar_user(client, session, products=())
    alice_feed = await new_feed(client, alice)
    await new_feed(client, bob)
    found = events((await fetch(client, alice_feed["token"])).content)
    assert found
    alice_uids = {
        f"{schedule.reminder_id(alice.id, T0.date() + timedelta(days=n), slot)}@regimen"
        for n in range(14)
        for slot in Slot
    }
    assert {str(event["UID"]) for event in found} == alice_uids
