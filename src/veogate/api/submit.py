"""The create boundary shared by every dialect: a create body, read its dialect's way,
validated against the catalog into a `Submission` and handed to the create use case
(`jobs/accept.py`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from veogate.api.body import read_json_body
from veogate.auth.keys import Caller
from veogate.catalog import SpecDraft, validate
from veogate.delivery.targets import check_webhook_url
from veogate.errors import InvalidRequest
from veogate.ids import IdForm
from veogate.jobs.accept import accept_submission
from veogate.jobs.model import SEED_MAX
from veogate.jobs.service import Submission, Submitted, fingerprint
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services

MAX_IDEMPOTENCY_KEY = 255


@dataclass(frozen=True)
class CreateDialect:
    """How one dialect's create request becomes a submission."""

    name: str
    id_form: IdForm
    read: Callable[[dict[str, Any]], tuple[SpecDraft, dict[str, str]]]
    """Wire body -> draft and the field names to report errors with."""
    read_callback: Callable[[dict[str, Any]], tuple[str, str] | None] = lambda _body: None
    """Wire body -> (field name, URL) of the webhook the request asks for, if any."""
    read_warnings: Callable[[dict[str, Any]], tuple[str, ...]] = lambda _body: ()
    """Wire body -> what the job's warnings say about it (fields it ignores, say); may
    raise `InvalidRequest` for a field that cannot be ignored."""


async def read_json_create(request: Request, services: Services) -> dict[str, Any]:
    """A create body sent as one JSON object, within the body size cap."""
    return await read_json_body(request, services.settings.max_body_bytes)


async def submit_body(
    body: dict[str, Any],
    dialect: CreateDialect,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> Submitted:
    """Validate a create body (however it was read: JSON, a multipart form) against the
    catalog and accept it; tells whether the job was created now or replayed for a
    repeated Idempotency-Key."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            param="Idempotency-Key",
        )
    draft, names = dialect.read(body)
    warnings = dialect.read_warnings(body)
    spec = validate(
        draft,
        catalog=services.catalog,
        dialect=dialect.name,
        default_seed=secrets.randbelow(SEED_MAX + 1),
        names=names,
    )
    submission = Submission(
        dialect=dialect.name,
        id_form=dialect.id_form,
        spec=spec,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(dialect.name, body),
        warnings=warnings,
        callback_url=_callback_url(dialect, body, services),
    )
    return await accept_submission(services, launcher, caller, submission)


def _callback_url(dialect: CreateDialect, body: dict[str, Any], services: Services) -> str | None:
    """The request's webhook URL, checked as far as it can be without DNS (the whole
    address policy is applied again on every attempt)."""
    asked = dialect.read_callback(body)
    if asked is None:
        return None
    field, url = asked
    return check_webhook_url(url, services.webhook_gate, field=field)
