"""The profile: validation, ETag/304 and If-Match/412."""

from tests.factories import create_person, put_profile


async def test_profile_is_404_until_first_put(client):
    person = await create_person(client)
    response = await client.get("/v1/me/profile", headers=person.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "profile_not_found"


async def test_put_creates_then_replaces(client):
    person = await create_person(client)
    body = {
        "skin_type": "combination",
        "sensitivity": "high",
        "conditions": ["rosacea", "acne", "rosacea"],
        "concerns": ["redness"],
        "pregnancy": "pregnant",
        "due_date": "2027-03-01",
        "oral_medications": [" Isotretinoin "],
        "retinoid_experience": "beginner",
        "avoid_ingredients": ["Parfum"],
        "timezone": "America/New_York",
        "am_time": "06:45",
        "pm_time": "22:15",
    }
    created = await client.put("/v1/me/profile", json=body, headers=person.headers)
    assert created.status_code == 201
    profile = created.json()
    assert profile["conditions"] == ["acne", "rosacea"]
    assert profile["oral_medications"] == ["isotretinoin"]
    assert profile["avoid_ingredients"] == ["parfum"]
    replaced = await client.put(
        "/v1/me/profile", json={"timezone": "Asia/Kolkata"}, headers=person.headers
    )
    assert replaced.status_code == 200
    assert replaced.json()["pregnancy"] == "none"
    assert replaced.json()["conditions"] == []


async def test_bad_timezone_is_a_problem_json_422(client):
    person = await create_person(client)
    response = await client.put(
        "/v1/me/profile", json={"timezone": "Mars/Olympus_Mons"}, headers=person.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["loc"] == ["body", "timezone"]
    assert "time zone" in problem["errors"][0]["msg"]
    for bad in ("../../etc/passwd", "", "UTC\x00"):
        again = await client.put("/v1/me/profile", json={"timezone": bad}, headers=person.headers)
        assert again.status_code == 422


async def test_times_enums_and_due_date_are_validated(client):
    person = await create_person(client)
    cases = [
        {"am_time": "7:30"},
        {"pm_time": "24:00"},
        {"skin_type": "scaly"},
        {"sensitivity": "extreme"},
        {"conditions": ["vampirism"]},
        {"due_date": "2027-01-01"},  # without pregnancy
        {"pregnancy": "breastfeeding", "due_date": "2027-01-01"},
        {"updated_at": "2020-01-01T00:00:00Z"},  # read-only
        {"favourite_colour": "blue"},  # unknown
    ]
    for body in cases:
        response = await client.put(
            "/v1/me/profile", json={"timezone": "UTC", **body}, headers=person.headers
        )
        assert response.status_code == 422, body


async def test_patch_changes_only_what_is_sent_and_revalidates_the_whole(client):
    person = await create_person(client)
    await put_profile(client, person, skin_type="oily", pregnancy="pregnant", due_date="2027-02-01")
    patched = await client.patch(
        "/v1/me/profile", json={"sensitivity": "low"}, headers=person.headers
    )
    assert patched.status_code == 200
    assert patched.json()["skin_type"] == "oily"
    assert patched.json()["sensitivity"] == "low"
    # ending the pregnancy while keeping the due date makes the whole invalid
    invalid = await client.patch(
        "/v1/me/profile", json={"pregnancy": "none"}, headers=person.headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_error"
    unchanged = await client.get("/v1/me/profile", headers=person.headers)
    assert unchanged.json()["pregnancy"] == "pregnant"
    nulled = await client.patch(
        "/v1/me/profile", json={"sensitivity": None}, headers=person.headers
    )
    assert nulled.status_code == 422


async def test_patch_without_a_profile_is_404(client):
    person = await create_person(client)
    response = await client.patch(
        "/v1/me/profile", json={"sensitivity": "low"}, headers=person.headers
    )
    assert response.status_code == 404


async def test_etag_gives_304_and_changes_with_the_profile(client):
    person = await create_person(client)
    await put_profile(client, person)
    first = await client.get("/v1/me/profile", headers=person.headers)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    cached = await client.get("/v1/me/profile", headers={**person.headers, "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    await client.patch("/v1/me/profile", json={"skin_type": "dry"}, headers=person.headers)
    fresh = await client.get("/v1/me/profile", headers={**person.headers, "If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag


async def test_if_match_refuses_a_stale_write(client):
    person = await create_person(client)
    await put_profile(client, person)
    etag = (await client.get("/v1/me/profile", headers=person.headers)).headers["etag"]
    ok = await client.patch(
        "/v1/me/profile", json={"skin_type": "dry"}, headers={**person.headers, "If-Match": etag}
    )
    assert ok.status_code == 200
    stale = await client.patch(
        "/v1/me/profile", json={"skin_type": "oily"}, headers={**person.headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    stale_put = await client.put(
        "/v1/me/profile", json={"timezone": "UTC"}, headers={**person.headers, "If-Match": etag}
    )
    assert stale_put.status_code == 412
    current = await client.get("/v1/me/profile", headers=person.headers)
    assert current.json()["skin_type"] == "dry"
    assert current.headers["etag"] == ok.headers["etag"]


async def test_if_match_on_a_missing_profile_is_412(client):
    person = await create_person(client)
    response = await client.put(
        "/v1/me/profile", json={"timezone": "UTC"}, headers={**person.headers, "If-Match": '"x"'}
    )
    assert response.status_code == 412
