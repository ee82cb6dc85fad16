"""The hot reads as production serves them (the app's own engine and pool, no test transaction
around them): a cached routine, profile or shelf costs exactly one SQL statement, BEGIN and COMMIT
included, and
what another process writes (a plan change, a removed account) is obeyed on the next request."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import delete, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.db import create_engine, create_read_sessionmaker
from app.main import create_app
from app.models.accounts import User
from app.models.shelf import ShelfItem
from app.security import read_token
from app.services import routine_changes
from app.services.callers import Caller, Callers, PooledCallers, PostgresCallers, SqliteCallers
from tests.conftest import POSTGRES_URL, TEST_SECRET, migrate_and_seed, require_postgres
from tests.factories import add_to_shelf, catalog_product, create_person, put_profile

DATABASE = f"regimen_hot_reads_{os.getpid()}"
URL = "/v1/me/routine?date=2026-12-01"


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate_and_seed(engine)
    await engine.dispose()


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgresql"], loop_scope="session")
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("hot") / "regimen.db"
        url = f"sqlite+aiosqlite:///{path}"
        await _migrate(url)
        yield url
        return
    require_postgres()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}"'))
        await conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = make_url(POSTGRES_URL).set(database=DATABASE).render_as_string(hide_password=False)
    await _migrate(url)
    yield url
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    await admin.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def served(
    database_url: str,
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncEngine, Callers]]:
    """The app with its lifespan: its own engine, as production builds it."""
    app = create_app(
        Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
            yield client, app.state.engine, app.state.callers


class Statements(list[str]):
    """Every statement a request ran; `own` holds those the caller lookup sent past
    SQLAlchemy (app/services/callers.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.own: list[str] = []


@contextmanager
def counted(engine: AsyncEngine, callers: Callers):
    """The statements the app runs: through SQLAlchemy, and past it (app/services/callers.py)."""
    statements = Statements()

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def record_own(statement: str) -> None:
        statements.append(statement)
        statements.own.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    callers.trace(record_own)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        callers.trace(None)


async def _person_with_cleanser(client: httpx.AsyncClient, engine: AsyncEngine):
    person = await create_person(client)
    await put_profile(client, person)
    async with AsyncSession(engine) as session:
        cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, person, cleanser.id, patch_test="passed")
    return person


async def test_a_cache_hit_and_its_304_are_one_statement_each(served):
    client, engine, callers = served
    person = await _person_with_cleanser(client, engine)
    first = await client.get(URL, headers=person.headers)
    assert first.status_code == 200
    with counted(engine, callers) as statements:
        hit = await client.get(URL, headers=person.headers)
    assert hit.status_code == 200
    assert hit.content == first.content
    assert len(statements) == 1, statements
    assert "FROM users JOIN token_families" in statements[0]
    # past SQLAlchemy: on SQLite's own connection on the loop's thread, or straight on asyncpg
    assert isinstance(callers, SqliteCallers | PostgresCallers)
    assert statements == statements.own, (statements, statements.own)
    with counted(engine, callers) as statements:
        not_modified = await client.get(
            URL, headers={**person.headers, "If-None-Match": first.headers["etag"]}
        )
    assert not_modified.status_code == 304
    assert len(statements) == 1, statements
    for path in ("/v1/me/profile", "/v1/me/shelf"):
        first = await client.get(path, headers=person.headers)
        with counted(engine, callers) as statements:
            again = await client.get(path, headers=person.headers)
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert len(statements) == 1, (path, statements)  # unchanged: the caller's row alone


