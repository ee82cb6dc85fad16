import pytest
from pydantic import ValidationError
from sqlalchemy.pool import QueuePool, StaticPool

from app.config import PLACEHOLDER_SECRET, Settings
from app.db import create_engine


def test_production_refuses_the_placeholder_or_a_short_secret():
    with pytest.raises(ValidationError, match="REGIMEN_SECRET_KEY"):
        Settings(environment="production", secret_key=PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="short")
    ok = Settings(environment="production", secret_key="x" * 40)
    assert ok.secret_key == "x" * 40


def test_database_url_reads_the_plain_env_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./elsewhere.db")
    assert Settings().database_url.endswith("elsewhere.db")


def test_workers_default_to_the_cpus_on_postgresql_and_stay_one_on_sqlite(monkeypatch):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    postgres = "postgresql+asyncpg://regimen@db/regimen"
    assert Settings(database_url=postgres).web_workers == 3
    assert Settings(database_url=postgres, workers=5).web_workers == 5
    assert Settings(database_url="sqlite+aiosqlite:///./x.db", workers=5).web_workers == 1
    with pytest.raises(ValidationError):
        Settings(database_url=postgres, workers=0)


def test_without_a_secret_each_process_signs_with_its_own_random_key():
    first = Settings(environment="development", secret_key=PLACEHOLDER_SECRET)
    second = Settings(environment="development", secret_key=PLACEHOLDER_SECRET)
    assert first.secret_key != PLACEHOLDER_SECRET
    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key
    assert first.ephemeral_secret
    assert not Settings(environment="development", secret_key="y" * 40).ephemeral_secret


def test_an_app_without_a_secret_warns_loudly(caplog):
    from app.main import create_app

    with caplog.at_level("WARNING", logger="regimen"):
        create_app(Settings(environment="development", secret_key=PLACEHOLDER_SECRET))
    assert "REGIMEN_SECRET_KEY is not set" in caplog.text


async def test_a_sqlite_file_gets_a_fixed_pool_of_the_configured_size(tmp_path):
    """Past its pool the default opened and closed a connection per request (with aiosqlite:
    a thread, a file and four PRAGMAs each time); a file database keeps pool_size open, like
    PostgreSQL. An in-memory database keeps SQLAlchemy's own single-connection pool."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}", pool_size=7)
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (7, 0)
    await engine.dispose()
    memory = create_engine("sqlite+aiosqlite://", pool_size=7)
    assert isinstance(memory.sync_engine.pool, StaticPool)
    await memory.dispose()
