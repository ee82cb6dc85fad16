"""Reminder settings: the user's own choice (GET/PUT /v1/me/reminders)."""

import pytest

from tests.factories import create_person, put_profile


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
