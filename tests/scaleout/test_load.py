"""Many jobs across 2 API processes and 2 workers: every job ends, none is duplicated.

300 in the suite, 1,000 with `bench/full_load_tests.sh` (`tests/support/load.py`)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import VeoScript
from tests.support.cluster import Cluster, google_env, sql
from tests.support.load import load_jobs, run_load

pytestmark = pytest.mark.slow

JOBS = load_jobs()


def test_many_jobs_all_terminal_none_duplicated(
    make_cluster: type[Cluster], fake_veo: FakeVeo
) -> None:
    fake_veo.script = VeoScript()
    fake_veo.requests.clear()
    cluster = make_cluster(google_env(fake_veo) | {"VEOGATE_RECONCILE_SECONDS": "1"})
    cluster.start(apis=2, workers=2)
    result = run_load(cluster, JOBS, timeout=900)
    print(
        f"\n{JOBS} jobs in {result.total_seconds:.1f}s (submitted in {result.submit_seconds:.1f}s):"
        f" {result.jobs_per_second:.1f} jobs/s"
    )

    assert result.statuses == {"succeeded": JOBS}
    submits = Counter(s.json["instances"][0]["prompt"] for s in fake_veo.received("submit"))
    assert len(submits) == JOBS
    assert set(submits.values()) == {1}  # no job submitted upstream twice
    outputs = sql(cluster.database_url, "SELECT count(*), count(DISTINCT job_id) FROM job_outputs")
    assert outputs == [(JOBS, JOBS)]
    per_worker = dict(
        sql(
            cluster.database_url,
            "SELECT executor_id, count(*) FROM dbos.workflow_status GROUP BY 1",
        )
    )
    assert set(per_worker) == {"worker-0", "worker-1"}, per_worker  # both workers took work
    # Jobs finishing while a worker reconciles are not mistaken for orphans (issue 9, item 7:
    # before, each 60-job batch logged dozens of false "workflow ended ... without" ERRORs).
    for worker in cluster.workers:
        log = worker.log_path.read_text()
        assert "without ending the job" not in log
        assert [line for line in log.splitlines() if " ERROR " in line] == []
