"""Memory (RSS) of one uvicorn worker while eight clients each send a 10 MB body at once to the
unauthenticated POST /v1/auth/register, with the length declared and chunked (a fresh server
for each). Reads VmRSS and VmHWM (the peak) from /proc, so Linux only.

    .venv/bin/python bench/big_bodies.py [--clients 8] [--megabytes 10]
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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routine_http import PYTHON, _free_port, _wait_ready  # noqa: E402


def _memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


async def _send(base: str, size: int, *, chunked: bool) -> int:
    async def chunks() -> AsyncIterator[bytes]:
        piece = b"x" * (64 * 1024)
        for _ in range(size // len(piece)):
            yield piece

    content: Any = chunks() if chunked else b"x" * size
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        try:
            response = await client.post(
                "/v1/auth/register", content=content, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError:
            return 0  # the server closed the connection mid-upload
        return response.status_code


def _round(env: dict[str, str], *, clients: int, size: int, chunked: bool) -> dict[str, Any]:
    port = _free_port()
    command = [PYTHON, "-m", "uvicorn", "app.main:app_factory", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools",
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(f"{base}/healthz")
        # warm up (lazy imports, first validation) so that idle is the steady state
        for _ in range(3):
            httpx.post(f"{base}/v1/auth/register", json={"email": "x", "password": "y"})
        # reset the peak (VmHWM) to the current RSS, so the peak below is this round's
        Path(f"/proc/{proc.pid}/clear_refs").write_text("5")
        idle = _memory_mb(proc.pid)

        async def blast() -> list[int]:
            return await asyncio.gather(
                *(_send(base, size, chunked=chunked) for _ in range(clients))
            )

        started = time.monotonic()
        statuses = asyncio.run(blast())
        elapsed = time.monotonic() - started
        time.sleep(0.5)
        after = _memory_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    return {
        "mode": "chunked" if chunked else "content-length",
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "rss_idle_mb": round(idle["VmRSS"], 1),
        "rss_peak_mb": round(after["VmHWM"], 1),
        "peak_over_idle_mb": round(after["VmHWM"] - idle["VmHWM"], 1),
        "rss_after_mb": round(after["VmRSS"], 1),
        "seconds": round(elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="regimen-bodies-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "REGIMEN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "REGIMEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    size = args.megabytes * 1024 * 1024
    try:
        rounds = [
            _round(env, clients=args.clients, size=size, chunked=chunked)
            for chunked in (False, True)
        ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        json.dumps(
            {"clients": args.clients, "megabytes": args.megabytes, "rounds": rounds}, indent=2
        )
    )


if __name__ == "__main__":
    main()
