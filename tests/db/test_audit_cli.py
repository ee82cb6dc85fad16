"""`python -m app.cli verify-audit`, run as an operator would, against its own SQLite file:
OK (exit 0) on an intact trail, the first broken link (exit 1) after tampering by plain SQL,
including a forger who re-hashes without the audit key or deletes the newest records."""

import asyncio
import hashlib
import json
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import select

from app import cli
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.models.accounts import Role
from app.models.audit import AuditAction, AuditRecord
from app.services import accounts, audit, catalog
from tests.conftest import alembic_config
from tests.factories import PASSWORD, Person, create_person, link_patient, login, put_profile


@pytest.fixture
def audit_database(tmp_path, monkeypatch):
    path = tmp_path / "audit.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    yield path
    get_settings.cache_clear()


async def _populate(url: str) -> list[str]:
    """Two patients with three records each; returns the first patient's id."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    ids = []
    async with sessionmaker() as session, session.begin():
        derm = await accounts.create_user(
            session, email="derm@example.com", password="long-enough-pw", role=Role.dermatologist
        )
        for n in range(2):
            patient = await accounts.create_user(
                session, email=f"p{n}@example.com", password="long-enough-pw"
            )
            ids.append(str(patient.id))
            for action, actor in (
                (AuditAction.invite_created, patient),
                (AuditAction.link_created, derm),
                (AuditAction.override_created, derm),
            ):
                await audit.append(
                    session,
                    patient_id=patient.id,
                    actor=actor,
                    action=action,
                    after={"n": n, "note": "héllo"},
                    reason=f"{action.value} for patient {n}",
                )
    await engine.dispose()
    return ids


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, _err = capsys.readouterr()
    return code, json.loads(out)


def _sql(path, statement, *params):
    with sqlite3.connect(path) as conn:
        conn.execute(statement, params)


def test_verify_audit_reports_ok_then_the_first_broken_link(audit_database, capsys):
    first, _second = asyncio.run(_populate(get_settings().database_url))
    code, report = run(capsys, "verify-audit")
    assert (code, report["ok"], report["records"], report["patients"]) == (0, True, 6, 2)

    patient_hex = first.replace("-", "")
    _sql(
        audit_database,
        "UPDATE audit_records SET reason = 'edited' WHERE patient_id = ? AND seq = 2",
        patient_hex,
    )
    code, report = run(capsys, "verify-audit")
    assert code == 1
    assert report["ok"] is False
    assert report["broken"] | {"id": None} == {
        "patient_id": first,
        "seq": 2,
        "id": None,
        "problem": "hash_mismatch",
    }

    _sql(audit_database, "DELETE FROM audit_records WHERE patient_id = ? AND seq = 2", patient_hex)
    code, report = run(capsys, "verify-audit")
    assert code == 1
    assert (report["broken"]["seq"], report["broken"]["problem"]) == (3, "seq_gap")


def _rows(path, patient_hex):
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [
            dict(row)
            for row in conn.execute(
                "SELECT * FROM audit_records WHERE patient_id = ? ORDER BY seq", (patient_hex,)
            )
        ]


def _rehash(row, prev_hash):
    """What a forger computes: the public hash recipe, but no key for the HMAC."""
    at = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC)
    record = audit.AuditRecord(
        id=uuid.UUID(row["id"]),
        patient_id=uuid.UUID(row["patient_id"]),
        seq=row["seq"],
        at=at,
        actor_id=uuid.UUID(row["actor_id"]),
        actor_email=row["actor_email"],
        action=row["action"],
        subject_id=None if row["subject_id"] is None else uuid.UUID(row["subject_id"]),
        before=None if row["before"] is None else json.loads(row["before"]),
        after=None if row["after"] is None else json.loads(row["after"]),
        reason=row["reason"],
        prev_hash=prev_hash,
        hash="",
        payload_digest=row["payload_digest"],
        payload_nonce=row["payload_nonce"],
    )
    return audit.record_hash(record)


def test_an_edit_rehashed_without_the_key_is_caught(audit_database, capsys):
    first, _second = asyncio.run(_populate(get_settings().database_url))
    patient_hex = first.replace("-", "")
    rows = _rows(audit_database, patient_hex)
    prev = rows[0]["hash"]
    for row in rows[1:]:  # edit seq 2, then re-chain 2 and 3 so that every hash holds again
        if row["seq"] == 2:
            row["reason"] = "nothing happened"
        new_hash = _rehash(row, prev)
        forged_mac = hashlib.sha256(new_hash.encode()).hexdigest()  # any guess at the HMAC
        _sql(
            audit_database,
            "UPDATE audit_records SET reason = ?, prev_hash = ?, hash = ?, mac = ? WHERE id = ?",
            row["reason"], prev, new_hash, forged_mac, row["id"],
        )  # fmt: skip
        prev = new_hash
    code, report = run(capsys, "verify-audit")
    assert code == 1
    assert (report["broken"]["seq"], report["broken"]["problem"]) == (2, "mac_mismatch")

    # dropping the HMACs instead does not pass for records written before they existed
    _sql(audit_database, "UPDATE audit_records SET mac = NULL WHERE patient_id = ?", patient_hex)
    code, report = run(capsys, "verify-audit")
    assert (code, report["broken"]["problem"]) == (1, "mac_missing")


def test_deleting_the_newest_records_is_caught_by_a_kept_checkpoint(audit_database, capsys):
    first, _second = asyncio.run(_populate(get_settings().database_url))
    code, report = run(capsys, "verify-audit", "--settle-seconds", "0")
    assert code == 0
    kept = report["checkpoint"]

    # later: more records are fine, the old checkpoint still holds
    asyncio.run(_populate_more(get_settings().database_url, first))
    code, report = run(capsys, "verify-audit", "--expect-checkpoint", kept)
    assert (code, report["expected_checkpoint"]) == (0, "ok")

    # the newest records of a chain go: every chain still verifies on its own ...
    _sql(
        audit_database,
        "DELETE FROM audit_records WHERE patient_id = ? AND seq >= 3",
        first.replace("-", ""),
    )
    code, report = run(capsys, "verify-audit")
    assert code == 0
    # ... but not against the checkpoint kept elsewhere
    code, report = run(capsys, "verify-audit", "--expect-checkpoint", kept)
    assert code == 1
    assert (report["ok"], report["expected_checkpoint"]) == (False, "truncated")

    # nor can the checkpoint itself be rewritten without the key
    count, micros, digest, mac = kept.split(":")[1:]
    forged = f"v1:{int(count) - 2}:{micros}:{digest}:{mac}"
    code, report = run(capsys, "verify-audit", "--expect-checkpoint", forged)
    assert (code, report["expected_checkpoint"]) == (1, "forged")


async def _populate_more(url: str, patient_id: str) -> None:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        patient = await accounts.get_user(session, uuid.UUID(patient_id))
        assert patient is not None
        await audit.append(
            session, patient_id=patient.id, actor=patient, action=AuditAction.link_revoked
        )
    await engine.dispose()


def test_sign_audit_signs_records_from_before_signing_once(audit_database, capsys):
    asyncio.run(_populate(get_settings().database_url))
    _sql(audit_database, "UPDATE audit_records SET mac = NULL")
    assert run(capsys, "verify-audit")[0] == 1
    assert run(capsys, "sign-audit") == (0, {"ok": True, "signed": 6})
    assert run(capsys, "verify-audit")[0] == 0
    assert run(capsys, "sign-audit") == (0, {"ok": True, "signed": 0})


# --- erasure (GDPR Art. 17): the trail about an erased patient stays, blank, and verifies ------

OVERRIDE_REASON = "Velvet Peel Tonic flared her rosacea: keep it off"
WITHDRAW_REASON = "Rosacea calmed on azelaic acid"


async def _erasure_story(url: str) -> dict[str, str]:
    """Over HTTP, as in production: a dermatologist writes two overrides for a linked patient
    (one naming the patient's own product) and withdraws one."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await catalog.seed_catalog(session)
        derm_user = await accounts.create_user(
            session, email="derm@example.com", password=PASSWORD, role=Role.dermatologist
        )
    await engine.dispose()
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
            derm = Person(derm_user.id, derm_user.email, await login(client, derm_user.email))
            patient = await create_person(client)
            await put_profile(client, patient, conditions=["rosacea"])
            tonic = await client.post(
                "/v1/products",
                json={"name": "Velvet Peel Tonic", "category": "toner"},
                headers=patient.headers,
            )
            await link_patient(client, patient, derm)
            url = f"/v1/patients/{patient.id}/overrides"

            async def write(method: str, path: str, **kwargs: Any) -> httpx.Response:
                etag = (await client.get(url, headers=derm.headers)).headers["ETag"]
                headers = {**derm.headers, "If-Match": etag}
                return await client.request(method, path, headers=headers, **kwargs)

            dates = {"reason": OVERRIDE_REASON, "starts_on": "2030-01-01"}
            removed = await write(
                "POST", url, json={"action": "remove", "product_id": tonic.json()["id"], **dates}
            )
            paused = await write(
                "POST", url, json={"action": "pause", "ends_on": "2030-01-10", **dates}
            )
            assert (removed.status_code, paused.status_code) == (201, 201), paused.text
            withdrawn = await write(
                "DELETE", f"{url}/{paused.json()['id']}", params={"reason": WITHDRAW_REASON}
            )
            assert withdrawn.status_code == 204
    return {"patient_id": str(patient.id), "email": patient.email, "token": patient.token}


async def _delete_account(token: str) -> int:
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
            response = await client.request(
                "DELETE",
                "/v1/me",
                json={"password": PASSWORD},
                headers={"Authorization": f"Bearer {token}"},
            )
    return response.status_code


def test_an_erased_patients_chain_still_verifies_against_an_earlier_checkpoint(
    audit_database, capsys
):
    story = asyncio.run(_erasure_story(get_settings().database_url))
    patient_hex = story["patient_id"].replace("-", "")
    rows = _rows(audit_database, patient_hex)
    said = json.dumps(rows)
    for written in (OVERRIDE_REASON, WITHDRAW_REASON, story["email"]):
        assert written in said
    code, report = run(capsys, "verify-audit", "--settle-seconds", "0")
    assert (code, report["records"]) == (0, len(rows))
    kept = report["checkpoint"]

    assert asyncio.run(_delete_account(story["token"])) == 204

    code, report = run(capsys, "verify-audit", "--expect-checkpoint", kept)
    assert (code, report["ok"], report["expected_checkpoint"]) == (0, True, "ok")
    erased = _rows(audit_database, patient_hex)
    assert len(erased) == len(rows) + 1  # and a last record saying the account was erased
    assert erased[-1]["action"] == "account_erased"
    assert [r["hash"] for r in erased[: len(rows)]] == [r["hash"] for r in rows]
    left = json.dumps(erased)
    for gone in (OVERRIDE_REASON, WITHDRAW_REASON, "Velvet Peel Tonic", story["email"],
                 "derm@example.com", "rosacea"):  # fmt: skip
        assert gone not in left
    for row in erased:
        assert row["erased_at"] is not None
        assert row["erasure_mac"] is not None
        # SQLAlchemy's JSON stores None as JSON null
        assert {row["before"], row["after"]} <= {None, "null"}
        assert (row["actor_email"], row["reason"], row["payload_nonce"]) == ("", None, None)

    # what erasure left is still sealed: an edit is caught, and so is a forged seal
    _sql(audit_database, "UPDATE audit_records SET action = 'link_created' WHERE id = ?",
         erased[2]["id"])  # fmt: skip
    code, report = run(capsys, "verify-audit")
    assert (code, report["broken"]["seq"], report["broken"]["problem"]) == (1, 3, "hash_mismatch")


def test_erasing_without_the_key_is_caught(audit_database, capsys):
    first, _second = asyncio.run(_populate(get_settings().database_url))
    patient_hex = first.replace("-", "")
    # a database administrator blanks a record's reason as an erasure would, with no key
    _sql(
        audit_database,
        "UPDATE audit_records SET actor_email = '', before = NULL, after = NULL, reason = NULL, "
        "payload_nonce = NULL, erased_at = '2026-11-30 00:00:00.000000', erasure_mac = ? "
        "WHERE patient_id = ? AND seq = 2",
        "0" * 64,
        patient_hex,
    )
    code, report = run(capsys, "verify-audit")
    assert (code, report["broken"]["seq"], report["broken"]["problem"]) == (
        1,
        2,
        "erasure_mac_mismatch",
    )


async def _make_legacy_then_erase(url: str, patient_id: str, *, erase: bool) -> None:
    """Rewrite a chain as records from before 0014 (no payload digest, the old hash, signed
    with the key), or erase it as DELETE /v1/me does."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        pid = uuid.UUID(patient_id)
        if erase:
            patient = await accounts.get_user(session, pid)
            assert patient is not None
            await audit.erase_chain(session, patient_id=pid, actor=patient)
        else:
            records = await session.scalars(
                select(AuditRecord).where(AuditRecord.patient_id == pid).order_by(AuditRecord.seq)
            )
            prev = audit.GENESIS_HASH
            for record in records:
                record.payload_digest = record.payload_nonce = None
                record.prev_hash = prev
                record.hash = audit.record_hash(record)
                record.mac = audit.record_mac(record.hash)
                prev = record.hash
    await engine.dispose()


def test_records_from_before_0014_are_erased_under_the_seal_alone(audit_database, capsys):
    first, _second = asyncio.run(_populate(get_settings().database_url))
    url, patient_hex = get_settings().database_url, first.replace("-", "")
    asyncio.run(_make_legacy_then_erase(url, first, erase=False))
    assert all(row["payload_digest"] is None for row in _rows(audit_database, patient_hex))
    code, report = run(capsys, "verify-audit", "--settle-seconds", "0")
    assert code == 0
    kept = report["checkpoint"]

    asyncio.run(_make_legacy_then_erase(url, first, erase=True))
    code, report = run(capsys, "verify-audit", "--expect-checkpoint", kept)
    assert (code, report["expected_checkpoint"]) == (0, "ok")
    rows = _rows(audit_database, patient_hex)
    assert "patient 0" not in json.dumps(rows)
    assert [row["action"] for row in rows][-1] == "account_erased"

    # an erased old record has no hash to recompute, but its seal covers what is left
    _sql(audit_database, "UPDATE audit_records SET action = 'link_revoked' WHERE id = ?",
         rows[1]["id"])  # fmt: skip
    code, report = run(capsys, "verify-audit")
    assert (code, report["broken"]["seq"], report["broken"]["problem"]) == (
        1,
        2,
        "erasure_mac_mismatch",
    )
