"""Push devices: register (an idempotent upsert), list, read and remove; a push token reaches
one install only; at most 20 devices a person; bad input is a 422 and stores nothing.
(Racing registrations: tests/db/test_write_races.py. The due feed: tests/api/reminders/.)"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlmodel import col

from app.models.accounts import User
from app.models.devices import Device
from tests.factories import create_person, freeze_clock, scheduler_headers

T0 = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=UTC)
IOS_TOKEN = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"
FCM_TOKEN = "dKz3Z5bQ:APA91bH-7mQ_x" + "k" * 140


def iso(instant):
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def url(device_id):
    return f"/v1/me/devices/{device_id}"


async def put(client, person, device_id, **body):
    return await client.put(url(device_id), json=body, headers=person.headers)


async def listed(client, person):
    response = await client.get("/v1/me/devices", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_put_creates_then_replaces_the_device(client, monkeypatch):
    person = await create_person(client)
    freeze_clock(monkeypatch, T0)
    created = await put(
        client, person, "iPhone-1", platform="ios", push_token=IOS_TOKEN, locale="en-GB",
        app_version="2.4.1",
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json() == {
        "device_id": "iPhone-1",
        "platform": "ios",
        "push_token": IOS_TOKEN,
        "locale": "en-GB",
        "app_version": "2.4.1",
        "created_at": iso(T0),
        "updated_at": iso(T0),
    }
    assert (await client.get(url("iPhone-1"), headers=person.headers)).json() == created.json()

    later = T0 + timedelta(days=3)
    freeze_clock(monkeypatch, later)
    again = await put(client, person, "iPhone-1", platform="ios", push_token=IOS_TOKEN + "ff")
    assert again.status_code == 200, again.text
    # a PUT replaces the whole registration: what it leaves out is no longer known
    assert again.json() == {
        "device_id": "iPhone-1",
        "platform": "ios",
        "push_token": IOS_TOKEN + "ff",
        "locale": None,
        "app_version": None,
        "created_at": iso(T0),
        "updated_at": iso(later),
    }
    same = await put(client, person, "iPhone-1", platform="ios", push_token=IOS_TOKEN + "ff")
    assert same.status_code == 200
    assert await listed(client, person) == [same.json()]


async def test_list_is_the_callers_devices_oldest_first(client, monkeypatch):
    person = await create_person(client)
    other = await create_person(client)
    assert await listed(client, person) == []
    for minutes, device_id in ((0, "zz-web"), (1, "aa-android"), (2, "mm-ios")):
        freeze_clock(monkeypatch, T0 + timedelta(minutes=minutes))
        platform = device_id.split("-")[1]
        response = await put(client, person, device_id, platform=platform, push_token=device_id)
        assert response.status_code == 201
    await put(client, other, "theirs", platform="web", push_token="their-token")
    assert [d["device_id"] for d in await listed(client, person)] == [
        "zz-web",
        "aa-android",
        "mm-ios",
    ]
    assert [d["device_id"] for d in await listed(client, other)] == ["theirs"]


async def test_delete_removes_the_device_and_a_second_delete_is_404(client):
    person = await create_person(client)
    await put(client, person, "tablet", platform="android", push_token=FCM_TOKEN)
    await put(client, person, "laptop", platform="web", push_token="https://push.example/abc")
    deleted = await client.delete(url("tablet"), headers=person.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert [d["device_id"] for d in await listed(client, person)] == ["laptop"]
    for method in ("DELETE", "GET"):
        gone = await client.request(method, url("tablet"), headers=person.headers)
        assert (gone.status_code, gone.json()["code"]) == (404, "device_not_found"), method
    # the token it held is free again
    again = await put(client, person, "tablet", platform="android", push_token=FCM_TOKEN)
    assert again.status_code == 201


async def test_another_users_device_id_is_invisible(client):
    owner = await create_person(client)
    stranger = await create_person(client)
    await put(client, owner, "phone", platform="ios", push_token=IOS_TOKEN, locale="fr")
    for method in ("GET", "DELETE"):
        response = await client.request(method, url("phone"), headers=stranger.headers)
        assert (response.status_code, response.json()["code"]) == (404, "device_not_found")
    # the same id is the stranger's own device, not the owner's
    theirs = await put(client, stranger, "phone", platform="android", push_token=FCM_TOKEN)
    assert theirs.status_code == 201
    assert [(d["device_id"], d["push_token"]) for d in await listed(client, owner)] == [
        ("phone", IOS_TOKEN)
    ]
    assert [(d["device_id"], d["push_token"]) for d in await listed(client, stranger)] == [
        ("phone", FCM_TOKEN)
    ]
    assert (await client.delete(url("phone"), headers=stranger.headers)).status_code == 204
    assert len(await listed(client, owner)) == 1


async def test_a_push_token_moves_to_whoever_registers_it_last(client):
    """A phone signed out of A's account and into B's registers its token again: A's reminders
    must never reach it, so A's device holding that token is removed."""
    a = await create_person(client)
    b = await create_person(client)
    await put(client, a, "a-phone", platform="ios", push_token=IOS_TOKEN)
    await put(client, a, "a-laptop", platform="web", push_token="a-web-push")
    moved = await put(client, b, "b-phone", platform="ios", push_token=IOS_TOKEN)
    assert moved.status_code == 201
    assert [d["device_id"] for d in await listed(client, a)] == ["a-laptop"]
    assert [d["push_token"] for d in await listed(client, b)] == [IOS_TOKEN]
    assert (await client.get(url("a-phone"), headers=a.headers)).status_code == 404

    # within one account too: a reinstall under a new device id takes the token with it
    reinstalled = await put(client, b, "b-phone-2", platform="ios", push_token=IOS_TOKEN)
    assert reinstalled.status_code == 201
    assert [d["device_id"] for d in await listed(client, b)] == ["b-phone-2"]

    # and an update that changes a device's token takes the new one from its holder
    changed = await put(client, a, "a-laptop", platform="web", push_token=IOS_TOKEN)
    assert changed.status_code == 200
    assert await listed(client, b) == []
    # its old token is released: someone else can register it
    taken = await put(client, b, "b-browser", platform="web", push_token="a-web-push")
    assert taken.status_code == 201
    assert [d["push_token"] for d in await listed(client, a)] == [IOS_TOKEN]


