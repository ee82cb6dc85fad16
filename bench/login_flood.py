"""A reader's throughput (GET /v1/me/profile) with and without a wrong-password login flood.

One uvicorn worker on 127.0.0.1 with a fresh SQLite database and production-cost Argon2. The
reader runs a few concurrent loops for a fixed time; the flood fires wrong-password logins for
another account at a fixed rate (open loop, with a cap on requests in flight), from the same
address. Every loop is bounded by a deadline. With --no-limits the login rate limits are raised
out of reach, so only the hashing pool stands between the flood and the event loop.

    .venv/bin/python bench/login_flood.py [--seconds 8] [--rate 6] [--no-limits]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routine_http import PYTHON, _free_port, _serve  # noqa: E402

PASSWORD = "reader-password-1"


async def _reader(client: httpx.AsyncClient, token: str, deadline: float) -> tuple[int, int]:
    ok = failed = 0
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        response = await client.get("/v1/me/profile", headers=headers)
        if response.status_code == 200:
            ok += 1
        else:
            failed += 1
    return ok, failed


async def _flood(
    client: httpx.AsyncClient, email: str, rate: float, deadline: float, in_flight: int
) -> dict[int, int]:
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(in_flight)

    async def attempt() -> None:
        try:
            response = await client.post(
                "/v1/auth/token",
                data={"grant_type": "password", "username": email, "password": "wrong-password"},
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        except httpx.HTTPError:
            statuses[0] = statuses.get(0, 0) + 1
        finally:
            gate.release()

    tasks = []
    start = time.monotonic()
    sent = 0
    while time.monotonic() < deadline:
        due = start + sent / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        if not gate.locked():
            await gate.acquire()
            tasks.append(asyncio.create_task(attempt()))
        sent += 1
    await asyncio.gather(*tasks)
    return statuses


async def _measure(base: str, *, seconds: float, rate: float, readers: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        reader_email, victim_email = "reader@example.com", "victim@example.com"
        for email in (reader_email, victim_email):
            response = await client.post(
                "/v1/auth/register", json={"email": email, "password": PASSWORD}
            )
            response.raise_for_status()
        response = await client.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": reader_email, "password": PASSWORD},
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        put = await client.put(
            "/v1/me/profile", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        put.raise_for_status()

        async def round_(flood: bool) -> tuple[float, dict[int, int]]:
            deadline = time.monotonic() + seconds
            flood_task = (
                asyncio.create_task(_flood(client, victim_email, rate, deadline, 64))
                if flood
                else None
            )
            results = await asyncio.gather(
                *(_reader(client, token, deadline) for _ in range(readers))
            )
            statuses = await flood_task if flood_task else {}
            return sum(ok for ok, _ in results) / seconds, statuses

        quiet, _ = await round_(flood=False)
        flooded, statuses = await round_(flood=True)
    return {
        "reader_rps_quiet": round(quiet, 1),
        "reader_rps_under_flood": round(flooded, 1),
        "ratio": round(flooded / quiet, 3) if quiet else None,
        "flood_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "flood_rate_per_s": rate,
        "readers": readers,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rate", type=float, default=6)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--no-limits", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="regimen-flood-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "REGIMEN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "REGIMEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if args.no_limits:
        env["REGIMEN_LOGIN_RATE_LIMIT_ACCOUNT"] = "100000/second"
        env["REGIMEN_LOGIN_RATE_LIMIT_ADDRESS"] = "100000/second"
    subprocess.run(
        [PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    port = _free_port()
    try:
        with _serve(["app.main:app_factory", "--factory"], port, env, "/healthz"):
            figures = asyncio.run(
                _measure(
                    f"http://127.0.0.1:{port}",
                    seconds=args.seconds,
                    rate=args.rate,
                    readers=args.readers,
                )
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures["limits"] = "raised out of reach" if args.no_limits else "defaults"
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
