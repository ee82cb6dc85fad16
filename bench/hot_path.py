"""The per-request machinery, side by side with a bare Starlette JSON endpoint.

    .venv/bin/python bench/hot_path.py [--seconds 5] [--rounds 3] [--sqlite-only]

Serves the app and bench/bare_app.py with the same uvicorn flags (httptools, uvloop) and loads
them with wrk, one endpoint after another, rounds alternating, so that a machine shared with
others slows every column alike; the ratios to bare Starlette are what to compare. Endpoints:
bare Starlette, a bare FastAPI app with one route (FastAPI's own routing, for reference), /healthz
(the middleware floor), GET /v1/me/routine on a cache hit and its 304,
GET /v1/me/profile and GET /v1/me/shelf (15 products). On SQLite and PostgreSQL, one worker,
32 connections (medians of the rounds), then p99 latency at 64 connections (one pass), then on
PostgreSQL the routine hit with 1 and 2 workers. Prints a table and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routine_http import (  # noqa: E402
    POSTGRES_ADMIN,
    PYTHON,
    _free_port,
    _postgres_database,
    _prepare_user,
    _wait_ready,
)


@contextmanager
def _serve(target: list[str], port: int, env: dict[str, str], ready: str, workers: int = 1) -> Any:
    command = [PYTHON, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}{ready}")
        yield
    finally:
        proc.terminate()
        proc.wait(15)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(
    url: str, headers: dict[str, str], *, seconds: int, connections: int
) -> tuple[float, float]:
    """Requests/s and p99 latency (ms)."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} failed responses\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if rps is None or p99 is None:
        raise RuntimeError(f"{url}: unexpected wrk output\n{out}")
    return float(rps.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)]


def _database(postgres: bool, workdir: Path) -> tuple[str, str]:
    if postgres:
        name = f"regimen_hot_{os.getpid()}"
        _postgres_database(name, create=True)
        admin = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{admin}/{name}", name
    return f"sqlite+aiosqlite:///{workdir / 'bench.db'}", ""


def figures(*, postgres: bool, seconds: int, rounds: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="regimen-hot-"))
    database_url, pg_name = _database(postgres, workdir)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REGIMEN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "REGIMEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    token, routine_path = asyncio.run(_prepare_user(env))
    auth = {"Authorization": f"Bearer {token}"}
    app_port, bare_port, fastapi_port = _free_port(), _free_port(), _free_port()
    app_base, bare_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
    result: dict[str, Any] = {"database": "postgresql" if postgres else "sqlite"}
    try:
        with (
            _serve(["app.main:app_factory", "--factory"], app_port, env, "/healthz"),
            _serve(["bench.bare_app:app"], bare_port, env, "/bare"),
            _serve(["bench.bare_app:fastapi_app"], fastapi_port, env, "/bare"),
        ):
            request = urllib.request.Request(app_base + routine_path, headers=auth)
            with urllib.request.urlopen(request) as response:
                etag = response.headers["ETag"]
            cases = {
                "bare": (bare_base + "/bare", {}),
                "fastapi_bare": (f"http://127.0.0.1:{fastapi_port}/bare", {}),
                "healthz": (app_base + "/healthz", {}),
                "routine": (app_base + routine_path, auth),
                "routine_304": (app_base + routine_path, {**auth, "If-None-Match": etag}),
                "profile": (app_base + "/v1/me/profile", auth),
                "shelf": (app_base + "/v1/me/shelf", auth),
            }
            rps: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(rounds):
                for name, (url, headers) in cases.items():
                    rps[name].append(_wrk(url, headers, seconds=seconds, connections=32)[0])
            p99 = {
                name: _wrk(url, headers, seconds=seconds, connections=64)[1]
                for name, (url, headers) in cases.items()
            }
        result["rps"] = {name: round(statistics.median(values)) for name, values in rps.items()}
        result["p99_ms_64"] = {name: round(value, 1) for name, value in p99.items()}
        if postgres:
            scaling = {}
            for workers in (1, 2):
                port = _free_port()
                with _serve(["app.main:app_factory", "--factory"], port, env, "/healthz",
                            workers=workers):  # fmt: skip
                    url = f"http://127.0.0.1:{port}{routine_path}"
                    scaling[workers] = round(
                        statistics.median(
                            _wrk(url, auth, seconds=seconds, connections=32)[0]
                            for _ in range(max(1, rounds - 1))
                        )
                    )
            result["routine_rps_by_workers"] = scaling
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if postgres:
            _postgres_database(pg_name, create=False)
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'endpoint':<12}"
        + "".join(f"{r['database'] + ' rps':>16}{'x bare':>8}{'p99@64':>9}" for r in results)
    ]
    for name in results[0]["rps"]:
        row = f"{name:<12}"
        for r in results:
            value = r["rps"][name]
            ratio = value / r["rps"]["bare"]
            row += f"{value:>16}{ratio:>8.3f}{r['p99_ms_64'][name]:>7.1f}ms"
        lines.append(row)
    for r in results:
        if "routine_rps_by_workers" in r:
            by = r["routine_rps_by_workers"]
            lines.append(
                f"{r['database']} routine hit by workers: "
                + ", ".join(f"{w}: {v} req/s" for w, v in by.items())
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    load_before = os.getloadavg()
    results = [figures(postgres=False, seconds=args.seconds, rounds=args.rounds)]
    if not args.sqlite_only:
        results.append(figures(postgres=True, seconds=args.seconds, rounds=args.rounds))
    print(table(results))
    load_after = os.getloadavg()
    print(
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}; "
        f"wrk -t1 -c32 -d{args.seconds}s x{args.rounds} alternating (median), p99 at -c64"
    )


if __name__ == "__main__":
    main()
