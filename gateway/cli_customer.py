"""`cs-gateway customer …`: finding a customer, and erasing their personal data."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from contextlib import asynccontextmanager

from gateway.clock import utcnow
from gateway.config import Settings
from gateway.privacy.customer_lookup import find_customer
from gateway.privacy.erasure import CustomerErasure, Erased, ErasureRefused
from gateway.privacy.retention import RetentionSweeper
from gateway.storage import migrate
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.unit_of_work import UnitOfWork


def add_commands(commands) -> None:
    customer = commands.add_parser("customer", help="customers' personal data")
    sub = customer.add_subparsers(dest="customer_command", required=True)
    p = sub.add_parser("find", help="the customer behind a conversation or a Telegram user")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", metavar="CID")
    which.add_argument("--telegram-user", metavar="N")
    p.set_defaults(run=_find)
    p = sub.add_parser("erase", help="erase personal data, keeping anonymous statistics (audited)")
    p.add_argument("id", nargs="?", help="the customer id (see `customer find`)")
    p.add_argument("--older-than-days", type=int, metavar="N",
                   help="instead of one id: everyone quiet for N days with nothing open")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(run=_erase)


@asynccontextmanager
async def _units(settings: Settings):
    await asyncio.to_thread(migrate.upgrade, settings.gateway_database_url)  # alembic runs its own loop
    engine = create_engine(settings.gateway_database_url)
    sessions = create_session_factory(engine)
    try:
        yield lambda: UnitOfWork(sessions)
    finally:
        await engine.dispose()


def _find(settings: Settings, args: argparse.Namespace) -> int:
    async def run():
        async with _units(settings) as uow:
            async with uow() as unit:
                return await find_customer(unit.session, conversation_id=args.conversation,
                                           telegram_user=args.telegram_user)

    found = asyncio.run(run())
    if found is None:
        print("no such customer", file=sys.stderr)
        return 1
    print(json.dumps(found, ensure_ascii=False, indent=2))
    return 0


def _actor() -> str:
    try:  # the audit log names the operating-system account that ran the command
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _confirmed(args: argparse.Namespace, what: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"refusing to erase {what} without --yes when nobody can confirm", file=sys.stderr)
        return False
    answer = input(f"Erase the personal data of {what}? This cannot be undone. [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _describe(result: Erased) -> str:
    if result.already_erased:
        return f"customer {result.customer_id}: nothing left to erase"
    return f"customer {result.customer_id} erased: " + ", ".join(f"{n} {t}" for t, n in result.counts.items())


def _erase(settings: Settings, args: argparse.Namespace) -> int:
    if (args.id is None) == (args.older_than_days is None):
        print("name one customer id, or --older-than-days N", file=sys.stderr)
        return 2
    if args.older_than_days is not None and args.older_than_days < 1:
        print("--older-than-days must be at least 1", file=sys.stderr)
        return 2
    what = f"customer {args.id}" if args.id else f"every customer quiet for {args.older_than_days} days"
    if not _confirmed(args, what):
        return 1

    async def one():
        async with _units(settings) as uow:
            return await CustomerErasure(uow, utcnow).erase(args.id, actor=_actor())

    async def inactive():
        async with _units(settings) as uow:
            return await RetentionSweeper(uow, utcnow, args.older_than_days, actor=_actor()).sweep()

    if args.id is None:
        erased = asyncio.run(inactive())
        print(f"erased {len(erased)} customers" + "".join(f"\n{c}" for c in erased))
        return 0
    try:
        print(_describe(asyncio.run(one())))
    except ErasureRefused as exc:
        print(exc.message, file=sys.stderr)
        return 1
    return 0