async def test_at_most_twenty_devices(client):
    person = await create_person(client)
    for n in range(20):
        response = await put(client, person, f"d{n}", platform="web", push_token=f"t{n}")
        assert response.status_code == 201, response.text
    refused = await put(client, person, "d20", platform="web", push_token="t20")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["max_devices"]) == ("too_many_devices", 20)
    assert refused.headers["content-type"] == "application/problem+json"
    assert len(await listed(client, person)) == 20
    # a registered device can still be replaced at the cap
    assert (await put(client, person, "d3", platform="ios", push_token="t3b")).status_code == 200
    # a new install that takes over one of the person's own tokens frees that slot first
    takeover = await put(client, person, "d20", platform="web", push_token="t7")
    assert takeover.status_code == 201
    assert "d7" not in {d["device_id"] for d in await listed(client, person)}
    assert (await put(client, person, "d21", platform="web", push_token="t21")).status_code == 409
    # removing one makes room
    assert (await client.delete(url("d0"), headers=person.headers)).status_code == 204
    assert (await put(client, person, "d21", platform="web", push_token="t21")).status_code == 201
    # and another person's devices do not count against this one
    other = await create_person(client)
    assert (await put(client, other, "d0", platform="web", push_token="x")).status_code == 201


GOOD = {"platform": "android", "push_token": FCM_TOKEN, "locale": "de-AT", "app_version": "1.0"}


