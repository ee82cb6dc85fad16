"""`python -m app.cli verify-audit`, run as an operator would, against its own SQLite file:
OK (exit 0) on an intact trail, the first broken link (exit 1) after tampering by plain SQL."""

import asyncio
import json
import sqlite3

import pytest
from alembic import command

from app import cli
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.models.accounts import Role
from app.models.audit import AuditAction
from app.services import accounts, audit
from tests.conftest import alembic_config


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
    assert (code, report) == (0, {"ok": True, "records": 6, "patients": 2})

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
