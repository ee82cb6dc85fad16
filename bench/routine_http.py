"""Requests/s of GET /v1/me/routine against a bare Starlette JSON endpoint.

Both are served by uvicorn with the same flags (one worker, httptools, uvloop) on this machine,
and loaded by wrk (Debian package `wrk`) with the same threads, connections and duration. The
routine user has a 15-product shelf on a fresh SQLite database (the embedded default).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
SHELF = [
    "Gentle Hydrating Cream Cleanser",
    "Benzoyl Peroxide 4% Acne Wash",
    "Hydrating First Essence",
    "Human MSC Exosome Recovery Serum",
    "Vitamin C 15% L-Ascorbic Acid Serum",
    "Niacinamide 10% + Zinc Serum",
    "Tretinoin 0.025% Cream",
    "BHA 2% Exfoliating Liquid",
    "Lactic Acid 10% Serum",
    "Copper Peptide 1% Serum",
    "Peptide Firming Night Cream",
    "Niacinamide + Panthenol Barrier Moisturiser",
    "Caffeine Peptide Eye Cream",
    "Pure Squalane Facial Oil",
    "Mineral Sunscreen SPF 50",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def _serve(target: list[str], port: int, env: dict[str, str], ready_path: str) -> Any:
    command = [PYTHON, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}{ready_path}")
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def _wrk(url: str, *, headers: dict[str, str], seconds: int, connections: int) -> float:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def _prepare_user(env: dict[str, str]) -> tuple[str, str]:
    """Register, profile and a 15-product shelf, through the service layer."""
    os.environ.update(env)
    from app.config import Settings
    from app.db import create_engine, create_sessionmaker
    from app.models.profiles import ProfileIn
    from app.models.shelf import ShelfItemCreate
    from app.scheduling.inputs import PatchTest
    from app.services import accounts, profiles, shelf, tokens
    from app.services.catalog import seed_catalog
    from tests.factories import catalog_product

    settings = Settings()
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as session:
        await seed_catalog(session)
        user = await accounts.create_user(
            session, email="bench@example.com", password="bench-password-1"
        )
        await profiles.put_profile(
            session,
            user=user,
            data=ProfileIn(timezone="Europe/London", sensitivity="medium"),
            if_match=None,
        )
        for name in SHELF:
            product = await catalog_product(session, name)
            await shelf.add_item(
                session,
                user=user,
                data=ShelfItemCreate(product_id=product.id, patch_test=PatchTest.passed),
            )
        issued = await tokens.sign_in(session, settings, user_id=user.id)
        await session.commit()
    await engine.dispose()
    return issued.access_token, "/v1/me/routine?date=2026-12-01"


POSTGRES_ADMIN = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _postgres_database(name: str, *, create: bool) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())


def http_figures(
    *, seconds: int = 8, connections: int = 16, rounds: int = 3, postgres: bool = False
) -> dict[str, Any]:
    """The routine endpoint on SQLite (the embedded default) or, with postgres=True, on a
    throwaway PostgreSQL database (production's), against the same bare endpoint."""
    if shutil.which("wrk") is None:
        raise SystemExit("the HTTP benchmark needs wrk: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="regimen-bench-"))
    pg_name = f"regimen_bench_{os.getpid()}"
    if postgres:
        _postgres_database(pg_name, create=True)
        admin = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        database_url = f"{admin}/{pg_name}"
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REGIMEN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "REGIMEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    token, path = asyncio.run(_prepare_user(env))
    auth = {"Authorization": f"Bearer {token}"}
    app_port, bare_port = _free_port(), _free_port()
    routine, cached, bare, floor = [], [], [], []
    with (
        _serve(["app.main:app_factory", "--factory"], app_port, env, "/healthz"),
        _serve(["bench.bare_app:app"], bare_port, env, "/bare"),
    ):
        url = f"http://127.0.0.1:{app_port}{path}"
        with urllib.request.urlopen(urllib.request.Request(url, headers=auth)) as response:
            etag = response.headers["ETag"]
        for _ in range(rounds):
            bare.append(_wrk(f"http://127.0.0.1:{bare_port}/bare", headers={}, seconds=seconds,
                             connections=connections))  # fmt: skip
            floor.append(_wrk(f"http://127.0.0.1:{app_port}/healthz", headers={}, seconds=seconds,
                              connections=connections))  # fmt: skip
            routine.append(_wrk(url, headers=auth, seconds=seconds, connections=connections))
            cached.append(_wrk(url, headers={**auth, "If-None-Match": etag}, seconds=seconds,
                               connections=connections))  # fmt: skip
    shutil.rmtree(workdir, ignore_errors=True)
    if postgres:
        _postgres_database(pg_name, create=False)
    bare_rps = statistics.median(bare)
    return {
        "database": "postgresql" if postgres else "sqlite",
        "bare_rps": round(bare_rps),
        # the app's own floor: /healthz, no auth and no database, through the same middleware
        "app_healthz_rps": round(statistics.median(floor)),
        "routine_rps": round(statistics.median(routine)),
        "routine_304_rps": round(statistics.median(cached)),
        "routine_ratio": round(statistics.median(routine) / bare_rps, 3),
        "routine_304_ratio": round(statistics.median(cached) / bare_rps, 3),
        "wrk": f"-t1 -c{connections} -d{seconds}s x{rounds} (median)",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(http_figures(postgres="--postgres" in sys.argv), indent=2))
