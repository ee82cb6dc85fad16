"""Where a hot read's time goes: py-spy on one uvicorn worker while wrk loads one endpoint.

    .venv/bin/python bench/profile_hot.py [routine|routine_304|profile|shelf|healthz]
        [--postgres] [--seconds 8] [--top 40]

Needs py-spy (`pip install py-spy`; it reads another process's stacks, so root or
ptrace permission) and wrk. Serves the app as bench/hot_path.py does (same database set-up, same
uvicorn flags), records the event loop's thread for the given seconds under wrk -c32, and
prints each frame's share of the samples: inclusive (the frame is on the stack) and self (the
frame is running). "idle" is the loop waiting in epoll for sockets or worker threads.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hot_path import _database  # noqa: E402
from bench.routine_http import PYTHON, _free_port, _postgres_database, _prepare_user  # noqa: E402

_IDLE = ("select (", "poll (", "run_forever (", "Runner.run (")


def _frames(stack: str) -> list[str]:
    return [frame.rsplit(" (", 1)[0] + " (" + frame.rsplit(" (", 1)[1].split(":")[0] + ")"
            if " (" in frame else frame for frame in stack.split(";")]  # fmt: skip


def _summary(raw: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack.startswith("thread") or "MainThread" not in stack.split(";")[0]:
            continue
        count = int(count_text)
        frames = _frames(stack)[1:]
        if frames and frames[-1].startswith(_IDLE):
            frames.append("idle")
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1] if frames else "idle"] += count
    lines = [f"{total} main-thread samples", f"{'incl %':>7} {'self %':>7}  frame"]
    for frame, count in inclusive.most_common(top):
        lines.append(f"{100 * count / total:7.1f} {100 * own[frame] / total:7.1f}  {frame}")
    lines.append("top self:")
    for frame, count in own.most_common(top // 2):
        lines.append(f"{100 * count / total:7.1f}  {frame}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("endpoint", nargs="?", default="routine")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    if not Path(py_spy).exists() or shutil.which("wrk") is None:
        raise SystemExit("this needs py-spy (pip install py-spy) and wrk (apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="regimen-profile-"))
    database_url, pg_name = _database(args.postgres, workdir)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REGIMEN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "REGIMEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    try:
        subprocess.run([PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
        token, routine_path = asyncio.run(_prepare_user(env))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "app.main:app_factory",
                "--factory",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {token}"}
            path = {"routine": routine_path, "routine_304": routine_path,
                    "profile": "/v1/me/profile", "shelf": "/v1/me/shelf",
                    "healthz": "/healthz"}[args.endpoint]  # fmt: skip
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as r:
                if args.endpoint == "routine_304":
                    headers["If-None-Match"] = r.headers["ETag"]
            wrk = ["wrk", "-t1", "-c32", f"-d{args.seconds + 2}s"]
            for name, value in headers.items():
                wrk += ["-H", f"{name}: {value}"]
            load = threading.Thread(
                target=subprocess.run,
                args=([*wrk, base + path],),
                kwargs={"capture_output": True},
            )
            load.start()
            time.sleep(1)
            raw = workdir / "profile.txt"
            subprocess.run(
                [
                    py_spy,
                    "record",
                    "-p",
                    str(server.pid),
                    "-d",
                    str(args.seconds),
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "-o",
                    str(raw),
                    "--threads",
                    "--idle",
                    "--nonblocking",
                ],  # fmt: skip
                check=True,
                capture_output=True,
            )
            load.join()
            print(_summary(raw, args.top))
        finally:
            server.terminate()
            server.wait(15)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            _postgres_database(pg_name, create=False)


if __name__ == "__main__":
    main()
