"""Database engine and sessions: built in the app's lifespan, one transaction per request.

Writers take their turn before they read. A request that may write (any method but GET, HEAD
and OPTIONS) opens its transaction as a writer: on SQLite it waits for this process's write
turn and then takes the database's write lock at BEGIN (BEGIN IMMEDIATE), so the reads that
decide its write (an If-Match, a count) see the state it will change, and it never has to
upgrade a read lock, which SQLite refuses at once rather than wait for. Reads are not queued:
WAL lets them run beside the one writer. PostgreSQL writers lock the rows they decide on
(SELECT ... FOR UPDATE, or the patient's chain lock) in the services.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from app.errors import DatabaseUnavailable, ProblemCode, raises

if TYPE_CHECKING:
    from app.config import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# connection execution option: begin this connection's transaction holding the write lock
_WRITER = "regimen_writer"
# connection execution option: a read-only request's statements need no BEGIN of their own
_READER = "regimen_reader"


def create_engine(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    connect_timeout_s: float = 5.0,
    statement_timeout_s: float = 30.0,
    pool_timeout_s: float = 10.0,
    pool_size: int = 20,
    **kwargs: Any,
) -> AsyncEngine:
    if url.startswith("sqlite"):
        if make_url(url).database not in (None, "", ":memory:"):
            # A fixed pool here too. The default (5, plus 10 overflow) opened and closed a
            # connection per request past five at once: with aiosqlite that is a new thread,
            # a file open and four PRAGMAs every time (py-spy: the event loop idle a third of
            # a burst of cached reads, waiting on Thread.start).
            kwargs = {
                "pool_size": pool_size,
                "max_overflow": 0,
                "pool_timeout": pool_timeout_s,
                **kwargs,
            }
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    # asyncpg waits 60 s for a connection by default and forever for a statement: a database
    # that accepts connections but never answers would hold every request that long
    connect_args = {
        "timeout": connect_timeout_s,
        "command_timeout": statement_timeout_s,
        **kwargs.pop("connect_args", {}),
    }
    # No pool_pre_ping: on asyncpg it is BEGIN, a ping and ROLLBACK, three round trips before
    # every request. A connection that died with the server fails its first statement
    # instead; SQLAlchemy then recognises the disconnect and empties the pool, and that one
    # request is a 503 with Retry-After (app/problems.py), like any database outage.
    # A fixed pool, no overflow: overflow connections are opened for a burst and closed again
    # as they come back, so a sustained burst (07:00 reminders) paid a TCP (and SSL) connect
    # per request. Past pool_size, a request waits its turn (pool_timeout_s, then a 503).
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout_s,
        connect_args=connect_args,
        **kwargs,
    )


def engine_from_settings(settings: Settings) -> AsyncEngine:
    return create_engine(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        connect_timeout_s=settings.database_connect_timeout_s,
        statement_timeout_s=settings.database_statement_timeout_s,
        pool_timeout_s=settings.database_pool_timeout_s,
        pool_size=settings.database_pool_size,
    )


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys and a busy timeout on every connection; real BEGIN for savepoints.

    The sqlite3 driver opens transactions lazily and breaks SAVEPOINT; SQLAlchemy's documented
    recipe takes transaction control back so that nested transactions (and the per-test
    rollback) behave as on PostgreSQL. A writer's BEGIN is IMMEDIATE: it waits (up to the busy
    timeout) for other processes' writers at the start, instead of failing at its first write.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(_READER, False):
            return  # each statement is its own read (sqlite3 autocommit)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITER, False) else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# One write turn per SQLite database per process. Waiting here costs a coroutine, not a pooled
# connection and a thread polling SQLite's lock, and the turns are taken in arrival order.
_write_turns: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def write_turn(engine: AsyncEngine, *, wait_s: float) -> AsyncIterator[None]:
    """Hold this process's write turn on a SQLite database (a no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        yield
        return
    turn = _write_turns.setdefault(engine.sync_engine, asyncio.Lock())
    try:
        async with asyncio.timeout(wait_s):
            await turn.acquire()
    except TimeoutError:
        raise DatabaseUnavailable("The database is busy; retry shortly") from None
    try:
        yield
    finally:
        turn.release()


async def begin_write(session: AsyncSession) -> None:
    """Open the session's transaction as a writer (on SQLite: BEGIN IMMEDIATE, now)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.connection(execution_options={_WRITER: True})


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the hot reads (a routine, a profile, a shelf): their statements run without
    a transaction of their own, so no BEGIN and no COMMIT round trip. On SQLite each statement
    reads the latest committed state (WAL), as every statement on PostgreSQL's READ COMMITTED
    does anyway. Such a session checks out a connection only at its first statement: a cache
    hit that needs none never takes one. For reads only: nothing is ever flushed."""
    if engine.dialect.name == "sqlite":
        # sqlite3 runs in autocommit (isolation_level None); only our BEGIN would open one
        options: dict[str, Any] = {_READER: True}
    else:
        options = {"isolation_level": "AUTOCOMMIT"}
    return async_sessionmaker(
        engine.execution_options(**options), expire_on_commit=False, autoflush=False
    )


@raises((503, ProblemCode.database_unavailable))
async def get_read_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The hot reads open their session themselves, and only where a cache missed."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    return sessionmaker


# a write that lost a race to a unique constraint is refused whole (app/problems.py)
@raises((503, ProblemCode.database_unavailable), writes=((409, ProblemCode.concurrent_update),))
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the handler succeeds, else rolled back."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    writes = request.method not in SAFE_METHODS
    async with AsyncExitStack() as stack:
        if writes:
            settings: Settings = request.app.state.settings
            wait_s = settings.database_pool_timeout_s
            await stack.enter_async_context(write_turn(request.app.state.engine, wait_s=wait_s))
        session = await stack.enter_async_context(sessionmaker())
        try:
            if writes:
                await begin_write(session)
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
