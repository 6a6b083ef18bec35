"""`veogate webhooks ...` on a data directory: endpoints, secrets, deliveries by hand."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.delivery.conftest import SPEC, output
from veogate.cli.main import main
from veogate.db.engine import create_engine, session_factory
from veogate.db.transactions import transact
from veogate.delivery.fanout import fan_out_batch
from veogate.delivery.receivers_repository import ReceiverRepository
from veogate.delivery.repository import DeliveryRepository
from veogate.dialects.kyy.schemas import ID_FORM as KYY_IDS
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission

URL = "https://hooks.example.com/veogate"


class Cli:
    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir = data_dir
        self.capsys = capsys

    def __call__(self, *args: str, ok: bool = True) -> str:
        """Run `veogate <args>` on the data directory; its stdout (stderr if it failed)."""
        command, *rest = args
        code = main([command, "--data-dir", str(self.data_dir), *rest])
        out, err = self.capsys.readouterr()
        assert (code == 0) == ok, (code, out, err)
        return out if ok else err

    def db(self, work) -> object:  # type: ignore[no-untyped-def]
        async def run() -> object:
            engine = create_engine(f"sqlite+aiosqlite:///{self.data_dir / 'veogate.sqlite'}")
            try:
                return await transact(session_factory(engine), work, what="test")
            finally:
                await engine.dispose()

        return asyncio.run(run())


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "data", capsys)


def _card(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


async def _ended_job(session: AsyncSession, key_id: str) -> int:
    """A job that succeeded, fanned out: the id of its (one) delivery."""
    submission = Submission("kyy", KYY_IDS, SPEC, None, "f" * 64, provider="preview")
    caller = type("Caller", (), {"key_id": key_id, "name": "cli"})()
    job = (await JobService(JobRepository(session)).submit(caller, submission)).job  # type: ignore[arg-type]
    repo, now = JobRepository(session), datetime.now(UTC)
    await repo.start(job.id, now)
    await repo.record_success(job.id, [output(job.id)], now)
    await fan_out_batch(session)
    [delivery] = await DeliveryRepository(session).listed(job_id=job.id)
    return delivery.id


def test_endpoints_from_add_to_remove(cli: Cli) -> None:
    key = _card(cli("keys", "create", "--name", "shop"))["id"]
    added = _card(cli("webhooks", "add", "--key", key, URL, "--description", "orders"))
    assert added["id"].startswith("whep_")
    assert added["events"] == "job.succeeded,job.failed,job.cancelled"
    assert len(base64.b64decode(added["secret"].removeprefix("whsec_"))) == 32
    every = _card(cli("webhooks", "add", "--key", key, URL + "/all", "--events", "all"))
    assert every["events"].split(",")[0] == "job.queued"
    some = _card(cli("webhooks", "add", "--key", key, URL, "--events", "job.failed, job.queued"))
    assert some["events"] == "job.queued,job.failed"

    listed = cli("webhooks", "list", "--key", key).splitlines()
    assert [line.split("\t")[0] for line in listed] == [added["id"], every["id"], some["id"]]
    assert listed[0].split("\t")[1:] == [
        key,
        "enabled",
        "job.succeeded,job.failed,job.cancelled",
        URL,
        "orders",
    ]

    rotated = cli("webhooks", "rotate-secret", added["id"]).strip()
    assert rotated.startswith("whsec_")
    assert rotated != added["secret"]
    assert cli("webhooks", "remove", some["id"]).strip() == f"removed {some['id']}"
    assert some["id"] not in cli("webhooks", "list")
    assert "no webhook endpoint" in cli("webhooks", "remove", some["id"], ok=False)
    assert "no webhook endpoint" in cli("webhooks", "rotate-secret", some["id"], ok=False)


def test_what_add_refuses(cli: Cli) -> None:
    key = _card(cli("keys", "create", "--name", "shop"))["id"]
    assert "a private address" in cli("webhooks", "add", "--key", key, "http://10.0.0.1/", ok=False)
    assert "metadata" in cli("webhooks", "add", "--key", key, "http://169.254.169.254/", ok=False)
    assert "no API key" in cli("webhooks", "add", "--key", "key_nope", URL, ok=False)
    refused = cli("webhooks", "add", "--key", key, URL, "--events", "job.done", ok=False)
    assert "unknown event types: job.done" in refused
    assert cli("webhooks", "list") == ""


def test_the_keys_secret_for_callback_urls(cli: Cli) -> None:
    key = _card(cli("keys", "create", "--name", "shop"))["id"]
    secret = cli("webhooks", "secret", "--key", key).strip()
    assert secret.startswith("whsec_")
    assert cli("webhooks", "secret", "--key", key).strip() == secret  # made once
    assert "no API key" in cli("webhooks", "secret", "--key", "key_nope", ok=False)


def test_deliveries_redeliver_and_enable(cli: Cli) -> None:
    key = _card(cli("keys", "create", "--name", "shop"))["id"]
    endpoint = _card(cli("webhooks", "add", "--key", key, URL))["id"]
    delivery = cli.db(lambda s: _ended_job(s, key))
    assert isinstance(delivery, int)

    header, row = cli("webhooks", "deliveries", "--endpoint", endpoint).splitlines()
    assert header.split("\t")[:3] == ["id", "state", "attempts"]
    fields = row.split("\t")
    assert fields[:3] == [str(delivery), "pending", "0"]
    assert fields[3].startswith("evt_")
    assert fields[4] == "job.succeeded"
    assert fields[6] == endpoint
    assert "still pending" in cli("webhooks", "redeliver", str(delivery), ok=False)

    cli.db(lambda s: DeliveryRepository(s).give_up(delivery, 500, "HTTP 500", datetime.now(UTC)))
    failed = cli("webhooks", "deliveries", "--key", key, "--state", "failed").splitlines()
    assert len(failed) == 2
    assert failed[1].split("\t")[1:3] == ["failed", "0"]
    assert failed[1].endswith("HTTP 500")
    assert len(cli("webhooks", "deliveries", "--state", "delivered").splitlines()) == 1

    cli.db(lambda s: ReceiverRepository(s).disable_endpoint(endpoint, "410", datetime.now(UTC)))
    assert "disabled (410)" in cli("webhooks", "list")
    assert "is disabled (`veogate webhooks enable` it first)" in cli(
        "webhooks", "redeliver", str(delivery), ok=False
    )
    assert cli("webhooks", "enable", endpoint).strip() == f"enabled {endpoint}"
    again = cli("webhooks", "redeliver", str(delivery))
    assert again.startswith(f"delivery {delivery} (evt_")
    assert cli("webhooks", "deliveries", "--state", "pending").count("\n") == 2
    assert "no delivery 999" in cli("webhooks", "redeliver", "999", ok=False)
