"""The profile: validation, ETag/304 and If-Match/412."""

from datetime import UTC, datetime

from app.main import create_app
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    put_profile,
)


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
    # an end recorded while the profile stays pregnant makes the whole invalid
    invalid = await client.patch(
        "/v1/me/profile", json={"pregnancy_ended_on": "2026-01-01"}, headers=person.headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_error"
    unchanged = await client.get("/v1/me/profile", headers=person.headers)
    assert unchanged.json()["pregnancy"] == "pregnant"
    nulled = await client.patch(
        "/v1/me/profile", json={"sensitivity": None}, headers=person.headers
    )
    assert nulled.status_code == 422


async def test_patch_refuses_null_where_the_profile_cannot_be_empty_and_says_so(client):
    """null clears a field that may be empty; elsewhere it is refused on that field, and the
    document does not offer it (schemathesis sent the null the document allowed)."""
    person = await create_person(client)
    await put_profile(client, person, skin_type="oily")
    refused = await client.patch(
        "/v1/me/profile", json={"retinoid_experience": None}, headers=person.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "retinoid_experience"]
    cleared = await client.patch("/v1/me/profile", json={"skin_type": None}, headers=person.headers)
    assert cleared.status_code == 200
    assert cleared.json()["skin_type"] is None
    patch = create_app().openapi()["components"]["schemas"]["ProfilePatch"]["properties"]
    assert patch["retinoid_experience"]["$ref"] == "#/components/schemas/RetinoidExperience"
    assert "anyOf" not in patch["retinoid_experience"]
    assert patch["conditions"]["maxItems"] == 10
    assert {"type": "null"} in patch["skin_type"]["anyOf"]
    # an invalid value is reported once, at the field (not at each member of a union)
    invalid = await client.patch(
        "/v1/me/profile", json={"timezone": "Mars/Olympus_Mons"}, headers=person.headers
    )
    assert [e["loc"] for e in invalid.json()["errors"]] == [["body", "timezone"]]


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


async def test_p9a_pregnancy_ended_on_is_recorded_with_the_change(client):
    person = await create_person(client)
    await put_profile(client, person, pregnancy="pregnant", due_date="2026-10-01")
    ended = await client.patch(
        "/v1/me/profile",
        json={"pregnancy": "breastfeeding", "pregnancy_ended_on": "2026-10-05"},
        headers=person.headers,
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["pregnancy"] == "breastfeeding"
    assert ended.json()["pregnancy_ended_on"] == "2026-10-05"
    assert ended.json()["due_date"] == "2026-10-01"  # kept beside the end, as its record
    again = await client.get("/v1/me/profile", headers=person.headers)
    assert again.json()["pregnancy_ended_on"] == "2026-10-05"
    # a new pregnancy drops the end recorded for the last one
    pregnant = await client.patch(
        "/v1/me/profile",
        json={"pregnancy": "pregnant", "due_date": "2027-09-01"},
        headers=person.headers,
    )
    assert pregnant.status_code == 200, pregnant.text
    assert pregnant.json()["pregnancy_ended_on"] is None


async def test_p9a_pregnancy_ended_on_is_validated_as_a_problem_422(client):
    person = await create_person(client)
    await put_profile(client, person, pregnancy="pregnant", due_date="2026-10-01")
    cases = [
        # still pregnant
        {"pregnancy_ended_on": "2026-10-05"},
        # in the future
        {"pregnancy": "none", "pregnancy_ended_on": "2999-01-01"},
        # before the pregnancy: more than 42 weeks before the due date
        {"pregnancy": "none", "pregnancy_ended_on": "2025-12-01"},
        {"pregnancy": "breastfeeding", "pregnancy_ended_on": "not-a-date"},
    ]
    for body in cases:
        response = await client.patch("/v1/me/profile", json=body, headers=person.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
        assert response.json()["errors"], body
    future = await client.put(
        "/v1/me/profile",
        json={"timezone": "UTC", "pregnancy": "none", "pregnancy_ended_on": "2999-01-01"},
        headers=person.headers,
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["loc"] == ["body", "pregnancy_ended_on"]
    unchanged = await client.get("/v1/me/profile", headers=person.headers)
    assert unchanged.json()["pregnancy"] == "pregnant"
    assert unchanged.json()["pregnancy_ended_on"] is None


async def test_p9a_routine_after_the_due_date_asks_to_confirm_and_keeps_the_exclusion(
    client, session, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 9, 1, 12, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(client, person, pregnancy="pregnant", due_date="2026-10-01")
    adapalene = await catalog_product(session, "Adapalene 0.1% Gel")
    await add_to_shelf(client, person, adapalene.id, patch_test="passed")
    late = await client.get("/v1/me/routine?date=2026-10-10", headers=person.headers)
    assert late.status_code == 200
    day = late.json()
    assert [w["rule_id"] for w in day["warnings"] if w["code"] == "confirm_pregnancy_end"] == [
        "P9a"
    ]
    assert any(e["product"]["id"] == str(adapalene.id) for e in day["excluded"])
    assert "P9a" in day["rules"]
    freeze_clock(monkeypatch, datetime(2026, 10, 9, 12, tzinfo=UTC))
    await client.patch(
        "/v1/me/profile",
        json={"pregnancy": "none", "pregnancy_ended_on": "2026-10-08"},
        headers=person.headers,
    )
    days = await client.get(
        "/v1/me/routine/days?from=2026-10-07&to=2026-10-08", headers=person.headers
    )
    before, since = days.json()["days"]
    assert any(e["product"]["id"] == str(adapalene.id) for e in before["excluded"])
    assert not any(e["product"]["id"] == str(adapalene.id) for e in since["excluded"])
    assert since["night_type"] == "retinoid"  # the restart: the first night of the ramp
    assert not any(w["code"] == "confirm_pregnancy_end" for w in since["warnings"])


async def test_p9a_a_pregnancy_changed_without_an_end_date_ended_today(client, monkeypatch):
    # RULES.md is silent: without a date the retinoid would resume at full strength (R7)
    freeze_clock(monkeypatch, datetime(2026, 10, 9, 23, 30, tzinfo=UTC))
    person = await create_person(client)
    await put_profile(
        client, person, pregnancy="pregnant", due_date="2026-10-01", timezone="Pacific/Auckland"
    )
    ended = await client.patch(
        "/v1/me/profile", json={"pregnancy": "breastfeeding"}, headers=person.headers
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["pregnancy_ended_on"] == "2026-10-10"  # already the 10th in Auckland
    replaced = await put_profile(client, person, pregnancy="none")
    assert replaced["pregnancy_ended_on"] is None  # not pregnant before: nothing ended


async def test_every_write_is_a_new_version_even_within_one_second(client, monkeypatch):
    """updated_at is sent in whole seconds, but the ETag covers it to the microsecond: a write
    that leaves the body reading the same still retires the If-Match it was made against."""
    person = await create_person(client)
    second = datetime(2026, 11, 21, 9, 15, 2, tzinfo=UTC)
    freeze_clock(monkeypatch, second.replace(microsecond=100))
    first = await put_profile(client, person, timezone="UTC")
    etag = (await client.get("/v1/me/profile", headers=person.headers)).headers["ETag"]
    freeze_clock(monkeypatch, second.replace(microsecond=200))
    same = await client.patch(
        "/v1/me/profile", json={"timezone": "UTC"}, headers={**person.headers, "If-Match": etag}
    )
    assert same.status_code == 200
    assert same.json() == first  # the same body, updated_at to the second
    assert same.json()["updated_at"] == "2026-11-21T09:15:02Z"
    assert same.headers["ETag"] != etag
    again = await client.patch(
        "/v1/me/profile", json={"timezone": "UTC"}, headers={**person.headers, "If-Match": etag}
    )
    assert again.status_code == 412
    assert again.json()["code"] == "stale_version"
    read = await client.get("/v1/me/profile", headers=person.headers)
    assert read.headers["ETag"] == same.headers["ETag"]
