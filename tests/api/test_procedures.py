"""Procedures through HTTP (RULES.md PP1-PP6): a user records a session and the routine pauses
around it; a dermatologist plans a series under If-Match, PP6's spacing and the audit trail; the
reminder feed and the calendar show sessions; bad input is a clear 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.models.accounts import Role
from app.models.routines import RoutineDay
from tests.factories import (
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    put_profile,
    scheduler_headers,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # London is on GMT: local times are UTC times
TODAY = NOW.date()
CLEANSER = "Gentle Hydrating Cream Cleanser"
MOISTURISER = "Light Gel Moisturiser"
SUNSCREEN = "Mineral Sunscreen SPF 50"
RETINOL = "Retinol 0.3% in Squalane Serum"
VITAMIN_C = "Vitamin C 15% L-Ascorbic Acid Serum"
EXOSOME = "Centella Exosome Ampoule"
GLYCOLIC = "Glycolic Acid 7% Toning Solution"
SHELF = (CLEANSER, MOISTURISER, SUNSCREEN, RETINOL, VITAMIN_C, EXOSOME, GLYCOLIC)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


async def shelf_user(client, session, *, products=SHELF, **profile: Any) -> Person:
    person = await create_person(client)
    await put_profile(client, person, retinoid_experience="experienced", **profile)
    for name in products:
        product = await catalog_product(session, name)
        # an established routine: every product already in use (S5 queues none of them)
        await add_to_shelf(
            client, person, product.id, patch_test="passed", introduced_on="2026-02-01"
        )
    return person


async def record(client, person: Person, **body: Any):
    return await client.post("/v1/me/procedures", json=body, headers=person.headers)


def step_names(day: dict[str, Any], slot: str) -> list[str]:
    return [step["product"]["name"] for step in day[slot]["steps"]]


def problem(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


# --- the user ---------------------------------------------------------------------------------


async def test_pp1_pp5_a_medium_peel_tomorrow_pauses_tonight_and_keeps_three_days_bland(
    client, session
):
    user = await shelf_user(client, session)
    before = await client.get("/v1/me/routine", headers=user.headers)
    assert RETINOL in step_names(before.json(), "pm")

    tomorrow = TODAY + timedelta(days=1)
    created = await record(client, user, kind="chemical_peel", on=tomorrow.isoformat(),
                           depth="medium", clinic="Skin Clinic")  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["kind"] == "chemical_peel"
    assert body["depth"] == "medium"
    assert body["source"] == "user"
    assert body["pause_from"] == (tomorrow - timedelta(days=7)).isoformat()
    assert body["resume_on"] == (tomorrow + timedelta(days=8)).isoformat()
    assert "retinoids and exfoliants stop" in body["reason"]

    tonight = (await client.get("/v1/me/routine", headers=user.headers)).json()
    assert RETINOL not in step_names(tonight, "pm")
    (paused,) = [e for e in tonight["excluded"] if e["product"]["name"] == RETINOL]
    assert paused["guard"] == "procedure"
    assert paused["rule_id"] == "PP1"
    assert "chemical peel" in paused["reason"]
    assert "procedure_window" in [w["code"] for w in tonight["warnings"]]

    days = await client.get(
        "/v1/me/routine/days",
        params={"from": (tomorrow + timedelta(days=1)).isoformat(),
                "to": (tomorrow + timedelta(days=3)).isoformat()},
        headers=user.headers,
    )  # fmt: skip
    assert days.status_code == 200, days.text
    for day in days.json()["days"]:
        assert step_names(day, "am") == [CLEANSER, MOISTURISER, SUNSCREEN]
        assert step_names(day, "pm") == [CLEANSER, MOISTURISER]
        assert day["night_type"] == "recovery"
        (window,) = [w for w in day["warnings"] if w["code"] == "procedure_window"]
        assert window["rule_id"] == "PP5"
        assert f"until {tomorrow + timedelta(days=7)}" in window["message"]
        for name in (RETINOL, VITAMIN_C, EXOSOME, GLYCOLIC):
            assert name in window["message"]
        guards = {e["product"]["name"]: e["guard"] for e in day["excluded"]}
        assert guards[EXOSOME] == "procedure"
        assert "PP5" in day["rules"]


async def test_a_recorded_procedure_is_listed_filtered_and_withdrawn(client, session):
    user = await shelf_user(client, session)
    first = (await record(client, user, kind="microneedling", on="2026-03-20")).json()
    await record(client, user, kind="waxing", on="2026-02-20")
    listed = await client.get("/v1/me/procedures", headers=user.headers)
    assert [item["kind"] for item in listed.json()["items"]] == ["waxing", "microneedling"]
    assert listed.headers["ETag"]
    window = await client.get(
        "/v1/me/procedures", params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=user.headers,
    )  # fmt: skip
    assert [item["id"] for item in window.json()["items"]] == [first["id"]]

    routine = await client.get("/v1/me/routine?date=2026-03-21", headers=user.headers)
    assert routine.json()["night_type"] == "recovery"
    gone = await client.delete(f"/v1/me/procedures/{first['id']}", headers=user.headers)
    assert gone.status_code == 204
    after = await client.get("/v1/me/routine?date=2026-03-21", headers=user.headers)
    assert after.json()["night_type"] != "recovery"
    assert after.json()["version"] != routine.json()["version"]
    again = await client.delete(f"/v1/me/procedures/{first['id']}", headers=user.headers)
    problem(again, 404, "procedure_not_found")


async def test_pp1_a_stated_fitzpatrick_type_v_doubles_the_pause(client, session):
    user = await shelf_user(client, session, fitzpatrick="V")
    body = (await record(client, user, kind="chemical_peel", on="2026-03-20",
                         depth="superficial")).json()  # fmt: skip
    assert body["pause_from"] == "2026-03-06"
    profile = await client.get("/v1/me/profile", headers=user.headers)
    assert profile.json()["fitzpatrick"] == "V"


async def test_pp2_isotretinoin_refuses_a_booked_ablative_laser_but_not_a_superficial_peel(
    client, session
):
    user = await shelf_user(client, session, oral_medications=["isotretinoin"])
    refused = await record(client, user, kind="laser_ablative", on="2026-04-01")
    problem(refused, 422, "procedure_delayed_on_isotretinoin")
    fine = await record(client, user, kind="chemical_peel", on="2026-04-01", depth="superficial")
    assert fine.status_code == 201, fine.text


async def test_pp6_a_user_booking_too_close_is_refused_with_the_minimum(client, session):
    user = await shelf_user(client, session)
    assert (await record(client, user, kind="microneedling", on="2026-03-10")).status_code == 201
    close = await record(client, user, kind="microneedling_prp", on="2026-03-20")
    body = problem(close, 422, "session_too_soon")
    assert body["min_interval_days"] == 21
    # history is recorded as told
    past = await record(client, user, kind="microneedling", on="2026-02-25")
    assert past.status_code == 201, past.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "facelift", "on": "2026-03-10"}, "validation_error"),
        ({"kind": "microneedling", "on": "2026-03-10", "depth": "deep"}, "validation_error"),
        ({"kind": "chemical_peel", "on": "2026-03-10", "depth": "very"}, "validation_error"),
        ({"kind": "microneedling", "on": "2031-01-01"}, "date_out_of_range"),
        ({"kind": "microneedling", "on": "1999-01-01"}, "date_out_of_range"),
        ({"kind": "microneedling", "on": "9999-12-31"}, "validation_error"),
        ({"kind": "microneedling", "on": "not-a-date"}, "validation_error"),
        ({"kind": "microneedling", "on": "2026-03-10", "source": "dermatologist"}, None),
        ({"kind": "microneedling"}, "validation_error"),
    ],
)
async def test_bad_procedure_input_is_a_clear_4xx(client, session, body, code):
    user = await shelf_user(client, session, products=())
    response = await record(client, user, **body)
    got = problem(response, 422, code)
    assert got["detail"]


async def test_another_users_procedure_is_not_found(client, session):
    owner = await shelf_user(client, session, products=())
    other = await shelf_user(client, session, products=())
    made = (await record(client, owner, kind="ipl", on="2026-03-10")).json()
    problem(await client.delete(f"/v1/me/procedures/{made['id']}", headers=other.headers), 404)
    problem(await client.delete("/v1/me/procedures/not-a-uuid", headers=other.headers), 422)
    problem(await client.get("/v1/me/procedures?from=2026-03-10&to=2026-03-01",
                             headers=other.headers), 422, "invalid_range")  # fmt: skip


# --- dermatologists ---------------------------------------------------------------------------


async def derm_and_patient(client, session) -> tuple[Person, Person]:
    derm = await create_person(client, session, role=Role.dermatologist)
    patient = await shelf_user(client, session)
    await link_patient(client, patient, derm)
    return derm, patient


async def etag(client, derm: Person, patient: Person) -> str:
    response = await client.get(f"/v1/patients/{patient.id}/procedures", headers=derm.headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def post(client, derm, patient, path: str, body: dict[str, Any], tag: str | None = None):
    headers = dict(derm.headers)
    if tag is not False:
        headers["If-Match"] = tag or await etag(client, derm, patient)
    return await client.post(f"/v1/patients/{patient.id}/{path}", json=body, headers=headers)


async def test_pp6_a_series_28_days_apart_is_accepted_a_session_10_days_on_is_refused_unless_acknowledged(  # noqa: E501
    client, session
):
    derm, patient = await derm_and_patient(client, session)
    series = await post(client, derm, patient, "procedure-series", {
        "kind": "microneedling", "sessions": 4, "interval_days": 28,
        "starts_on": "2026-03-09", "maintenance_months": 6, "reason": "acne scars",
    })  # fmt: skip
    assert series.status_code == 201, series.text
    planned = series.json()
    assert [s["on"] for s in planned["sessions"]] == [
        "2026-03-09", "2026-04-06", "2026-05-04", "2026-06-01"
    ]  # fmt: skip
    assert planned["maintenance_due_on"] == "2026-12-01"
    assert planned["advice"] == []
    assert {s["source"] for s in planned["sessions"]} == {"dermatologist"}

    last = date(2026, 6, 1)
    single = {"kind": "microneedling", "on": (last + timedelta(days=10)).isoformat()}
    refused = await post(client, derm, patient, "procedures", single)
    body = problem(refused, 422, "session_too_soon")
    assert body["min_interval_days"] == 21
    acknowledged = {**single, "acknowledge_warning": True, "reason": "patient travels"}
    accepted = await post(client, derm, patient, "procedures", acknowledged)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["acknowledge_warning"] is True

    audit = await client.get(f"/v1/patients/{patient.id}/audit", headers=derm.headers)
    actions = [r["action"] for r in audit.json()["items"]]
    assert "procedure_series_created" in actions
    assert "procedure_created" in actions
    assert "procedure_warning_acknowledged" in actions

    # the patient sees the series, its sessions and the reason for every pause
    mine = (await client.get("/v1/me/procedures", headers=patient.headers)).json()["items"]
    assert len(mine) == 5
    assert {s["series_id"] for s in mine[:4]} == {planned["series_id"]}
    assert all(s["reason"] and s["author"]["email"] == derm.email for s in mine)


async def test_pp6_series_writes_need_a_current_if_match(client, session):
    derm, patient = await derm_and_patient(client, session)
    body = {"kind": "prp", "sessions": 3, "interval_days": 21, "starts_on": "2026-03-09"}
    problem(await post(client, derm, patient, "procedure-series", body, tag=False), 428)
    stale = await etag(client, derm, patient)
    assert (await post(client, derm, patient, "procedure-series", body, stale)).status_code == 201
    later = {**body, "starts_on": "2026-09-01"}
    problem(await post(client, derm, patient, "procedure-series", later, stale), 412)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "microneedling", "sessions": 0, "interval_days": 28, "starts_on": "2026-03-09"},
        {"kind": "microneedling", "sessions": 50, "interval_days": 28, "starts_on": "2026-03-09"},
        {"kind": "microneedling", "sessions": 4, "interval_days": 0, "starts_on": "2026-03-09"},
        {"kind": "microneedling", "sessions": 4, "interval_days": 28, "starts_on": "2030-01-01"},
        {"kind": "ipl", "depth": "deep", "sessions": 2, "interval_days": 28,
         "starts_on": "2026-03-09"},
        {"kind": "microneedling", "sessions": 4, "interval_days": 10, "starts_on": "2026-03-09"},
    ],
)  # fmt: skip
async def test_bad_series_input_is_a_clear_4xx(client, session, body):
    derm, patient = await derm_and_patient(client, session)
    response = await post(client, derm, patient, "procedure-series", body)
    problem(response, 422)


async def test_a_dermatologist_without_consent_gets_404(client, session):
    derm = await create_person(client, session, role=Role.dermatologist)
    stranger = await shelf_user(client, session, products=())
    listed = await client.get(f"/v1/patients/{stranger.id}/procedures", headers=derm.headers)
    problem(listed, 404)
    body = {"kind": "prp", "sessions": 3, "interval_days": 21, "starts_on": "2026-03-09"}
    problem(await post(client, derm, stranger, "procedure-series", body, tag='"x"'), 404)
    problem(await post(client, derm, uuid_person(), "procedures", {}, tag='"x"'), 404)
    # a user is not a dermatologist
    problem(await client.get(f"/v1/patients/{stranger.id}/procedures",
                             headers=stranger.headers), 403)  # fmt: skip


def uuid_person() -> Person:
    return Person(id=uuid.uuid4(), email="nobody@example.com", token="")


async def test_pp5_the_clinic_exosome_flag_lets_the_exosome_serum_in_as_an_adjunct(client, session):
    derm, patient = await derm_and_patient(client, session)
    needling = {"kind": "microneedling", "on": "2026-03-09", "clinic_exosome": True}
    made = await post(client, derm, patient, "procedures", needling)
    assert made.status_code == 201, made.text
    day = (await client.get("/v1/me/routine?date=2026-03-10", headers=patient.headers)).json()
    assert EXOSOME in step_names(day, "am") + step_names(day, "pm")
    assert "procedure_exosome_adjunct" in [w["code"] for w in day["warnings"]]
    assert VITAMIN_C not in step_names(day, "am")


# --- reminders and the calendar ---------------------------------------------------------------


async def test_the_procedure_prep_reminder_falls_due_at_the_local_evening_time(client, session):
    user = await shelf_user(client, session, timezone="America/New_York", pm_time="21:00")
    enabled = await client.put("/v1/me/reminders", json={"enabled": True}, headers=user.headers)
    assert enabled.status_code == 200, enabled.text
    assert (await record(client, user, kind="chemical_peel", on="2026-03-06",
                         depth="medium")).status_code == 201  # fmt: skip
    scheduler = await scheduler_headers(client, session)
    window = {"from": "2026-03-02T12:00:00Z", "to": "2026-03-03T12:00:00Z"}
    items = (await client.get("/v1/reminders/due", params=window, headers=scheduler)).json()
    mine = [i for i in items["items"] if i["user_id"] == str(user.id)]
    (prep,) = [i for i in mine if i["kind"] == "procedure_prep"]
    assert prep["local_time"] == "21:00"
    assert prep["due_at"].startswith("2026-03-03T02:00:00")  # EST: 21:00 local
    assert RETINOL in prep["title"]
    assert "Friday" in prep["title"]
    routine_only = await client.get(
        "/v1/reminders/due", params={**window, "kind": "routine"}, headers=scheduler
    )
    kinds = {i["kind"] for i in routine_only.json()["items"] if i["user_id"] == str(user.id)}
    assert kinds == {"routine"}
    again = await client.get("/v1/reminders/due", params=window, headers=scheduler)
    assert prep in again.json()["items"]  # a stable id: the scheduler's idempotency key
    problem(await client.get("/v1/reminders/due", params={**window, "kind": "spam"},
                             headers=scheduler), 422)  # fmt: skip


async def test_the_calendar_feed_shows_sessions(client, session):
    user = await shelf_user(client, session, products=(CLEANSER,))
    await record(client, user, kind="ipl", on="2026-03-05")
    token = await client.post("/v1/me/calendar/token", headers=user.headers)
    assert token.status_code in (200, 201), token.text
    feed = await client.get("/v1/me/calendar.ics", params={"token": token.json()["token"]})
    assert feed.status_code == 200
    assert "SUMMARY:IPL" in feed.text
    assert "DTSTART;VALUE=DATE:20260305" in feed.text


async def test_claims_filter_by_kind_and_the_session_morning_has_its_own_reminder(
    client, session, monkeypatch
):
    user = await shelf_user(client, session)
    await client.put("/v1/me/reminders", json={"enabled": True}, headers=user.headers)
    assert (await record(client, user, kind="microneedling", on="2026-03-03")).status_code == 201
    scheduler = await scheduler_headers(client, session)
    window = {"from": "2026-03-02T12:00:00Z", "to": "2026-03-03T12:00:00Z"}
    items = (await client.get("/v1/reminders/due", params=window, headers=scheduler)).json()
    mine = {(i["kind"], i["local_date"], i["local_time"]) for i in items["items"]
            if i["user_id"] == str(user.id)}  # fmt: skip
    assert ("procedure_prep", "2026-03-02", "21:30") in mine
    assert ("procedure", "2026-03-03", "07:30") in mine
    # a scheduler that sends routine reminders only never leases the others
    evening = datetime(2026, 3, 2, 21, 29, tzinfo=UTC)
    freeze_clock(monkeypatch, evening)
    until = (evening + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    routine_only = await client.post(
        "/v1/reminders/claim",
        json={"worker_id": "w1", "until": until, "max": 200, "kind": ["routine"]},
        headers=scheduler,
    )
    assert routine_only.status_code == 200, routine_only.text
    assert {i["kind"] for i in routine_only.json()["items"]} <= {"routine"}
    assert [i for i in routine_only.json()["items"] if i["user_id"] == str(user.id)]
    prep = await client.post(
        "/v1/reminders/claim",
        json={"worker_id": "w2", "until": until, "max": 200, "kind": ["procedure_prep"]},
        headers=scheduler,
    )
    claimed = [i for i in prep.json()["items"] if i["user_id"] == str(user.id)]
    assert [i["kind"] for i in claimed] == ["procedure_prep"]


async def test_a_healing_day_payload_matches_the_declared_routine_shape(client, session):
    user = await shelf_user(client, session)
    await record(client, user, kind="laser_nonablative", on="2026-03-02")
    day = await client.get("/v1/me/routine?date=2026-03-03", headers=user.headers)
    RoutineDay.model_validate(day.json())
    assert day.json()["night_type"] == "recovery"


async def test_a_procedure_date_is_local_to_the_user(client, session):
    # 12:00 UTC on 2 March is already 3 March on Kiritimati (UTC+14)
    user = await shelf_user(client, session, products=(CLEANSER,), timezone="Pacific/Kiritimati")
    # two years (732 days) from the local today, 3 March; from UTC's 2 March it would be refused
    made = await record(client, user, kind="chemical_peel", on="2028-03-04", depth="deep")
    assert made.status_code == 201, made.text
    late = await record(client, user, kind="chemical_peel", on="2028-03-05", depth="deep")
    problem(late, 422, "date_out_of_range")
    day = await client.get("/v1/me/routine", headers=user.headers)
    assert day.json()["date"] == "2026-03-03"
