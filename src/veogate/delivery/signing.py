"""Standard Webhooks signatures (https://www.standardwebhooks.com), through the
`standardwebhooks` library itself, so receivers verifying with it agree with us by
construction.

Secrets are `whsec_` + base64 of random bytes: one per key endpoint, and one per API key
for the URLs given with a request (`api_keys.webhook_secret`).
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 32
"""The spec allows 24 to 64 random bytes."""


def new_secret(size: int = SECRET_BYTES) -> str:
    if not 24 <= size <= 64:
        raise ValueError("a webhook secret has 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def signed_headers(secret: str, message_id: str, body: str, when: datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` for `body` sent at `when`
    (an aware datetime)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, when, body),
    }
