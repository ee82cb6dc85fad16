import pytest
from pydantic import ValidationError

from app.config import PLACEHOLDER_SECRET, Settings


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
