"""Credits across API processes on PostgreSQL: 200 simultaneous creates, spread over two
API processes, against a balance that covers exactly 50, accept exactly 50."""

from __future__ import annotations

from tests.support.cluster import Cluster, sql
from tests.support.credits import LEDGER_PROBLEMS, PRICES, race_creates


def test_two_apis_accept_exactly_what_the_balance_covers(make_cluster: type[Cluster]) -> None:
    cluster = make_cluster({"VEOGATE_PRICES": PRICES})
    cluster.start(apis=2, workers=0)  # no worker: jobs stay queued, only accepting is tested
    secret = cluster.apis[0].create_key("fifty", credits="50")
    key_id = cluster.apis[0].key_id(secret)

    statuses = race_creates([api.url for api in cluster.apis], secret, 200)

    assert statuses == {200: 50, 402: 150}
    jobs = sql(cluster.database_url, "SELECT count(*) FROM jobs WHERE owner_key_id = %s", (key_id,))
    assert jobs == [(50,)]
    assert sql(cluster.database_url, LEDGER_PROBLEMS) == []
    balance = sql(cluster.database_url, "SELECT balance FROM api_keys WHERE id = %s", (key_id,))
    assert balance == [(0,)]
