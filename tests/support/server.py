"""A real `veogate serve` in a subprocess on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"
        self.args: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "VEOGATE_QUEUE_POLL_SECONDS": "0.1", **self.env}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "veogate.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                *self.args,
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def bootstrap_key(self) -> str:
        return (self.data_dir / "bootstrap-key").read_text().strip()

    def cli(self, *args: str) -> str:
        """`veogate <command> --data-dir <this server's> <args...>`: its stdout (raises on a
        non-zero exit, with its stderr)."""
        command, *rest = args
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "veogate.cli.main",
                command,
                "--data-dir",
                str(self.data_dir),
                *rest,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
        )
        if done.returncode != 0:
            raise RuntimeError(f"veogate {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def create_key(self, name: str, credits: str | None = None) -> str:
        """A new key's secret; with `credits`, a metered key with that opening balance."""
        more = [] if credits is None else ["--credits", credits]
        out = self.cli("keys", "create", "--name", name, *more)
        return next(line.split()[1] for line in out.splitlines() if line.startswith("secret:"))

    def key_id(self, secret: str) -> str:
        """The id of the key whose secret is `secret` (by its shown prefix)."""
        for line in self.cli("keys", "list").splitlines():
            key_id, _name, prefix, *_ = line.split("\t")
            if secret.startswith(prefix.removesuffix("...")):
                return key_id
        raise LookupError("no such key")

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.bootstrap_key()}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def wait_for(client: httpx.Client, path: str, done: callable, timeout: float = 120.0) -> dict:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if done(body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{path} did not finish in {timeout}s: {body}")


def finished_task(client: httpx.Client, task_id: str, timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
    """An apimart task's `data` once it has completed or failed."""
    path = f"/v1/tasks/{task_id}"
    body = wait_for(client, path, lambda b: b["data"]["status"] in ("completed", "failed"), timeout)
    return body["data"]  # type: ignore[no-any-return]