async def test_another_process_plan_change_and_account_removal_apply_at_once(served, database_url):
    client, engine, callers = served
    person = await _person_with_cleanser(client, engine)
    before = await client.get(URL, headers=person.headers)
    assert not any(step["kind"] == "spf" for step in before.json()["am"]["steps"])
    assert len((await client.get("/v1/me/shelf", headers=person.headers)).json()["items"]) == 1
    other = create_engine(database_url)
    try:
        async with AsyncSession(other, expire_on_commit=False) as session:
            sunscreen = await catalog_product(session, "Mineral Sunscreen SPF 50")
            session.add(
                ShelfItem(user_id=person.id, product_id=sunscreen.id, added_on=date(2026, 11, 1),
                          patch_test="passed")
            )  # fmt: skip
            await session.flush()
            await routine_changes.inputs_changed(session, user_id=person.id)
            await session.commit()
        after = await client.get(
            URL, headers={**person.headers, "If-None-Match": before.headers["etag"]}
        )
        assert after.status_code == 200
        assert any(step["kind"] == "spf" for step in after.json()["am"]["steps"])
        shelf = await client.get("/v1/me/shelf", headers=person.headers)
        assert len(shelf.json()["items"]) == 2
        async with AsyncSession(other) as session:
            await session.execute(delete(User).where(User.id == person.id))  # type: ignore[arg-type]
            await session.commit()
    finally:
        await other.dispose()
    for path in (URL, "/v1/me/profile", "/v1/me/shelf"):
        refused = await client.get(
            path, headers={**person.headers, "If-None-Match": after.headers["etag"]}
        )
        assert refused.status_code == 401, path


async def test_a_revoked_sign_in_is_refused_on_the_next_cached_read_in_one_statement(served):
    client, engine, callers = served
    person = await _person_with_cleanser(client, engine)
    first = await client.get(URL, headers=person.headers)
    assert first.status_code == 200
    revoked = await client.post("/v1/auth/revoke", data={"token": person.token})
    assert revoked.status_code == 200
    for path in (URL, "/v1/me/profile", "/v1/me/shelf"):
        with counted(engine, callers) as statements:
            refused = await client.get(
                path, headers={**person.headers, "If-None-Match": first.headers["etag"]}
            )
        assert refused.status_code == 401, path
        assert refused.json()["code"] == "invalid_token"
        assert len(statements) == 1, (path, statements)  # the sign-in is checked in the same one


class _Fallback:
    def __init__(self) -> None:
        self.asked: list[tuple[uuid.UUID, uuid.UUID]] = []

    async def find(self, user_id: uuid.UUID, family_id: uuid.UUID) -> Caller | None:
        self.asked.append((user_id, family_id))
        return Caller(user_id, "user", 7)

    def trace(self, callback: object) -> None:
        pass

    def close(self) -> None:
        pass


async def test_sqlite_lookup_falls_back_to_the_pool_when_its_own_connection_fails(tmp_path):
    """A file it cannot read (here: none at all, which it must not create) sends the lookup down
    the pooled road; so would SQLite answering busy."""
    fallback = _Fallback()
    missing = tmp_path / "absent.db"
    lookup = SqliteCallers(missing, fallback=fallback)
    ids = (uuid.uuid4(), uuid.uuid4())
    assert await lookup.find(*ids) == Caller(ids[0], "user", 7)
    assert fallback.asked == [ids]
    assert not missing.exists()
    lookup.close()


async def test_sqlite_lookup_reads_what_the_pooled_lookup_reads(served):
    client, engine, callers = served
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own lookup")
    assert isinstance(callers, SqliteCallers)
    person = await _person_with_cleanser(client, engine)
    pooled = PooledCallers(create_read_sessionmaker(engine))
    claims = read_token(Settings(secret_key=TEST_SECRET), person.token)
    assert claims is not None
    assert claims.family_id is not None
    family_id = claims.family_id
    ours = await callers.find(person.id, family_id)
    assert ours is not None
    assert ours == await pooled.find(person.id, family_id)
    assert ours.role == "user"
    assert ours.plan_revision >= 1
    assert await callers.find(person.id, uuid.uuid4()) is None  # another sign-in
    assert await callers.find(uuid.uuid4(), family_id) is None  # another person
