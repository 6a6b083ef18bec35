"""200 simultaneous creates against a balance that covers exactly 50: exactly 50 accepted
(SQLite, one process; the PostgreSQL case with two API processes is in tests/scaleout)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.support.credits import LEDGER_PROBLEMS, PRICES, race_creates
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow


def test_a_balance_for_50_accepts_exactly_50_of_200(fresh_server: ServerProcess) -> None:
    fresh_server.env.update(
        {
            "VEOGATE_PRICES": PRICES,
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
        }
    )
    fresh_server.start()
    secret = fresh_server.create_key("fifty", credits="50")
    key_id = fresh_server.key_id(secret)

    statuses = race_creates([fresh_server.url], secret, 200)

    assert statuses == {200: 50, 402: 150}
    with sqlite3.connect(fresh_server.data_dir / "veogate.sqlite") as db:
        jobs = db.execute("SELECT count(*) FROM jobs WHERE owner_key_id = ?", (key_id,))
        assert jobs.fetchone()[0] == 50
        assert db.execute(LEDGER_PROBLEMS).fetchall() == []
    assert json.loads(fresh_server.cli("credits", "balance", key_id))["balance"] == 0.0
