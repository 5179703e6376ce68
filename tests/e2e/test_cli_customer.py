"""`cs-gateway customer find|erase`, run as an operator runs them, on a seeded SQLite database."""
import json
import subprocess

import pytest

from gateway.bootstrap import migrate_database
from gateway.config import Settings
from tests.e2e.test_cli import CLI, clean_env
from tests.integration.test_erasure import PHONE, TG_USER, World


@pytest.fixture
async def seeded(sqlite_url):
    await migrate_database(Settings(gateway_database_url=sqlite_url))
    world = World(sqlite_url)
    await world.seed()
    yield world
    await world.engine.dispose()


def cli(world: World, *args: str) -> subprocess.CompletedProcess:
    env = {**clean_env(), "GATEWAY_DATABASE_URL": str(world.engine.url)}
    return subprocess.run([CLI, "customer", *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)


async def test_an_operator_finds_the_customer_and_erases_them_once(seeded):
    found = cli(seeded, "find", "--telegram-user", TG_USER)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["id"] == "c-zhang"

    unconfirmed = cli(seeded, "erase", "c-zhang")
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    assert PHONE in await seeded.every_cell()

    done = cli(seeded, "erase", "c-zhang", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("customer c-zhang erased: 1 customers, 2 channel_identities") and "5 messages" in done.stdout
    assert PHONE not in await seeded.every_cell()
    assert "nothing left to erase" in cli(seeded, "erase", "c-zhang", "--yes").stdout
    assert cli(seeded, "find", "--telegram-user", TG_USER).returncode == 1  # the old id leads nowhere now


def test_an_unknown_id_and_a_confused_command_line_get_a_message_not_a_traceback(seeded):
    unknown = cli(seeded, "erase", "nobody", "--yes")
    assert unknown.returncode == 1 and unknown.stderr.splitlines()[-1] == "no customer 'nobody'"
    both = cli(seeded, "erase", "c-zhang", "--older-than-days", "3", "--yes")
    assert both.returncode == 2 and "one customer id, or --older-than-days" in both.stderr
    assert "Traceback" not in unknown.stderr + both.stderr


async def test_erasing_everyone_quiet_for_n_days(seeded):
    done = cli(seeded, "erase", "--older-than-days", "30", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["erased 2 customers", "c-lina", "c-zhang"]
    assert "li.na@example.org" not in await seeded.every_cell()
