"""Who is calling, on the hot reads (a routine, a profile, a shelf): the person's id, role and
plan revision, and that their sign-in stands, in one statement.

On a cache hit this is the request's only statement, so it takes the cheapest road each
database offers:
- a SQLite file: a sqlite3 connection of this process's own, queried on the event loop's
  thread. The statement is an index lookup of some microseconds; sending it to aiosqlite's
  worker thread and back cost far more (py-spy: the loop idle a third of a burst of cached
  reads, waiting on thread hand-offs). WAL readers are not blocked by writers; should SQLite
  still answer busy, or the connection fail, the lookup falls back to the pooled road below
  (which waits without holding up the loop) and reconnects on a later request.
- PostgreSQL: the statement straight on asyncpg, on a connection of the engine's pool (the
  session and SQLAlchemy's execution machinery cost several times asyncpg's own work).
- otherwise (the tests' rolled-back connection): one Core statement on a read session.
Nothing here is cached: every request reads the row afresh, so a revoked sign-in, a removed
account and a plan change are obeyed on the next request, whichever process made them.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import greenlet_spawn

from app.errors import DatabaseUnavailable
from app.models.accounts import User
from app.models.tokens import TokenFamily


@dataclass(frozen=True, slots=True)
class Caller:
    """The few columns of a person that a read needs: who, which role, which plan revision
    (the key of the routine, profile and shelf caches). Read afresh on every request."""

    id: uuid.UUID
    role: str
    plan_revision: int


_users = User.__table__  # type: ignore[attr-defined]
_families = TokenFamily.__table__  # type: ignore[attr-defined]
# No ORM entity, identity map or instance to build. The sign-in is checked in the same
# statement (a revoked one finds no row), not in a second query.
CALLER = (
    select(_users.c.role, _users.c.plan_revision)
    .join(_families, _families.c.user_id == _users.c.id)
    .where(
        _users.c.id == bindparam("user_id", type_=_users.c.id.type),
        _families.c.id == bindparam("family_id", type_=_families.c.id.type),
        _families.c.revoked_at.is_(None),
    )
)


# The scope key under which a request's caller, once found, travels on with its token (from
# the hot reads' short road to the route that builds what the cache missed).
FOUND_CALLER = "regimen.caller"


Trace = Callable[[str], object]


class Callers(Protocol):
    async def find(self, user_id: uuid.UUID, family_id: uuid.UUID) -> Caller | None:
        """The person behind a token, or None if the account is gone or the sign-in revoked."""

    def trace(self, callback: Trace | None) -> None:
        """Call `callback` with each statement sent past SQLAlchemy (whose events see the
        rest), or no more with None: for tests and debugging."""

    def close(self) -> None: ...


class PooledCallers:
    """CALLER on a pooled connection, through a read sessionmaker (app/db.py)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def find(self, user_id: uuid.UUID, family_id: uuid.UUID) -> Caller | None:
        async with self._sessionmaker() as session:
            connection = await session.connection()
            params = {"user_id": user_id, "family_id": family_id}
            row = (await connection.execute(CALLER, params)).first()
        return None if row is None else Caller(user_id, row[0], row[1])

    def trace(self, callback: Trace | None) -> None:
        pass  # SQLAlchemy's events see its statements

    def close(self) -> None:
        pass


_sqlite = sqlite.dialect()
_SQLITE_CALLER = str(CALLER.compile(dialect=_sqlite))
# ids are stored as the Uuid type stores them on SQLite (32 hex digits): ask the type
_sqlite_uuid: Any = _users.c.id.type.bind_processor(_sqlite)


class SqliteCallers:
    """CALLER on a sqlite3 connection of this process's own, on the event loop's thread."""

    def __init__(self, path: Path, fallback: Callers, *, busy_timeout_s: float = 0.0) -> None:
        self._path = path
        self._fallback = fallback
        self._busy_timeout_s = busy_timeout_s
        self._connection: sqlite3.Connection | None = None
        self._trace: Trace | None = None

    def trace(self, callback: Trace | None) -> None:
        self._trace = callback  # sqlite3's own trace callback: what the connection ran
        if self._connection is not None:
            self._connection.set_trace_callback(callback)

    def _connect(self) -> sqlite3.Connection:
        # autocommit (no BEGIN): each SELECT reads the latest committed state; query_only:
        # this connection can never write, whatever it is asked; no busy wait (by default):
        # the loop must not stand still, so a busy database sends the lookup to the pool
        connection = sqlite3.connect(
            self._path.as_uri() + "?mode=rw",  # never create a file that is not there
            uri=True,
            timeout=self._busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,  # the loop's thread only, but the app may move loops
        )
        connection.execute("PRAGMA query_only = ON")
        connection.set_trace_callback(self._trace)
        return connection

    async def find(self, user_id: uuid.UUID, family_id: uuid.UUID) -> Caller | None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            row = self._connection.execute(
                _SQLITE_CALLER, (_sqlite_uuid(user_id), _sqlite_uuid(family_id))
            ).fetchone()
        except sqlite3.Error:
            self.close()
            return await self._fallback.find(user_id, family_id)
        return None if row is None else Caller(user_id, row[0], row[1])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# the database cannot serve now (answered 503, as SQLAlchemy's errors are: app/problems.py)
_UNAVAILABLE = (
    OSError,  # refused, reset, and the statement timeout's TimeoutError
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutdown, cancelled, cannot connect now
)


class PostgresCallers:
    """CALLER straight on asyncpg, on a connection of the engine's own pool: no session,
    no SQLAlchemy execution context, no greenlet but the pool's. asyncpg prepares it once per
    connection and sends one Bind/Execute per request, outside any transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._statement = str(CALLER.compile(dialect=engine.dialect))  # $1, $2 placeholders
        self._trace: Trace | None = None

    def trace(self, callback: Trace | None) -> None:
        self._trace = callback

    async def find(self, user_id: uuid.UUID, family_id: uuid.UUID) -> Caller | None:
        # the pool's own errors (timeout, connect refused) are SQLAlchemy's, answered 503
        raw = await self._engine.raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        if self._trace is not None:
            self._trace(self._statement)
        try:
            row = await driver.fetchrow(self._statement, user_id, family_id)
        except BaseException as exc:
            # a connection that failed, or was left mid-statement (cancelled), is not reused
            await greenlet_spawn(raw.invalidate, exc if isinstance(exc, Exception) else None)
            if isinstance(exc, _UNAVAILABLE):
                raise DatabaseUnavailable(
                    "The database is unavailable or too slow right now; retry shortly"
                ) from exc
            raise
        raw.close()  # back to the pool: no transaction was opened, so nothing to roll back
        return None if row is None else Caller(user_id, row[0], row[1])

    def close(self) -> None:
        pass


def callers_for(engine: AsyncEngine, reads: async_sessionmaker[AsyncSession]) -> Callers:
    """The cheapest lookup for the app's own engine (`reads`: its read sessionmaker)."""
    pooled = PooledCallers(reads)
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return SqliteCallers(Path(url.database).resolve(), fallback=pooled)
    if url.get_dialect().driver == "asyncpg":
        return PostgresCallers(engine)
    return pooled
