"""What the API-calling commands (`generate`, `jobs`) share: where the server is, which key
to use, and how a failure is told (`error: <field>: <message>`, exit 2 for a refused request,
1 otherwise)."""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from veogate.client import BadRequest, Client, Job, VeogateError
from veogate.client.transport import DEFAULT_URL, KEY_ENV, URL_ENV

EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 130


def add_connection(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--url", help=f"the server (default ${URL_ENV}, else {DEFAULT_URL})")
    parser.add_argument("--api-key", help=f"a customer API key (default ${KEY_ENV})")
    return parser


def client(args: argparse.Namespace) -> Client:
    return Client(args.url, args.api_key)


def run(command: Callable[[argparse.Namespace, Client], int], args: argparse.Namespace) -> int:
    """Run `command` with a client, turning the client's errors into a message and exit code."""
    try:
        with client(args) as api:
            return command(args, api)
    except VeogateError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED if isinstance(error, BadRequest) else EXIT_FAILED


def job_json(job: Job) -> str:
    return json.dumps(dataclasses.asdict(job), default=_plain, indent=2)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")
