"""The due feed and claims name where to send each reminder: its user's devices, read for a
whole page in one query; a user without devices gets `devices: []`."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from app.scheduling.inputs import Slot
from app.services.reminders import schedule
from tests.api.reminders.support import T0, D, claim, due, reminder_user, utc

DAY = (T0, T0 + timedelta(hours=24))
KEYS = {"id", "user_id", "kind", "slot", "due_at", "local_date", "local_time", "timezone"}


async def register(client, person, device_id, **body):
    response = await client.put(f"/v1/me/devices/{device_id}", json=body, headers=person.headers)
    assert response.status_code in (200, 201), response.text


@contextmanager
def statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_due_items_carry_their_users_devices(client, session, scheduler, now):
    with_devices = await reminder_user(client, session)
    without = await reminder_user(client, session)
    await register(
        client, with_devices, "phone", platform="ios", push_token="apns-1", locale="en-GB",
        app_version="3.0",
    )  # fmt: skip
    now(T0 + timedelta(minutes=1))  # oldest first, whatever their ids
    await register(client, with_devices, "browser", platform="web", push_token="webpush-1")
    items = await due(client, scheduler, *DAY)
    assert len(items) == 4
    phone = {"device_id": "phone", "platform": "ios", "push_token": "apns-1", "locale": "en-GB"}
    browser = {"device_id": "browser", "platform": "web", "push_token": "webpush-1", "locale": None}
    for item in items:
        # the reminder's own fields are all still there, beside the devices
        assert KEYS | {"title", "body", "status", "devices"} == set(item)
        expected = [phone, browser] if item["user_id"] == str(with_devices.id) else []
        assert item["devices"] == expected, item
    assert {item["user_id"] for item in items} == {str(with_devices.id), str(without.id)}


async def test_claimed_items_carry_their_users_devices(client, session, scheduler, now):
    a = await reminder_user(client, session)
    b = await reminder_user(client, session)
    await register(client, a, "a-phone", platform="android", push_token="fcm-a", locale="de")
    at = utc(2026, 3, 2, 7, 30)
    now(at)
    claimed = await claim(client, scheduler, "w1", at + timedelta(minutes=5))
    by_user = {item["user_id"]: item for item in claimed["items"]}
    assert set(by_user) == {str(a.id), str(b.id)}
    assert by_user[str(a.id)]["devices"] == [
        {"device_id": "a-phone", "platform": "android", "push_token": "fcm-a", "locale": "de"}
    ]
    assert by_user[str(b.id)]["devices"] == []
    # the claim's own fields are unchanged
    item = by_user[str(a.id)]
    assert item["id"] == str(schedule.reminder_id(a.id, D, Slot.am))
    assert (item["status"], item["attempt"]) == ("leased", 1)
    assert item["lease_until"] == claimed["lease_until"]


async def test_a_token_taken_by_another_user_leaves_the_first_users_reminders(
    client, session, scheduler, now
):
    """The phone A used is now B's: A's reminders must not be sent to it."""
    a = await reminder_user(client, session)
    b = await reminder_user(client, session)
    await register(client, a, "shared-phone", platform="ios", push_token="apns-shared")
    await register(client, a, "a-tablet", platform="ios", push_token="apns-a")
    await register(client, b, "b-phone", platform="ios", push_token="apns-shared")
    items = await due(client, scheduler, *DAY)
    tokens = {
        item["user_id"]: [device["push_token"] for device in item["devices"]] for item in items
    }
    assert tokens == {str(a.id): ["apns-a"], str(b.id): ["apns-shared"]}
    # and a device removed by its owner is gone from the feed at once
    removed = await client.delete("/v1/me/devices/b-phone", headers=b.headers)
    assert removed.status_code == 204
    items = await due(client, scheduler, *DAY, user=b)
    assert [item["devices"] for item in items] == [[], []]


async def test_a_page_reads_every_users_devices_in_one_query(
    client, session, scheduler, engine, now
):
    people = [await reminder_user(client, session) for _ in range(4)]
    for n, person in enumerate(people):
        for d in range(n):  # 0, 1, 2 and 3 devices
            await register(client, person, f"d{d}", platform="web", push_token=f"t{n}-{d}")
    with statements(engine) as seen:
        items = await due(client, scheduler, *DAY)
    assert len(items) == 8
    assert len([s for s in seen if "FROM devices" in s]) == 1, seen
    counts = {item["user_id"]: len(item["devices"]) for item in items}
    assert counts == {str(person.id): n for n, person in enumerate(people)}

    at = utc(2026, 3, 2, 7, 30)
    now(at)
    with statements(engine) as seen:
        claimed = await claim(client, scheduler, "w1", at + timedelta(minutes=5))
    assert len(claimed["items"]) == 4
    assert len([s for s in seen if "FROM devices" in s]) == 1, seen


async def test_paging_is_unchanged_by_devices(client, session, scheduler, now):
    people = [await reminder_user(client, session) for _ in range(3)]
    for person in people:
        await register(client, person, "phone", platform="ios", push_token=f"apns-{person.id}")
    whole = await due(client, scheduler, *DAY)
    one_by_one = await due(client, scheduler, *DAY, limit=1)
    assert one_by_one == whole
    assert len(whole) == 6
    for item in whole:
        assert [d["push_token"] for d in item["devices"]] == [f"apns-{item['user_id']}"]
