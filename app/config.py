"""Settings: one pydantic-settings class, read from the environment (prefix REGIMEN_)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from typing import Literal

from limits import parse_many
from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105 - a known placeholder, refused below
# Signs the audit trail only where no key is configured outside production: it keeps the
# server and the CLI in agreement on a development machine, and it anchors nothing.
DEVELOPMENT_AUDIT_KEY = "regimen-development-audit-key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGIMEN_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default="sqlite+aiosqlite:///./regimen.db",
        validation_alias=AliasChoices("REGIMEN_DATABASE_URL", "DATABASE_URL"),
    )
    secret_key: str = PLACEHOLDER_SECRET
    # HMAC key of the audit trail (each record's hash, and verify-audit's checkpoints); falls
    # back to REGIMEN_SECRET_KEY. Keep it out of the database's reach: whoever holds it can
    # re-sign an edited trail.
    audit_key: str | None = Field(default=None, min_length=32)
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    service_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # a refresh token's lifetime from its issue; each refresh hands out a new one, so a sign-in
    # used at least this often stays signed in, and one left idle this long ends
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # how long a SQLite writer waits for another process's writer before giving up (503)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    # a database that is down or does not answer is a 503 within these, not a hung request
    database_connect_timeout_s: float = Field(default=5.0, gt=0)
    database_statement_timeout_s: float = Field(default=30.0, gt=0)
    # waiting for a pooled connection (or, on SQLite, for this process's write turn)
    database_pool_timeout_s: float = Field(default=10.0, gt=0)
    # PostgreSQL connections per process, all kept open (workers x this <= max_connections)
    database_pool_size: int = Field(default=20, ge=1)
    # /readyz answers "not ready" within this, whatever the database does
    readiness_timeout_s: float = Field(default=1.5, gt=0)
    log_level: str = "INFO"
    # worker processes the container serves with (docker/entrypoint.sh); unset: the CPU count
    workers: int | None = Field(default=None, ge=1, le=64)
    # Argon2 runs in worker threads; this many at once, so a login flood cannot take every core.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Attempts on POST /v1/auth/token (per account and per client address) and on register (per
    # address), in the `limits` notation ("10/minute"). memory:// keeps counts per process;
    # redis://host:port shares them between workers.
    login_rate_limit_account: str = "10/minute"
    login_rate_limit_address: str = "30/minute"
    register_rate_limit_address: str = "10/minute"
    rate_limit_storage: str = "memory://"
    # requests with a larger body get 413 before it is read (the largest real body is a
    # product with 200 INCI names, well under 100 KiB)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    @field_validator(
        "login_rate_limit_account", "login_rate_limit_address", "register_rate_limit_address"
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '10/minute': {value!r}") from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("REGIMEN_RATE_LIMIT_STORAGE must be memory:// or redis://host:port")
        return value

    # True when no secret was configured and this process made its own (see below)
    _ephemeral_secret: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "REGIMEN_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development"
            )
        if self.secret_key == PLACEHOLDER_SECRET:
            # The placeholder is public: a token signed with it must never verify. Without a
            # configured key, this process signs with a random one (its tokens end with it,
            # and other workers or processes do not accept them); create_app warns loudly.
            self.secret_key = secrets.token_urlsafe(48)
            self._ephemeral_secret = True
        return self

    @property
    def ephemeral_secret(self) -> bool:
        return self._ephemeral_secret

    @property
    def audit_signing_key(self) -> bytes:
        if self.audit_key is not None:
            return self.audit_key.encode()
        if not self._ephemeral_secret:
            return self.secret_key.encode()
        # a per-process key would make every other process's records look forged
        return DEVELOPMENT_AUDIT_KEY.encode()

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
