"""`cs-gateway`: serve, and the operator's maintenance commands."""
from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from gateway.config import Settings
from gateway.logs import configure_logging

log = logging.getLogger("gateway")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.bootstrap import build
    from gateway.storage import migrate

    migrate.upgrade(settings.gateway_database_url)
    import uvloop

    gateway = build(settings)
    log.info("serving", extra={"url": f"http://{args.host}:{args.port}"})
    # uvloop: the same asyncio, its I/O in C; measured a quarter more acks a second under a burst.
    web.run_app(gateway.app, host=args.host, port=args.port, print=None, access_log=None,
                loop=uvloop.new_event_loop())
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.storage import migrate

    migrate.upgrade(settings.gateway_database_url)
    print("database is at the newest schema")
    return 0


def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio
    import getpass

    from gateway.clock import utcnow
    from gateway.storage import migrate
    from gateway.storage.database import create_engine, create_session_factory
    from gateway.storage.unit_of_work import UnitOfWork
    from handoff.accounts import AccountError, Accounts

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    migrate.upgrade(settings.gateway_database_url)
    try:  # the audit log names the operating-system account that ran the command
        actor = f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        actor = "cli"

    async def run():
        engine = create_engine(settings.gateway_database_url)
        try:
            return await Accounts(lambda: UnitOfWork(create_session_factory(engine)), utcnow).add_user(
                args.name, args.role, password, actor=actor)
        finally:
            await engine.dispose()

    try:
        principal = asyncio.run(run())
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"added {principal.username} ({principal.role})")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cs-gateway", description="Customer-service messaging gateway")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="web chat, console and API in one process")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the newest schema")
    upgrade.set_defaults(run=_db_upgrade)

    user = commands.add_parser("user", help="console and editor accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "editor", "admin"])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=_user_add)

    from gateway.cli_customer import add_commands as add_customer_commands
    from gateway.cli_guard import add_commands as add_guard_commands
    from gateway.cli_kb import add_commands

    add_commands(commands)
    add_customer_commands(commands)
    add_guard_commands(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.gateway_log_level)
    return args.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
