"""The materialised schedule: what is due when, recomputed when inputs change, time zones,
and the cron top-up and pruning."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models.accounts import Role
from app.models.logs import RoutineLogIn
from app.models.reminders import Reminder, ReminderSettings
from app.scheduling.inputs import Slot
from app.services import logs, routines
from app.services.reminders import schedule
from tests.api.reminders.support import (
    BASICS,
    CLEANSER,
    MOISTURISER,
    RETINOL,
    SUNSCREEN,
    T0,
    D,
    ack,
    claim,
    due,
    reminder_user,
    slots,
    utc,
)
from tests.factories import add_to_shelf, catalog_product, create_person, link_patient, put_profile


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
        "id": str(schedule.reminder_id(person.id, D, Slot.am)),
        "user_id": str(person.id),
        "kind": "routine",
        "slot": "am",
        "due_at": "2026-03-02T07:30:00Z",
        "local_date": "2026-03-02",
        "local_time": "07:30",
        "timezone": "Europe/London",
        "title": f"Morning routine: {len(day['am']['steps'])} steps",
        "body": am["body"],
        "status": "pending",
        "devices": [],  # none registered (tests/api/reminders/test_feed_devices.py)
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
        str(uuid.uuid5(schedule._ID_NAMESPACE, f"{person.id}/{D}/{slot}")) for slot in ("am", "pm")
    ]
    # a shelf change recomputes the rows; the ids (the schedulers' idempotency keys) stay
    product = await catalog_product(session, RETINOL)
    await add_to_shelf(client, person, product.id, patch_test="passed")
    await client.put("/v1/me/reminders", json={"enabled": False}, headers=person.headers)
    await client.put("/v1/me/reminders", json={"enabled": True}, headers=person.headers)
    after = await due(client, scheduler, *window, user=person)
    assert [item["id"] for item in after] == [item["id"] for item in before]


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
    assert items[1]["id"] == str(schedule.reminder_id(person.id, D, Slot.pm))
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


async def test_materialise_tops_up_only_users_running_out(client, session, scheduler, now):
    person = await reminder_user(client, session)
    settings = await session.get(ReminderSettings, person.id)
    assert settings.scheduled_until == utc(2026, 3, 5)  # end of the third local day
    assert await schedule.materialise(session, batch=10, now=utc(2026, 3, 2, 12)) == 0
    # a day later, less than 36 hours are left: the user is topped up to the 6th
    later = utc(2026, 3, 3, 12, 1)
    assert await schedule.materialise(session, batch=10, now=later) == 1
    await session.commit()
    await session.refresh(settings)
    assert settings.scheduled_until == utc(2026, 3, 6)
    assert await schedule.materialise(session, batch=10, now=later) == 0
    items = await due(client, scheduler, utc(2026, 3, 5), utc(2026, 3, 6), user=person)
    assert [(i["local_date"], i["slot"]) for i in items] == [
        ("2026-03-05", "am"),
        ("2026-03-05", "pm"),
    ]


async def test_prune_deletes_only_rows_past_retention(client, session, now):
    person = await reminder_user(client, session)
    assert await schedule.prune(session, batch=100, now=utc(2026, 3, 9, 7, 30)) == 0
    assert await schedule.prune(session, batch=1, now=utc(2026, 3, 9, 7, 31)) == 1
    left = await session.scalars(select(Reminder.slot).where(Reminder.user_id == person.id))
    assert len(list(left)) == 5
