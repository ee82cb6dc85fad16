"""The audit trail: every consent and override change lands in the patient's hash chain, the
chain pages newest first, and altering or deleting a record is caught by the verifier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from app.models.accounts import Role
from app.models.audit import AuditRecord
from app.services import audit
from tests.factories import (
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    put_profile,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


async def _story(client, session):
    """A patient links a dermatologist, who adds and withdraws an override: four records."""
    patient = await create_person(client)
    await put_profile(client, patient)
    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    url = f"/v1/patients/{patient.id}/overrides"
    etag = (await client.get(url, headers=derm.headers)).headers["ETag"]
    created = await client.post(
        url,
        json={
            "action": "set_wait",
            "product_id": str(cleanser.id),
            "wait_after_seconds": 90,
            "reason": "Let the cleanser dry fully",
            "starts_on": TODAY.isoformat(),
        },
        headers={**derm.headers, "If-Match": etag},
    )
    assert created.status_code == 201, created.text
    etag = (await client.get(url, headers=derm.headers)).headers["ETag"]
    withdrawn = await client.delete(
        f"{url}/{created.json()['id']}",
        params={"reason": "Skin adjusted"},
        headers={**derm.headers, "If-Match": etag},
    )
    assert withdrawn.status_code == 204
    return patient, derm


async def test_every_change_is_recorded_and_chained(client, session):
    patient, derm = await _story(client, session)
    page = await client.get("/v1/me/audit", headers=patient.headers)
    records = page.json()["items"]
    assert [(r["seq"], r["action"], r["actor_id"]) for r in records] == [
        (4, "override_deleted", str(derm.id)),
        (3, "override_created", str(derm.id)),
        (2, "link_created", str(derm.id)),
        (1, "invite_created", str(patient.id)),
    ]
    deleted, created = records[0], records[1]
    assert deleted["reason"] == "Skin adjusted"
    assert deleted["before"]["reason"] == "Let the cleanser dry fully"
    assert created["after"]["wait_after_seconds"] == 90
    assert created["after"]["author"]["email"] == derm.email
    for newer, older in zip(records, records[1:], strict=False):
        assert newer["prev_hash"] == older["hash"]
    # the invite code itself is never recorded
    assert "code" not in str(records[-1]["after"])

    verification = await audit.verify(session)
    assert verification.ok
    assert (verification.records, verification.patients) == (4, 1)


async def test_the_trail_pages_newest_first(client, session):
    patient, derm = await _story(client, session)
    url = f"/v1/patients/{patient.id}/audit"
    first = (await client.get(url, params={"limit": 3}, headers=derm.headers)).json()
    assert [r["seq"] for r in first["items"]] == [4, 3, 2]
    rest = (
        await client.get(
            url, params={"limit": 3, "cursor": first["next_cursor"]}, headers=derm.headers
        )
    ).json()
    assert [r["seq"] for r in rest["items"]] == [1]
    assert rest["next_cursor"] is None
    bad = await client.get(url, params={"cursor": "WyJ4Il0"}, headers=derm.headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_an_altered_record_breaks_the_chain(client, session):
    patient, _derm = await _story(client, session)
    table = AuditRecord.__table__
    await session.execute(
        update(table)
        .where(table.c.patient_id == patient.id, table.c.seq == 3)
        .values(reason="Nothing to see here")
    )
    result = await audit.verify(session)
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.patient_id, result.broken.seq) == (patient.id, 3)
    assert result.broken.problem == "hash_mismatch"


async def test_a_rehashed_forgery_breaks_the_next_link(client, session):
    """A forger who also recomputes the altered record's hash is caught at that record: its
    HMAC needs the audit key (and, were it forged too, the next record's link would break)."""
    patient, _derm = await _story(client, session)
    table = AuditRecord.__table__
    row = (
        await session.execute(
            select(table).where(table.c.patient_id == patient.id, table.c.seq == 2)
        )
    ).one()
    forged = AuditRecord(**{**row._mapping, "reason": "forged"})
    await session.execute(
        update(table)
        .where(table.c.id == row.id)
        .values(reason="forged", hash=audit.record_hash(forged))
    )
    result = await audit.verify(session)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.problem) == (2, "mac_mismatch")


async def test_a_deleted_record_breaks_the_chain(client, session):
    patient, _derm = await _story(client, session)
    table = AuditRecord.__table__
    await session.execute(delete(table).where(table.c.patient_id == patient.id, table.c.seq == 2))
    result = await audit.verify(session)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.problem) == (3, "seq_gap")
