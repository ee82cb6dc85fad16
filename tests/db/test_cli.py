"""The admin CLI, run as an operator would, against its own SQLite file."""

import json

import pytest
from alembic import command

from app import cli
from app.config import get_settings
from tests.conftest import alembic_config


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    yield
    get_settings.cache_clear()


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_user_and_refuse_a_duplicate(cli_database, capsys):
    code, out, _ = run(
        capsys,
        "create-user",
        "--email",
        "Derm@Example.com",
        "--password",
        "long-enough-pw",
        "--role",
        "dermatologist",
    )
    assert code == 0
    assert json.loads(out) | {"id": None} == {
        "id": None,
        "email": "derm@example.com",
        "role": "dermatologist",
    }
    code, _, err = run(
        capsys, "create-user", "--email", "derm@example.com", "--password", "long-enough-pw"
    )
    assert code == 1
    assert "already exists" in err


def test_create_service_client_prints_one_json_line(cli_database, capsys):
    code, out, _ = run(
        capsys, "create-service-client", "--name", "push", "--scope", "reminders:read"
    )
    assert code == 0
    assert out.count("\n") == 1
    printed = json.loads(out)
    assert printed["client_id"].startswith("svc_")
    assert len(printed["client_secret"]) >= 32
    code, _, err = run(capsys, "create-service-client", "--name", "x", "--scope", "root")
    assert code == 1
    assert "Unknown scopes" in err


def test_seed_catalog_is_idempotent(cli_database, capsys):
    first = run(capsys, "seed-catalog")
    second = run(capsys, "seed-catalog")
    assert json.loads(first[1])["added"] >= 40
    assert json.loads(second[1]) == {"added": 0}
