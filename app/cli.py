"""Admin command line: `python -m app.cli <command>`, against DATABASE_URL.

Commands: create-user, create-service-client, seed-catalog, verify-audit (prints a signed
checkpoint; --expect-checkpoint checks an earlier one), sign-audit (once, for records written
before records were signed), materialise-reminders (for cron, e.g. every 15 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db import begin_write, create_sessionmaker, engine_from_settings
from app.errors import RegimenError
from app.models.accounts import Role
from app.services import accounts, audit, catalog
from app.services.reminders import schedule


async def _in_transaction(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    settings = get_settings()
    engine = engine_from_settings(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await begin_write(session)
            return await work(session)
    finally:
        await engine.dispose()


async def _create_user(args: argparse.Namespace) -> dict[str, Any]:
    user = await _in_transaction(
        lambda s: accounts.create_user(s, email=args.email, password=args.password, role=args.role)
    )
    return {"id": str(user.id), "email": user.email, "role": user.role}


async def _create_service_client(args: argparse.Namespace) -> dict[str, Any]:
    client, secret = await _in_transaction(
        lambda s: accounts.create_service_client(s, name=args.name, scopes=frozenset(args.scope))
    )
    return {"client_id": client.client_id, "client_secret": secret, "scope": client.scopes}


async def _seed_catalog(_args: argparse.Namespace) -> dict[str, Any]:
    return {"added": await _in_transaction(catalog.seed_catalog)}


async def _verify_audit(args: argparse.Namespace) -> dict[str, Any]:
    """OK and a new checkpoint, or (exit code 1) the first broken link (an altered or deleted
    record, or a missing or wrong HMAC) or an earlier checkpoint the trail no longer matches."""
    result: audit.Verification = await _in_transaction(
        lambda s: audit.verify(
            s, expect=args.expect_checkpoint, settle=timedelta(seconds=args.settle_seconds)
        )
    )
    report: dict[str, Any] = {
        "ok": result.ok,
        "records": result.records,
        "patients": result.patients,
    }
    if result.checkpoint is not None:
        report["checkpoint"] = result.checkpoint
    if result.expected is not None:
        report["expected_checkpoint"] = result.expected
    if result.broken is not None:
        report["broken"] = {
            "patient_id": str(result.broken.patient_id),
            "seq": result.broken.seq,
            "id": str(result.broken.record_id),
            "problem": result.broken.problem,
        }
    return report


async def _sign_audit(_args: argparse.Namespace) -> dict[str, Any]:
    signed = await _in_transaction(audit.sign_unsigned)
    if signed < 0:
        return {"ok": False, "error": "a chain is broken; run verify-audit and investigate first"}
    return {"ok": True, "signed": signed}


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


async def _materialise_reminders(args: argparse.Namespace) -> dict[str, Any]:
    """Top up the reminder horizon of every user who needs it, then prune old rows; each batch
    is its own transaction, so a long run holds no lock for long."""
    settings = get_settings()
    engine = engine_from_settings(settings)
    totals = {"users": 0, "pruned": 0}
    steps = (("users", schedule.materialise), ("pruned", schedule.prune))
    try:
        sessionmaker = create_sessionmaker(engine)
        for key, step in steps:
            for _ in range(args.max_batches):
                async with sessionmaker() as session, session.begin():
                    await begin_write(session)
                    done = await step(session, batch=args.batch)
                totals[key] += done
                if done < args.batch:
                    break
    finally:
        await engine.dispose()
    return totals


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("create-user", help="create a dermatologist, admin or user")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", choices=[r.value for r in Role], default=Role.user.value)
    user.set_defaults(run=_create_user)

    client = commands.add_parser("create-service-client", help="create a machine client")
    client.add_argument("--name", required=True)
    client.add_argument("--scope", action="append", required=True, help="repeat for more scopes")
    client.set_defaults(run=_create_service_client)

    seed = commands.add_parser("seed-catalog", help="add the seed products the catalog lacks")
    seed.set_defaults(run=_seed_catalog)

    verify = commands.add_parser("verify-audit", help="check every audit hash chain")
    verify.add_argument(
        "--expect-checkpoint",
        help="a checkpoint printed by an earlier run (kept elsewhere): detects deleted records",
    )
    verify.add_argument(
        "--settle-seconds",
        type=int,
        default=60,
        help="the new checkpoint covers records older than this (writes in flight are not)",
    )
    verify.set_defaults(run=_verify_audit)

    sign = commands.add_parser(
        "sign-audit", help="sign records written before records were signed (once, after 0008)"
    )
    sign.set_defaults(run=_sign_audit)

    materialise = commands.add_parser(
        "materialise-reminders", help="extend every user's reminder schedule (run from cron)"
    )
    materialise.add_argument("--batch", type=_positive, default=200, help="users per transaction")
    materialise.add_argument("--max-batches", type=_positive, default=10_000)
    materialise.set_defaults(run=_materialise_reminders)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create-user" and len(args.password) < 8:
        print("error: --password needs at least 8 characters", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(args.run(args))
    except RegimenError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 1 if result.get("ok") is False else 0


if __name__ == "__main__":
    sys.exit(main())
