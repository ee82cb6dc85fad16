"""Reminders: settings, the due feed for push schedulers, leases, time zones, freshness."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.accounts import Role
from app.models.logs import RoutineLogIn
from app.models.reminders import Reminder, ReminderSettings
from app.pagination import encode_cursor
from app.scheduling.inputs import Slot
from app.services import logs, reminders, routines
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    put_profile,
    scheduler_headers,
)

CLEANSER = "Gentle Hydrating Cream Cleanser"
MOISTURISER = "Light Gel Moisturiser"
SUNSCREEN = "Mineral Sunscreen SPF 50"
RETINOL = "Retinol 0.3% in Squalane Serum"
BASICS = (CLEANSER, MOISTURISER, SUNSCREEN)

D = date(2026, 3, 2)  # London is on GMT: local times are UTC times
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def iso(instant):
    return instant.isoformat().replace("+00:00", "Z")


async def reminder_user(
    client, session, *, products=BASICS, settings=None, timezone="Europe/London", **profile
):
    person = await create_person(client)
    await put_profile(client, person, timezone=timezone, **profile)
    for name in products:
        product = await catalog_product(session, name)
        await add_to_shelf(client, person, product.id, patch_test="passed")
    body = {"enabled": True} if settings is None else settings
    response = await client.put("/v1/me/reminders", json=body, headers=person.headers)
    assert response.status_code == 200, response.text
    return person


async def due(client, headers, start, end, *, user=None, limit=200):
    """Every page of the due feed for [start, end), optionally for one user."""
    items, cursor = [], None
    while True:
        params = {"from": iso(start), "to": iso(end), "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/reminders/due", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return [item for item in items if user is None or item["user_id"] == str(user.id)]


def slots(items):
    return [(item["local_date"], item["slot"], item["due_at"]) for item in items]


@pytest.fixture
def now(monkeypatch):
    freeze_clock(monkeypatch, T0)

    def move(instant):
        freeze_clock(monkeypatch, instant)

    return move


@pytest.fixture
async def scheduler(client, session):
    return await scheduler_headers(client, session)


# --- settings -------------------------------------------------------------------------------


async def test_settings_need_a_profile(client):
    person = await create_person(client)
    read = await client.get("/v1/me/reminders", headers=person.headers)
    write = await client.put("/v1/me/reminders", json={"enabled": True}, headers=person.headers)
    assert (read.status_code, write.status_code) == (404, 404)
    assert read.json()["code"] == write.json()["code"] == "profile_not_found"


async def test_settings_are_off_until_chosen_and_follow_the_profile(client, now):
    person = await create_person(client)
    await put_profile(client, person, am_time="06:45", pm_time="22:15")
    first = (await client.get("/v1/me/reminders", headers=person.headers)).json()
    assert first == {
        "enabled": False,
        "am_time": "06:45",
        "pm_time": "22:15",
        "am_time_from_profile": True,
        "pm_time_from_profile": True,
        "quiet_hours": None,
        "timezone": "Europe/London",
    }
    body = {"enabled": True, "pm_time": "20:00", "quiet_hours": {"start": "22:00", "end": "07:00"}}
    put = await client.put("/v1/me/reminders", json=body, headers=person.headers)
    assert put.status_code == 200
    assert put.json() | {} == {
        **first,
        "enabled": True,
        "pm_time": "20:00",
        "pm_time_from_profile": False,
        "quiet_hours": {"start": "22:00", "end": "07:00"},
    }
    assert (await client.get("/v1/me/reminders", headers=person.headers)).json() == put.json()
    # a profile change moves the times that follow it
    await client.patch("/v1/me/profile", json={"am_time": "08:00"}, headers=person.headers)
    after = (await client.get("/v1/me/reminders", headers=person.headers)).json()
    assert (after["am_time"], after["pm_time"]) == ("08:00", "20:00")


@pytest.mark.parametrize(
    "body",
    [
        {"enabled": True, "am_time": "7:30"},
        {"enabled": True, "pm_time": "24:00"},
        {"enabled": True, "quiet_hours": {"start": "22:00", "end": "22:00"}},
        {"enabled": True, "quiet_hours": {"start": "22:00"}},
        {"enabled": True, "quiet_hours": {"start": "22:00", "end": "07:00", "days": 3}},
        {"enabled": True, "timezone": "Europe/Paris"},
        {"am_time": "07:00"},
        {"enabled": "sometimes"},
    ],
)
async def test_bad_settings_are_422_problems(client, body):
    person = await create_person(client)
    await put_profile(client, person)
    response = await client.put("/v1/me/reminders", json=body, headers=person.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"


# --- who may read the feed -----------------------------------------------------------------


async def test_scheduler_routes_refuse_people_and_anonymous_callers(client, session, now):
    person = await reminder_user(client, session, products=())
    some_id = uuid.uuid4()
    calls = [
        ("GET", "/v1/reminders/due", {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}, None),
        ("POST", "/v1/reminders/claim", None, {"worker_id": "w", "until": iso(T0)}),
        ("POST", f"/v1/reminders/{some_id}/ack", None, {"worker_id": "w"}),
    ]
    for method, url, params, body in calls:
        as_user = await client.request(
            method, url, params=params, json=body, headers=person.headers
        )
        assert as_user.status_code == 403, url
        assert as_user.json()["code"] == "scope"
        anonymous = await client.request(method, url, params=params, json=body)
        assert anonymous.status_code == 401, url


# --- the due feed ---------------------------------------------------------------------------


async def test_due_feed_window_and_paging_rules(client, scheduler, now):
    def get(**params):
        return client.get("/v1/reminders/due", params=params, headers=scheduler)

    start = iso(T0)
    cases = {
        "window_too_long": {"from": start, "to": iso(T0 + timedelta(hours=24, seconds=1))},
        "invalid_window": {"from": start, "to": start},
        "invalid_instant": {"from": "0001-01-01T00:00:00+14:00", "to": "0001-01-01T01:00+14:00"},
    }
    hour = {"from": start, "to": iso(T0 + timedelta(hours=1))}
    forged = [
        "zz",
        encode_cursor(["2026-03-02T00:00:00", str(uuid.uuid4())]),  # no offset
        encode_cursor(["0001-01-01T00:00:00+14:00", str(uuid.uuid4())]),
        encode_cursor(["2026-03-02T00:00:00Z", "not-a-uuid"]),
        encode_cursor([1, 2]),
        encode_cursor(["2026-03-02T00:00:00Z"]),
    ]
    for code, params in [
        *cases.items(),
        *(("invalid_cursor", hour | {"cursor": c}) for c in forged),
    ]:
        response = await get(**params)
        assert (response.status_code, response.json()["code"]) == (422, code), params
    for params in (
        {"from": "2026-03-02T00:00:00", "to": "2026-03-02T05:00:00"},  # no offset
        {"from": start},
        {"from": start, "to": "tomorrow"},
        {"from": start, "to": iso(T0 + timedelta(hours=1)), "limit": 201},
        {"from": start, "to": iso(T0 + timedelta(hours=1)), "limit": 0},
    ):
        response = await get(**params)
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    exactly_a_day = await get(**{"from": start, "to": iso(T0 + timedelta(hours=24))})
    assert exactly_a_day.status_code == 200
    # an offset other than UTC is accepted; the answer is in UTC
    paris = await get(**{"from": "2026-03-02T01:00:00+01:00", "to": "2026-03-02T02:00:00+01:00"})
    assert paris.status_code == 200


async def test_due_feed_lists_the_same_routine_the_app_shows(client, session, scheduler, now):
    person = await reminder_user(client, session, products=(*BASICS, RETINOL))
    items = await due(client, scheduler, T0, T0 + timedelta(hours=24), user=person)
    assert slots(items) == [
        (D.isoformat(), "am", "2026-03-02T07:30:00Z"),
        (D.isoformat(), "pm", "2026-03-02T21:30:00Z"),
    ]
    inputs = await routines.load_inputs(session, user_id=person.id, end=D)
    plan = routines.plan_days(inputs, D, D)[0]
    day = routines.day_payload(plan, inputs)
    am, pm = items
    assert am == {
        "id": str(reminders.reminder_id(person.id, D, Slot.am)),
        "user_id": str(person.id),
        "slot": "am",
        "due_at": "2026-03-02T07:30:00Z",
        "local_date": "2026-03-02",
        "local_time": "07:30",
        "timezone": "Europe/London",
        "title": f"Morning routine: {len(day['am']['steps'])} steps",
        "body": am["body"],
        "status": "pending",
    }
    names = [step["product"]["name"] for step in day["am"]["steps"]]
    assert am["body"].startswith(f"1. {names[0]}")
    assert all(name in am["body"] for name in names)
    night = {"retinoid": "Retinoid night", "recovery": "Recovery night"}.get(
        day["night_type"], pm["title"].split(":")[0]
    )
    assert pm["title"] == f"{night}: {len(day['pm']['steps'])} steps"
    assert all(step["product"]["name"] in pm["body"] for step in day["pm"]["steps"])
    if any(step["product"]["name"] == RETINOL for step in day["pm"]["steps"]):
        assert pm["title"].startswith("Retinoid night")


async def test_ids_are_stable_across_recomputation(client, session, scheduler, now):
    person = await reminder_user(client, session)
    window = (T0, T0 + timedelta(hours=24))
    before = await due(client, scheduler, *window, user=person)
    assert [item["id"] for item in before] == [
        str(uuid.uuid5(reminders._ID_NAMESPACE, f"{person.id}/{D}/{slot}")) for slot in ("am", "pm")
    ]
    # a shelf change recomputes the rows; the ids (the schedulers' idempotency keys) stay
    product = await catalog_product(session, RETINOL)
    await add_to_shelf(client, person, product.id, patch_test="passed")
    await client.put("/v1/me/reminders", json={"enabled": False}, headers=person.headers)
    await client.put("/v1/me/reminders", json={"enabled": True}, headers=person.headers)
    after = await due(client, scheduler, *window, user=person)
    assert [item["id"] for item in after] == [item["id"] for item in before]


async def test_due_feed_pages_with_a_cursor(client, session, scheduler, now):
    people = [await reminder_user(client, session) for _ in range(3)]
    window = (T0, T0 + timedelta(hours=24))
    everything = await due(client, scheduler, *window)
    one_by_one = await due(client, scheduler, *window, limit=1)
    assert len(everything) == 6
    assert one_by_one == everything
    assert {item["user_id"] for item in everything} == {str(p.id) for p in people}
    keys = [(item["due_at"], item["id"]) for item in everything]
    assert keys == sorted(keys)


async def test_horizon_covers_three_local_days(client, session, scheduler, now):
    person = await reminder_user(client, session)
    items = await due(client, scheduler, T0 + timedelta(hours=24), T0 + timedelta(hours=48))
    items += await due(client, scheduler, T0 + timedelta(hours=48), T0 + timedelta(hours=72))
    assert [(i["local_date"], i["slot"]) for i in items if i["user_id"] == str(person.id)] == [
        ("2026-03-03", "am"),
        ("2026-03-03", "pm"),
        ("2026-03-04", "am"),
        ("2026-03-04", "pm"),
    ]


async def test_no_reminder_for_an_empty_slot_or_routine(client, session, scheduler, now):
    empty = await reminder_user(client, session, products=())
    sunscreen_only = await reminder_user(client, session, products=(SUNSCREEN,))
    window = (T0, T0 + timedelta(hours=24))
    assert await due(client, scheduler, *window, user=empty) == []
    assert [i["slot"] for i in await due(client, scheduler, *window, user=sunscreen_only)] == ["am"]


@pytest.mark.parametrize(
    ("quiet", "expected"),
    [
        ({"start": "22:00", "end": "07:00"}, ["am", "pm"]),  # 07:30 and 21:30 are outside
        ({"start": "21:00", "end": "08:00"}, []),  # wraps midnight and covers both
        ({"start": "21:30", "end": "21:31"}, ["am"]),  # the start is quiet
        ({"start": "07:00", "end": "07:30"}, ["am", "pm"]),  # the end is not
    ],
)
async def test_quiet_hours_suppress_reminders(client, session, scheduler, now, quiet, expected):
    person = await reminder_user(client, session, settings={"enabled": True, "quiet_hours": quiet})
    items = await due(client, scheduler, T0, T0 + timedelta(hours=24), user=person)
    assert [item["slot"] for item in items] == expected


async def test_disabled_reminders_are_not_scheduled(client, session, scheduler, now):
    never = await reminder_user(client, session, settings={"enabled": False})
    turned_off = await reminder_user(client, session)
    response = await client.put(
        "/v1/me/reminders", json={"enabled": False}, headers=turned_off.headers
    )
    assert response.json()["enabled"] is False
    window = (T0, T0 + timedelta(hours=24))
    assert await due(client, scheduler, *window) == []
    settings = await session.get(ReminderSettings, never.id)
    assert settings is not None
    assert settings.scheduled_until is None


async def test_user_without_settings_costs_nothing_and_gets_nothing(
    client, session, scheduler, now
):
    person = await create_person(client)
    await put_profile(client, person)
    product = await catalog_product(session, CLEANSER)
    await add_to_shelf(client, person, product.id, patch_test="passed")
    assert await due(client, scheduler, T0, T0 + timedelta(hours=24)) == []
    assert await session.get(ReminderSettings, person.id) is None


async def test_input_changes_recompute_upcoming_reminders(client, session, scheduler, now):
    person = await reminder_user(client, session, products=(SUNSCREEN,))
    window = (T0, T0 + timedelta(hours=24))
    assert [i["slot"] for i in await due(client, scheduler, *window, user=person)] == ["am"]
    # shelf: a cleanser and moisturiser make an evening routine
    for name in (CLEANSER, MOISTURISER):
        product = await catalog_product(session, name)
        item = await add_to_shelf(client, person, product.id, patch_test="passed")
    assert [i["slot"] for i in await due(client, scheduler, *window, user=person)] == ["am", "pm"]
    # profile: the morning moves
    await client.patch("/v1/me/profile", json={"am_time": "06:10"}, headers=person.headers)
    items = await due(client, scheduler, *window, user=person)
    assert items[0]["due_at"] == "2026-03-02T06:10:00Z"
    # shelf removal
    await client.delete(f"/v1/me/shelf/{item['id']}", headers=person.headers)
    items = await due(client, scheduler, *window, user=person)
    assert CLEANSER in items[1]["body"]
    assert MOISTURISER not in items[1]["body"]
    # settings: an explicit time wins over the profile's
    await client.put(
        "/v1/me/reminders", json={"enabled": True, "am_time": "09:05"}, headers=person.headers
    )
    items = await due(client, scheduler, *window, user=person)
    assert (items[0]["local_time"], items[0]["due_at"]) == ("09:05", "2026-03-02T09:05:00Z")


async def test_a_dermatologists_override_recomputes_upcoming_reminders(
    client, session, scheduler, now
):
    patient = await reminder_user(client, session, products=(SUNSCREEN, CLEANSER, MOISTURISER))
    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    window = (T0, T0 + timedelta(hours=24))
    assert MOISTURISER in (await due(client, scheduler, *window, user=patient))[1]["body"]
    moisturiser = await catalog_product(session, MOISTURISER)
    overrides_url = f"/v1/patients/{patient.id}/overrides"
    etag = (await client.get(overrides_url, headers=derm.headers)).headers["etag"]
    created = await client.post(
        overrides_url,
        json={"action": "remove", "product_id": str(moisturiser.id), "reason": "patch reaction",
              "starts_on": D.isoformat()},
        headers={**derm.headers, "If-Match": etag},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    pm = (await due(client, scheduler, *window, user=patient))[1]
    assert CLEANSER in pm["body"]
    assert MOISTURISER not in pm["body"]
    etag = (await client.get(overrides_url, headers=derm.headers)).headers["etag"]
    withdrawn = await client.delete(
        f"{overrides_url}/{created.json()['id']}", headers={**derm.headers, "If-Match": etag}
    )
    assert withdrawn.status_code == 204
    assert MOISTURISER in (await due(client, scheduler, *window, user=patient))[1]["body"]


async def test_a_severe_reaction_logged_turns_tonight_into_a_recovery_night(
    client, session, scheduler, now
):
    person = await reminder_user(client, session, products=(*BASICS, RETINOL))
    window = (T0, T0 + timedelta(hours=24))
    before = (await due(client, scheduler, *window, user=person))[1]
    entry = RoutineLogIn.model_validate(
        {"date": date(2026, 3, 1), "slot": "pm", "done": True, "irritation": "severe"}
    )
    await logs.record(session, user_id=person.id, entry=entry)
    await session.commit()
    after = (await due(client, scheduler, *window, user=person))[1]
    assert after["id"] == before["id"]
    assert after["title"].startswith("Recovery night")
    assert RETINOL not in after["body"]


# --- time zones -----------------------------------------------------------------------------


async def test_spring_forward_fires_at_the_shifted_instant(client, session, scheduler, now):
    now(utc(2026, 3, 7, 12))
    person = await reminder_user(
        client, session, timezone="America/New_York", am_time="02:30", pm_time="21:00"
    )
    items = await due(client, scheduler, utc(2026, 3, 8), utc(2026, 3, 9), user=person)
    am = next(i for i in items if i["local_date"] == "2026-03-08" and i["slot"] == "am")
    assert (am["due_at"], am["local_time"]) == ("2026-03-08T07:30:00Z", "03:30")


async def test_fall_back_fires_once_at_the_first_occurrence(client, session, scheduler, now):
    now(utc(2026, 10, 31, 12))
    person = await reminder_user(
        client, session, timezone="America/New_York", am_time="01:30", pm_time="21:00"
    )
    items = await due(client, scheduler, utc(2026, 11, 1), utc(2026, 11, 2), user=person)
    ams = [i for i in items if i["local_date"] == "2026-11-01" and i["slot"] == "am"]
    assert [(i["due_at"], i["local_time"]) for i in ams] == [("2026-11-01T05:30:00Z", "01:30")]


@pytest.mark.parametrize(
    ("zone", "frozen", "on", "am_time", "due_at", "local_time"),
    [
        # spring gaps: the shifted instant
        (
            "Europe/London",
            utc(2026, 3, 28, 12),
            "2026-03-29",
            "01:30",
            "2026-03-29T01:30:00Z",
            "02:30",
        ),
        (
            "Australia/Lord_Howe",
            utc(2026, 10, 3, 2),
            "2026-10-04",
            "02:15",
            "2026-10-03T15:45:00Z",
            "02:45",
        ),
        (
            "Pacific/Chatham",
            utc(2026, 9, 26, 2),
            "2026-09-27",
            "03:00",
            "2026-09-26T14:15:00Z",
            "04:00",
        ),
        # autumn overlaps: the first occurrence, once
        (
            "Europe/London",
            utc(2026, 10, 24, 12),
            "2026-10-25",
            "01:30",
            "2026-10-25T00:30:00Z",
            "01:30",
        ),
        (
            "Australia/Lord_Howe",
            utc(2026, 4, 4, 2),
            "2026-04-05",
            "01:45",
            "2026-04-04T14:45:00Z",
            "01:45",
        ),
        (
            "Pacific/Chatham",
            utc(2026, 4, 4, 2),
            "2026-04-05",
            "03:00",
            "2026-04-04T13:15:00Z",
            "03:00",
        ),
        # no DST at all
        (
            "Asia/Kolkata",
            utc(2026, 3, 7, 12),
            "2026-03-08",
            "02:30",
            "2026-03-07T21:00:00Z",
            "02:30",
        ),
    ],
)
async def test_transition_days_in_unusual_zones(
    client, session, scheduler, now, zone, frozen, on, am_time, due_at, local_time
):
    now(frozen)
    person = await reminder_user(client, session, timezone=zone, am_time=am_time)
    items = await due(client, scheduler, frozen, frozen + timedelta(hours=24), user=person)
    items += await due(
        client, scheduler, frozen + timedelta(hours=24), frozen + timedelta(hours=48), user=person
    )
    mornings = [
        (i["due_at"], i["local_time"]) for i in items if i["local_date"] == on and i["slot"] == "am"
    ]
    assert mornings == [(due_at, local_time)]


async def test_a_claimed_reminder_keeps_its_identity_when_settings_change(
    client, session, scheduler, now
):
    person = await reminder_user(client, session)
    now(utc(2026, 3, 2, 7, 29))
    leased = await claim(client, scheduler, "w1", utc(2026, 3, 2, 7, 35))
    assert [i["slot"] for i in leased["items"]] == ["am"]
    # the user moves the morning to 09:00 while the scheduler holds the 07:30 reminder
    await client.patch("/v1/me/profile", json={"am_time": "09:00"}, headers=person.headers)
    items = await due(client, scheduler, T0, T0 + timedelta(hours=24), user=person)
    assert [(i["slot"], i["due_at"], i["status"]) for i in items] == [
        ("am", "2026-03-02T07:30:00Z", "leased"),
        ("pm", "2026-03-02T21:30:00Z", "pending"),
    ]
    assert (await ack(client, scheduler, items[0]["id"], "w1")).status_code == 200
    tomorrow = await due(client, scheduler, T0 + timedelta(hours=24), T0 + timedelta(hours=48))
    assert tomorrow[0]["due_at"] == "2026-03-03T09:00:00Z"


async def test_moving_west_mid_day_gives_no_duplicate_and_no_gap(client, session, scheduler, now):
    person = await reminder_user(client, session)  # London, 07:30 / 21:30
    now(utc(2026, 3, 2, 12))  # the London morning reminder has fired
    response = await client.patch(
        "/v1/me/profile", json={"timezone": "America/New_York"}, headers=person.headers
    )
    assert response.status_code == 200
    items = await due(client, scheduler, utc(2026, 3, 2), utc(2026, 3, 3), user=person)
    items += await due(client, scheduler, utc(2026, 3, 3), utc(2026, 3, 4), user=person)
    items += await due(client, scheduler, utc(2026, 3, 4), utc(2026, 3, 5), user=person)
    today = [
        (i["slot"], i["due_at"], i["timezone"]) for i in items if i["local_date"] == "2026-03-02"
    ]
    assert today == [
        # already due: kept as it was (no second morning reminder at 07:30 New York time)
        ("am", "2026-03-02T07:30:00Z", "Europe/London"),
        # not yet due: moved to 21:30 New York time, same id
        ("pm", "2026-03-03T02:30:00Z", "America/New_York"),
    ]
    assert items[1]["id"] == str(reminders.reminder_id(person.id, D, Slot.pm))
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    tomorrow = [(i["slot"], i["local_time"]) for i in items if i["local_date"] == "2026-03-03"]
    assert tomorrow == [("am", "07:30"), ("pm", "21:30")]


async def test_moving_east_mid_day_keeps_every_slot_still_ahead(client, session, scheduler, now):
    now(utc(2026, 3, 2, 10))  # 05:00 in New York
    person = await reminder_user(client, session, timezone="America/New_York")
    response = await client.patch(
        "/v1/me/profile", json={"timezone": "Asia/Tokyo"}, headers=person.headers
    )
    assert response.status_code == 200  # now 19:00 in Tokyo
    items = await due(client, scheduler, utc(2026, 3, 2), utc(2026, 3, 3), user=person)
    assert [(i["local_date"], i["slot"], i["due_at"], i["timezone"]) for i in items] == [
        # this evening in Tokyo, 21:30 JST (the New York row's id, moved)
        ("2026-03-02", "pm", "2026-03-02T12:30:00Z", "Asia/Tokyo"),
        # tomorrow morning in Tokyo, 07:30 JST
        ("2026-03-03", "am", "2026-03-02T22:30:00Z", "Asia/Tokyo"),
    ]
    # the New York morning of the 2nd (12:30 UTC) would now be Tokyo's past 07:30: dropped,
    # not fired late and not fired twice
    rows = await session.scalars(select(Reminder).where(Reminder.user_id == person.id))
    assert (D, "am") not in {(row.local_date, row.slot) for row in rows}


# --- leases ---------------------------------------------------------------------------------


async def claim(client, headers, worker, until, maximum=50):
    response = await client.post(
        "/v1/reminders/claim",
        json={"worker_id": worker, "until": iso(until), "max": maximum},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def ack(client, headers, reminder_id, worker):
    return await client.post(
        f"/v1/reminders/{reminder_id}/ack", json={"worker_id": worker}, headers=headers
    )


async def test_claim_hands_out_due_reminders_once_and_ack_completes(
    client, session, scheduler, now
):
    people = [await reminder_user(client, session) for _ in range(3)]
    at = utc(2026, 3, 2, 7, 29)  # one minute early: within the claim horizon
    now(at)
    first = await claim(client, scheduler, "w1", at + timedelta(minutes=5), maximum=2)
    second = await claim(client, scheduler, "w2", at + timedelta(minutes=5))
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert first["lease_until"] == iso(at + timedelta(minutes=5))
    handed = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(handed) == sorted(str(reminders.reminder_id(p.id, D, Slot.am)) for p in people)
    assert all(item["status"] == "leased" and item["attempt"] == 1 for item in first["items"])
    # nothing left: the evening ones are not due yet
    assert (await claim(client, scheduler, "w3", at + timedelta(minutes=5)))["items"] == []
    done = await ack(client, scheduler, handed[0], "w1")
    assert done.status_code == 200
    assert done.json() == {"id": handed[0], "status": "sent", "sent_at": iso(at)}
    again = await ack(client, scheduler, handed[0], "w1")
    assert again.status_code == 200  # idempotent for the worker that sent it
    window = await due(client, scheduler, T0, T0 + timedelta(hours=24))
    assert {i["id"]: i["status"] for i in window}[handed[0]] == "sent"


async def test_ack_by_another_worker_or_before_a_claim_is_refused(client, session, scheduler, now):
    person = await reminder_user(client, session)
    am = reminders.reminder_id(person.id, D, Slot.am)
    pm = reminders.reminder_id(person.id, D, Slot.pm)
    now(utc(2026, 3, 2, 7, 30))
    await claim(client, scheduler, "w1", utc(2026, 3, 2, 7, 40))
    wrong = await ack(client, scheduler, am, "w2")
    unclaimed = await ack(client, scheduler, pm, "w1")
    unknown = await ack(client, scheduler, uuid.uuid4(), "w1")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "lease_not_held")
    assert (unclaimed.status_code, unclaimed.json()["code"]) == (409, "lease_not_held")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "reminder_not_found")
    # another scheduler client with the same worker name holds nothing either
    other_client = await scheduler_headers(client, session)
    impostor = await ack(client, other_client, am, "w1")
    assert (impostor.status_code, impostor.json()["code"]) == (409, "lease_not_held")
    bad_id = await client.post(
        "/v1/reminders/not-a-uuid/ack", json={"worker_id": "w1"}, headers=scheduler
    )
    assert bad_id.status_code == 422


async def test_an_expired_lease_is_handed_out_again(client, session, scheduler, now):
    person = await reminder_user(client, session)
    am = str(reminders.reminder_id(person.id, D, Slot.am))
    now(utc(2026, 3, 2, 7, 30))
    first = await claim(client, scheduler, "w1", utc(2026, 3, 2, 7, 35))
    assert [i["id"] for i in first["items"]] == [am]
    now(utc(2026, 3, 2, 7, 34))  # still leased
    assert (await claim(client, scheduler, "w2", utc(2026, 3, 2, 7, 44)))["items"] == []
    now(utc(2026, 3, 2, 7, 35))  # the lease has run out without an ack
    second = await claim(client, scheduler, "w2", utc(2026, 3, 2, 7, 45))
    assert [(i["id"], i["attempt"]) for i in second["items"]] == [(am, 2)]
    # the first worker lost it: its late ack is refused, the new holder's is accepted
    assert (await ack(client, scheduler, am, "w1")).status_code == 409
    assert (await ack(client, scheduler, am, "w2")).status_code == 200
    now(utc(2026, 3, 2, 7, 50))
    assert (await claim(client, scheduler, "w3", utc(2026, 3, 2, 8, 0)))["items"] == []


async def test_an_expired_lease_can_still_be_acked_by_its_holder(client, session, scheduler, now):
    person = await reminder_user(client, session)
    am = str(reminders.reminder_id(person.id, D, Slot.am))
    now(utc(2026, 3, 2, 7, 30))
    await claim(client, scheduler, "w1", utc(2026, 3, 2, 7, 31))
    now(utc(2026, 3, 2, 7, 40))  # expired, but nobody else took it
    assert (await ack(client, scheduler, am, "w1")).status_code == 200
    assert (await claim(client, scheduler, "w2", utc(2026, 3, 2, 7, 50)))["items"] == []


async def test_a_reminder_missed_for_an_hour_is_not_sent_late(client, session, scheduler, now):
    await reminder_user(client, session)
    now(utc(2026, 3, 2, 8, 31))
    assert (await claim(client, scheduler, "w1", utc(2026, 3, 2, 8, 40)))["items"] == []
    now(utc(2026, 3, 2, 8, 30))
    assert len((await claim(client, scheduler, "w1", utc(2026, 3, 2, 8, 40)))["items"]) == 1


async def test_claim_bounds(client, scheduler, now):
    def post(body):
        return client.post("/v1/reminders/claim", json=body, headers=scheduler)

    cases = [
        ({"worker_id": "w", "until": iso(T0 + timedelta(minutes=15, seconds=1))}, "lease_too_long"),
        ({"worker_id": "w", "until": "9999-12-31T23:59:59-14:00"}, "invalid_instant"),
        ({"worker_id": "w", "until": iso(T0)}, "invalid_lease"),
        ({"worker_id": "w", "until": "2026-03-02T00:05:00"}, "validation_error"),
        ({"worker_id": "", "until": iso(T0 + timedelta(minutes=5))}, "validation_error"),
        (
            {"worker_id": "w", "until": iso(T0 + timedelta(minutes=5)), "max": 201},
            "validation_error",
        ),
        ({"worker_id": "w", "until": iso(T0 + timedelta(minutes=5)), "x": 1}, "validation_error"),
    ]
    for body, code in cases:
        response = await post(body)
        assert (response.status_code, response.json()["code"]) == (422, code), body
    ok = await post({"worker_id": "w", "until": iso(T0 + timedelta(minutes=15))})
    assert ok.status_code == 200


# --- the horizon ----------------------------------------------------------------------------


async def test_materialise_tops_up_only_users_running_out(client, session, scheduler, now):
    person = await reminder_user(client, session)
    settings = await session.get(ReminderSettings, person.id)
    assert settings.scheduled_until == utc(2026, 3, 5)  # end of the third local day
    assert await reminders.materialise(session, batch=10, now=utc(2026, 3, 2, 12)) == 0
    # a day later, less than 36 hours are left: the user is topped up to the 6th
    later = utc(2026, 3, 3, 12, 1)
    assert await reminders.materialise(session, batch=10, now=later) == 1
    await session.commit()
    await session.refresh(settings)
    assert settings.scheduled_until == utc(2026, 3, 6)
    assert await reminders.materialise(session, batch=10, now=later) == 0
    items = await due(client, scheduler, utc(2026, 3, 5), utc(2026, 3, 6), user=person)
    assert [(i["local_date"], i["slot"]) for i in items] == [
        ("2026-03-05", "am"),
        ("2026-03-05", "pm"),
    ]


async def test_prune_deletes_only_rows_past_retention(client, session, now):
    person = await reminder_user(client, session)
    assert await reminders.prune(session, batch=100, now=utc(2026, 3, 9, 7, 30)) == 0
    assert await reminders.prune(session, batch=1, now=utc(2026, 3, 9, 7, 31)) == 1
    left = await session.scalars(select(Reminder.slot).where(Reminder.user_id == person.id))
    assert len(list(left)) == 5
