"""Every instant in a response body is RFC 3339 in UTC with whole seconds: 2027-03-01T07:00:00Z
(API.md, second wave), whether FastAPI serialised it, a cache stored it pre-encoded, or an audit
record carries it. The clock stands at an instant with microseconds, so a body that kept them (or
an offset) would show it."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.models.accounts import Role
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    put_profile,
    scheduler_headers,
)

NOW = datetime(2026, 3, 2, 7, 29, 30, 123456, tzinfo=UTC)  # the 07:30 reminder is claimable
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LOOKS_LIKE_AN_INSTANT = re.compile(r"^[+-]?\d{4,}-\d\d-\d\d[T ]\d")


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


def instants(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a JSON document that looks like a date with a time, with its path."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in instants(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in instants(v, f"{path}[{i}]")]
    if isinstance(value, str) and LOOKS_LIKE_AN_INSTANT.match(value):
        return [(path, value)]
    return []


async def test_every_instant_in_the_main_reads_is_rfc3339_utc_whole_seconds(client, session):
    patient = await create_person(client)
    await put_profile(client, patient, retinoid_experience="experienced")
    for name in ("Gentle Hydrating Cream Cleanser", "Light Gel Moisturiser"):
        product = await catalog_product(session, name)
        await add_to_shelf(client, patient, product.id, patch_test="passed")
    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    me, base = patient.headers, f"/v1/patients/{patient.id}"
    today = NOW.date().isoformat()

    sent: list[tuple[str, Any]] = []

    async def read(method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = await client.request(method, url, headers=headers, **kwargs)
        assert response.status_code < 300, (url, response.text)
        body = response.json()
        sent.append((f"{method} {url}", body))
        return body

    await read("POST", "/v1/me/logs", me, json={"date": today, "slot": "am", "done": True})
    await read("POST", "/v1/me/care-team/invites", me)
    listed = await client.get(f"{base}/overrides", headers=derm.headers)
    serum = await catalog_product(session, "Niacinamide 10% + Zinc Serum")
    override = {
        "action": "add",
        "product_id": str(serum.id),
        "slot": "am",
        "reason": "Oil control",
        "starts_on": today,
    }
    await read(
        "POST",
        f"{base}/overrides",
        {**derm.headers, "If-Match": listed.headers["ETag"]},
        json=override,
    )
    await read("POST", "/v1/me/procedures", me, json={"kind": "ipl", "on": today})
    await read("PUT", "/v1/me/reminders", me, json={"enabled": True})
    await read("POST", "/v1/me/calendar/token", me)
    for url in (
        "/v1/me/profile",
        "/v1/me/shelf",
        "/v1/me/routine",
        f"/v1/me/logs?from={today}&to={today}",
        "/v1/me/care-team",
        "/v1/me/overrides",
        "/v1/me/audit",
        "/v1/me/procedures",
    ):
        await read("GET", url, me)
    for url in ("/v1/patients", f"{base}/profile", f"{base}/overrides", f"{base}/audit"):
        await read("GET", url, derm.headers)
    await read("GET", "/v1/me/profile", me)  # the cached, pre-encoded profile, a second time

    scheduler = await scheduler_headers(client, session)
    window = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    await read("GET", "/v1/reminders/due", scheduler, params=window)
    until = (NOW + timedelta(minutes=5)).isoformat()
    claimed = await read(
        "POST", "/v1/reminders/claim", scheduler, json={"worker_id": "w1", "until": until}
    )
    assert claimed["items"], "no reminder to claim: the check below would miss lease_until"
    reminder = claimed["items"][0]["id"]
    await read("POST", f"/v1/reminders/{reminder}/ack", scheduler, json={"worker_id": "w1"})

    found = [(where, path, value) for where, body in sent for path, value in instants(body)]
    wrong = [(where, path, value) for where, path, value in found if not RFC3339_UTC.match(value)]
    assert not wrong, wrong
    # not vacuous: the instants of every kind of body were seen
    keys = {path.rsplit(".", 1)[-1] for _where, path, _value in found}
    assert {
        "updated_at",  # profile, logs
        "expires_at",  # an invite, and inside its audit record
        "linked_at",  # patients, care team
        "created_at",  # overrides, procedures, calendar token
        "at",  # audit records
        "due_at",
        "lease_until",
        "sent_at",
    } <= keys, keys
    assert any(".after.expires_at" in path for _where, path, _value in found)
