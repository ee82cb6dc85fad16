"""Settings: one pydantic-settings class, read from the environment (prefix REGIMEN_)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105 - a known placeholder, refused below


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGIMEN_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default="sqlite+aiosqlite:///./regimen.db",
        validation_alias=AliasChoices("REGIMEN_DATABASE_URL", "DATABASE_URL"),
    )
    secret_key: str = PLACEHOLDER_SECRET
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    service_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # how long a SQLite writer waits for another process's writer before giving up (503)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    # a database that is down or does not answer is a 503 within these, not a hung request
    database_connect_timeout_s: float = Field(default=5.0, gt=0)
    database_statement_timeout_s: float = Field(default=30.0, gt=0)
    # waiting for a pooled connection (or, on SQLite, for this process's write turn)
    database_pool_timeout_s: float = Field(default=10.0, gt=0)
    # /readyz answers "not ready" within this, whatever the database does
    readiness_timeout_s: float = Field(default=1.5, gt=0)
    log_level: str = "INFO"
    # worker processes the container serves with (docker/entrypoint.sh); unset: the CPU count
    workers: int | None = Field(default=None, ge=1, le=64)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "REGIMEN_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def web_workers(self) -> int:
        """Worker processes to serve with: the setting, else one per CPU; always one on SQLite.

        Several workers are sound on PostgreSQL: the routine cache is keyed by the plan
        revision read from the database on every request, and reminder leases are row locks.
        SQLite writers take their turn through a lock inside one process (app/db.py); writers in
        several processes would instead poll SQLite's file lock, in no order, and give up after
        the busy timeout. One async process is what an embedded database serves well.
        """
        if self.is_sqlite:
            return 1
        return self.workers or _cpus()


def _cpus() -> int:
    """CPUs this process may run on (a container's cpuset, where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@lru_cache
def get_settings() -> Settings:
    return Settings()