@pytest.mark.parametrize(
    ("device_id", "body"),
    [
        pytest.param("x" * 129, GOOD, id="device_id-too-long"),
        pytest.param("has space", GOOD, id="device_id-space"),
        pytest.param("star*", GOOD, id="device_id-star"),
        pytest.param("caf%C3%A9", GOOD, id="device_id-non-ascii"),
        pytest.param("line%0A", GOOD, id="device_id-newline"),
        pytest.param("%2E%2E", GOOD, id="device_id-dot-dot"),
        pytest.param("%2E", GOOD, id="device_id-dot"),
        pytest.param("ok", GOOD | {"platform": "windows"}, id="platform-unknown"),
        pytest.param("ok", GOOD | {"platform": "IOS"}, id="platform-case"),
        pytest.param("ok", {"push_token": FCM_TOKEN}, id="platform-missing"),
        pytest.param("ok", {"platform": "ios"}, id="push_token-missing"),
        pytest.param("ok", GOOD | {"push_token": ""}, id="push_token-empty"),
        pytest.param("ok", GOOD | {"push_token": "   "}, id="push_token-blank"),
        pytest.param("ok", GOOD | {"push_token": "t" * 4097}, id="push_token-huge"),
        pytest.param("ok", GOOD | {"push_token": "tok\x00en"}, id="push_token-nul"),
        pytest.param("ok", GOOD | {"push_token": "tok\nen"}, id="push_token-newline"),
        pytest.param("ok", GOOD | {"push_token": "tok\x85en"}, id="push_token-c1"),
        pytest.param("ok", GOOD | {"push_token": 123}, id="push_token-number"),
        pytest.param("ok", GOOD | {"locale": "en_GB"}, id="locale-underscore"),
        pytest.param("ok", GOOD | {"locale": "english please"}, id="locale-words"),
        pytest.param("ok", GOOD | {"locale": "en-"}, id="locale-trailing-hyphen"),
        pytest.param("ok", GOOD | {"locale": "e"}, id="locale-one-letter"),
        pytest.param("ok", GOOD | {"locale": "en-" + "-".join(["abcdefgh"] * 4)}, id="locale-long"),
        pytest.param("ok", GOOD | {"app_version": "v" * 65}, id="app_version-long"),
        pytest.param("ok", GOOD | {"app_version": ""}, id="app_version-empty"),
        pytest.param("ok", GOOD | {"app_version": "1.0\x1b"}, id="app_version-control"),
        pytest.param("ok", GOOD | {"device_id": "other"}, id="unknown-field"),
        pytest.param("ok", GOOD | {"created_at": "2020-01-01T00:00:00Z"}, id="read-only-field"),
        pytest.param("ok", ["not", "an", "object"], id="not-an-object"),
    ],
)
async def test_bad_registrations_are_422_and_store_nothing(client, device_id, body):
    person = await create_person(client)
    response = await client.put(url(device_id), json=body, headers=person.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert await listed(client, person) == []


@pytest.mark.parametrize(
    "device_id",
    [
        "a",
        "x" * 128,
        "5E1F6A5C-7B8D-4C2E-9A0B-3D4E5F607182",
        "web:chrome_121.0",
        "...",
        "-_.:",
    ],
)
async def test_every_allowed_device_id_shape_round_trips(client, device_id):
    person = await create_person(client)
    created = await put(client, person, device_id, platform="web", push_token="t-" + device_id)
    assert created.status_code == 201, created.text
    assert created.json()["device_id"] == device_id
    assert (await client.get(url(device_id), headers=person.headers)).status_code == 200
    assert (await client.delete(url(device_id), headers=person.headers)).status_code == 204


@pytest.mark.parametrize("locale", ["en", "fil", "en-GB", "zh-Hant-TW", "es-419", "sr-Latn-RS"])
async def test_bcp47_locales_are_accepted(client, locale):
    person = await create_person(client)
    response = await put(client, person, "p", platform="ios", push_token=IOS_TOKEN, locale=locale)
    assert response.status_code == 201, response.text
    assert response.json()["locale"] == locale


async def test_a_web_push_subscription_fits_as_a_token(client):
    person = await create_person(client)
    subscription = (
        '{"endpoint":"https://fcm.googleapis.com/fcm/send/' + "e" * 150 + '",'
        '"keys":{"p256dh":"' + "k" * 87 + '","auth":"' + "a" * 22 + '"}}'
    )
    longest = "t" * 4096
    for device_id, token in (("browser", subscription), ("longest", longest)):
        response = await put(client, person, device_id, platform="web", push_token=token)
        assert response.status_code == 201, response.text
    assert [d["push_token"] for d in await listed(client, person)] == [subscription, longest]


async def test_device_routes_are_for_people(client, session):
    person = await create_person(client)
    await put(client, person, "phone", platform="ios", push_token=IOS_TOKEN)
    scheduler = await scheduler_headers(client, session)
    calls = [
        ("GET", "/v1/me/devices", None),
        ("GET", url("phone"), None),
        ("PUT", url("phone"), {"platform": "ios", "push_token": "stolen"}),
        ("DELETE", url("phone"), None),
    ]
    for method, path, body in calls:
        as_service = await client.request(method, path, json=body, headers=scheduler)
        assert (as_service.status_code, as_service.json()["code"]) == (403, "user_required"), path
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"] == "Bearer"
        forged = await client.request(
            method, path, json=body, headers={"Authorization": "Bearer not-a-token"}
        )
        assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token"), path
    assert [d["push_token"] for d in await listed(client, person)] == [IOS_TOKEN]


async def test_an_erased_account_takes_its_devices_with_it(client, session):
    person = await create_person(client)
    other = await create_person(client)
    await put(client, person, "phone", platform="ios", push_token=IOS_TOKEN)
    await put(client, other, "phone", platform="android", push_token=FCM_TOKEN)
    await session.execute(delete(User).where(col(User.id) == person.id))
    left = await session.scalars(select(Device.push_token))
    assert list(left) == [FCM_TOKEN]
