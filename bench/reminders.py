"""Latency of the reminder due feed and claim at 10k and 100k users, on PostgreSQL.

Standalone: `.venv/bin/python bench/reminders.py [--users 10000 100000] [--json]`, against
PostgreSQL at 127.0.0.1:5432, database `test` (override with BENCH_POSTGRES_URL). Each size
gets its own schema (bench_reminders_<n>), migrated with the project's Alembic revisions and
dropped afterwards.

Rows are synthetic and bulk-loaded with COPY (the engine is not run 100k times): per user three
local days of AM and PM reminders at realistic local times in one of several zones, so that
many users share the same instants, as real mornings do. Rows due before the measured period
are already sent, as in steady state.

Measured, through the service functions the API calls (app/services/reminders/):
- due: one page (limit 200) of GET /v1/reminders/due for a random 5-minute window (it holds
  about ten times as many rows at 100k users as at 10k, up to the page size);
- due_page: the same for a 24-hour window, so that it returns a full page of 200 at every
  size: the cost of the query at equal output;
- claim: POST /v1/reminders/claim (max 50, 5-minute lease) as a scheduler polling every 20 s,
  acknowledging what it got before the next poll (the ack is not timed).
Targets: p99 under 50 ms at 100k users, and a 100k/10k ratio under 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import clock  # noqa: E402
from app.db import create_engine, create_sessionmaker  # noqa: E402
from app.models.accounts import ServiceClient  # noqa: E402
from app.models.reminders import Reminder  # noqa: E402
from app.scheduling.inputs import Slot  # noqa: E402
from app.services.reminders import feed, schedule  # noqa: E402

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
FIRST_DAY = date(2026, 3, 2)
DAYS = 3
# (zone label, UTC offset in minutes, share of users)
ZONES = [
    ("America/Los_Angeles", -480, 0.12),
    ("America/New_York", -300, 0.2),
    ("Europe/London", 0, 0.18),
    ("Europe/Berlin", 60, 0.18),
    ("Asia/Kolkata", 330, 0.12),
    ("Asia/Tokyo", 540, 0.1),
    ("Australia/Sydney", 660, 0.1),
]
# measured between these instants: the middle of the materialised days
PERIOD_START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
TITLES = {Slot.am: "Morning routine: 5 steps", Slot.pm: "Retinoid night: 4 steps"}


def _local_minutes(rng: random.Random, slot: Slot) -> int:
    """Most people pick a round time; the rest anything in a plausible band."""
    if slot is Slot.am:
        if rng.random() < 0.6:
            return rng.choice([6 * 60 + 30, 7 * 60, 7 * 60 + 30, 8 * 60])
        return rng.randrange(5 * 60 + 30, 10 * 60)
    if rng.random() < 0.6:
        return rng.choice([21 * 60, 21 * 60 + 30, 22 * 60])
    return rng.randrange(19 * 60, 23 * 60 + 30)


def _rows(users: int, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    user_rows, reminder_rows = [], []
    labels = [z[0] for z in ZONES]
    offsets = {z[0]: z[1] for z in ZONES}
    weights = [z[2] for z in ZONES]
    for n in range(users):
        user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        user_rows.append((user_id, f"bench-{n}@example.com", "x", "user", created))
        zone = rng.choices(labels, weights)[0]
        times = {slot: _local_minutes(rng, slot) for slot in Slot}
        for day in range(DAYS):
            on = FIRST_DAY + timedelta(days=day)
            for slot in Slot:
                local = datetime(on.year, on.month, on.day, tzinfo=UTC) + timedelta(
                    minutes=times[slot]
                )
                due_at = local - timedelta(minutes=offsets[zone])
                sent = due_at < PERIOD_START
                reminder_rows.append(
                    (
                        schedule.reminder_id(user_id, on, slot),
                        user_id,
                        on,
                        slot.value,
                        due_at,
                        zone,
                        f"{times[slot] // 60:02d}:{times[slot] % 60:02d}",
                        TITLES[slot],
                        "1. Cleanser; 2. Serum; 3. Moisturiser; 4. Sunscreen",
                        "sent" if sent else "pending",
                        0,
                        due_at if sent else None,
                        created,
                    )
                )
    return user_rows, reminder_rows


def _alembic_upgrade(sync_connection: Any) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.attributes["connection"] = sync_connection
    command.upgrade(config, "head")


async def _reset_schema(schema: str, *, create: bool) -> None:
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()


async def _load(schema: str, users: int, seed: int) -> int:
    user_rows, reminder_rows = _rows(users, seed)
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.copy_records_to_table(
            "users",
            records=user_rows,
            columns=["id", "email", "password_hash", "role", "created_at"],
        )
        await conn.copy_records_to_table(
            "reminder_settings",
            records=[(row[0], True, PERIOD_START + timedelta(days=2), row[4]) for row in user_rows],
            columns=["user_id", "enabled", "scheduled_until", "updated_at"],
        )
        await conn.copy_records_to_table(
            "reminders",
            records=reminder_rows,
            columns=[
                "id",
                "user_id",
                "local_date",
                "slot",
                "due_at",
                "timezone",
                "local_time",
                "title",
                "body",
                "status",
                "attempts",
                "sent_at",
                "created_at",
            ],
        )
        await conn.execute("VACUUM ANALYZE users")
        await conn.execute("VACUUM ANALYZE reminder_settings")
        await conn.execute("VACUUM ANALYZE reminders")
    finally:
        await conn.close()
    return len(reminder_rows)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


WARMUP = 20
# what is timed: a 5-minute due window (rows grow with users, up to the page size), a full page
# of the due feed (200 rows at every size: the per-query cost at equal output), and a claim
OPS = ("due", "due_page", "claim")


@dataclass
class Target:
    """One database size, with what was measured on it."""

    users: int
    engine: AsyncEngine
    rows: int = 0
    load_seconds: float = 0.0
    # the claiming scheduler's clock: it polls every 20 s through the measured period
    now: datetime = PERIOD_START + timedelta(hours=6)
    times: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    returned: dict[str, list[int]] = field(default_factory=lambda: {op: [] for op in OPS})

    @property
    def schema(self) -> str:
        return f"bench_reminders_{self.users}"

    def summary(self, op: str) -> dict[str, float]:
        return {
            **_percentiles(self.times[op]),
            "mean_rows": round(statistics.mean(self.returned[op]), 1),
        }


_SERVICE = ServiceClient(
    id=uuid.uuid4(), name="bench", client_id="svc_bench", secret_hash="x", scopes=""
)


async def _due_once(target: Target, start: datetime, window: timedelta) -> tuple[float, int]:
    sessionmaker = create_sessionmaker(target.engine)
    started = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        page = await feed.due_page(session, start=start, end=start + window, limit=200, cursor=None)
    return time.perf_counter() - started, len(page.items)


async def _claim_once(target: Target) -> tuple[float, int]:
    """One poll: claim (timed), then acknowledge what was handed out (not timed)."""
    sessionmaker = create_sessionmaker(target.engine)
    now = target.now
    clock.now_utc = lambda: now
    started = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        out = await feed.claim(
            session,
            client=_SERVICE,
            worker_id="bench",
            until=now + timedelta(minutes=5),
            max_items=50,
        )
    elapsed = time.perf_counter() - started
    ids = [item.id for item in out.items]
    if ids:
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Reminder).where(col(Reminder.id).in_(ids)).values(status="sent", sent_at=now)
            )
    target.now = now + timedelta(seconds=20)
    return elapsed, len(ids)


async def _measure(targets: list[Target], iterations: int, seed: int) -> None:
    """Alternate between the sizes, each operation once per size per round, so that whatever
    else the machine is doing weighs on every size alike."""
    rng = random.Random(seed)
    period = (PERIOD_END - PERIOD_START).total_seconds() - 300
    for round_ in range(iterations + WARMUP):
        start = PERIOD_START + timedelta(seconds=rng.uniform(0, period))
        for target in targets if round_ % 2 == 0 else targets[::-1]:
            samples = {
                "due": await _due_once(target, start, timedelta(minutes=5)),
                "due_page": await _due_once(target, start, timedelta(hours=24)),
                "claim": await _claim_once(target),
            }
            if round_ >= WARMUP:
                for op, (elapsed, returned) in samples.items():
                    target.times[op].append(elapsed)
                    target.returned[op].append(returned)


async def _explain(engine: AsyncEngine) -> dict[str, str]:
    """The plans, to show both reads are index range scans on due_at."""
    start = PERIOD_START + timedelta(hours=8)
    due_sql = (
        "EXPLAIN SELECT * FROM reminders WHERE due_at >= :s AND due_at < :e "
        "ORDER BY due_at, id LIMIT 201"
    )
    claim_sql = (
        "EXPLAIN SELECT id FROM reminders WHERE due_at >= :lo AND due_at <= :hi "
        "AND status <> 'sent' AND (status = 'pending' OR lease_until <= :s) "
        "ORDER BY due_at, id LIMIT 50 FOR UPDATE SKIP LOCKED"
    )
    async with engine.connect() as conn:
        due_plan = await conn.execute(
            text(due_sql), {"s": start, "e": start + timedelta(minutes=5)}
        )
        claim_plan = await conn.execute(
            text(claim_sql),
            {"lo": start - timedelta(hours=1), "hi": start + timedelta(minutes=2), "s": start},
        )
        return {
            "due": "\n".join(row[0] for row in due_plan),
            "claim": "\n".join(row[0] for row in claim_plan),
        }


async def bench(sizes: list[int], iterations: int, seed: int, explain: bool) -> list[Any]:
    targets: list[Target] = []
    real_now = clock.now_utc
    try:
        for users in sizes:
            schema = f"bench_reminders_{users}"
            await _reset_schema(schema, create=True)
            engine = create_engine(
                POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
            )
            target = Target(users=users, engine=engine)
            targets.append(target)
            async with engine.begin() as conn:
                await conn.run_sync(_alembic_upgrade)
            started = time.perf_counter()
            target.rows = await _load(schema, users, seed)
            target.load_seconds = round(time.perf_counter() - started, 1)
        await _measure(targets, iterations, seed)
        results = []
        for target in targets:
            result: dict[str, Any] = {
                "users": target.users,
                "rows": target.rows,
                "load_seconds": target.load_seconds,
                **{op: target.summary(op) for op in OPS},
            }
            if explain:
                result["plans"] = await _explain(target.engine)
            results.append(result)
        return results
    finally:
        clock.now_utc = real_now
        for target in targets:
            await target.engine.dispose()
            await _reset_schema(target.schema, create=False)


def _table(results: list[dict[str, Any]], ratios: dict[str, float] | None) -> str:
    head = ["users", "rows"] + [f"{op} {p}" for op in OPS for p in ("p50", "p99")]
    lines = [" ".join(f"{h:>13}" for h in head)]
    for r in results:
        cells = [str(r["users"]), str(r["rows"])]
        cells += [f"{r[op][f'{p}_ms']:.2f}ms" for op in OPS for p in ("p50", "p99")]
        lines.append(" ".join(f"{c:>13}" for c in cells))
    if ratios:
        cells = ["ratio", ""] + [f"{ratios[key]:.2f}x" for key in ratios]
        lines.append(" ".join(f"{c:>13}" for c in cells))
    rows = ", ".join(
        f"{r['users']}: {r['due']['mean_rows']:g} / {r['due_page']['mean_rows']:g} / "
        f"{r['claim']['mean_rows']:g}"
        for r in results
    )
    lines.append(f"mean rows returned (due / due_page / claim) at {rows}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--explain", action="store_true", help="include the query plans")
    args = parser.parse_args(argv)

    results = asyncio.run(bench(args.users, args.iterations, args.seed, args.explain))
    ratios = None
    if len(results) >= 2:
        small, large = results[0], results[-1]
        ratios = {
            f"{op}_{p}": round(large[op][f"{p}_ms"] / small[op][f"{p}_ms"], 2)
            for op in OPS
            for p in ("p50", "p99")
        }
    if args.json:
        print(json.dumps({"results": results, "ratio_largest_to_smallest": ratios}, indent=2))
    else:
        print(_table(results, ratios))
        for r in results:
            for name, plan in r.get("plans", {}).items():
                print(f"\n{name} plan at {r['users']} users:\n{plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
