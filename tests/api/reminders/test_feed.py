"""The due feed, claims and acks, as push schedulers use them (scope reminders:read)."""

import uuid
from datetime import timedelta

from app.pagination import encode_cursor
from app.scheduling.inputs import Slot
from app.services.reminders import schedule
from tests.api.reminders.support import T0, D, ack, claim, due, iso, reminder_user, utc
from tests.factories import scheduler_headers


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
    assert sorted(handed) == sorted(str(schedule.reminder_id(p.id, D, Slot.am)) for p in people)
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
    am = schedule.reminder_id(person.id, D, Slot.am)
    pm = schedule.reminder_id(person.id, D, Slot.pm)
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
    am = str(schedule.reminder_id(person.id, D, Slot.am))
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
    am = str(schedule.reminder_id(person.id, D, Slot.am))
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
