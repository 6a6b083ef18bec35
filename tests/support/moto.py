"""A moto S3 server on 127.0.0.1 (the S3 stand-in for tests and benchmarks)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.support.server import free_port
from veogate.storage.s3 import S3Location, S3ObjectStore

BUCKET = "veogate-test"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIDVEOGATETEST"
SECRET_ACCESS_KEY = "veogate-test-secret"


@dataclass(frozen=True)
class MotoServer:
    endpoint: str
    bucket: str

    def store(self, prefix: str = "") -> S3ObjectStore:
        return S3ObjectStore(
            S3Location(self.bucket, prefix),
            region=REGION,
            endpoint=self.endpoint,
            access_key_id=ACCESS_KEY_ID,
            secret_access_key=SECRET_ACCESS_KEY,
        )

    def client(self) -> Any:
        """A boto3 S3 client, for looking at what the store wrote."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def veogate_env(self, prefix: str) -> dict[str, str]:
        """The settings that point a veogate process at this server."""
        return {
            "VEOGATE_STORAGE_URL": f"s3://{self.bucket}/{prefix}",
            "VEOGATE_S3_ENDPOINT": self.endpoint,
            "VEOGATE_S3_REGION": REGION,
            "VEOGATE_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "VEOGATE_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


def _moto_server_command() -> list[str]:
    beside = Path(sys.executable).parent / "moto_server"
    return [str(beside)] if beside.exists() else ["moto_server"]


@contextlib.contextmanager
def running_moto(log_dir: Path) -> Iterator[MotoServer]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = log_dir / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
    try:
        _wait_until_up(process, endpoint, log_path)
        server = MotoServer(endpoint=endpoint, bucket=BUCKET)
        server.client().create_bucket(Bucket=BUCKET)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"moto_server exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            httpx.get(f"{endpoint}/moto-api/", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(
        f"moto_server did not answer on {endpoint} within 30 s:\n{log_path.read_text()}"
    )
