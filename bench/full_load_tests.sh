#!/usr/bin/env bash
# The load tests at full size: 1,000 jobs across 2 APIs + 2 workers, and 1,000 upstream jobs
# held in flight on the embedded default and on one PostgreSQL worker. The suite (`make check`)
# runs the same tests bounded to 300 jobs so that CI finishes in its time; this is the run to
# make before changing the pipeline, the poller or the database pools. Needs PostgreSQL on
# 127.0.0.1:5432 (trust auth), like the suite's scale-out tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
make install >/dev/null
VEOGATE_LOAD_JOBS="${VEOGATE_LOAD_JOBS:-1000}" exec .venv/bin/pytest -p no:cacheprovider -s \
  tests/scaleout/test_load.py tests/scaleout/test_relay_load.py "$@"
