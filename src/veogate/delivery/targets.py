"""Where webhooks may be sent: the checks made when a URL is given (a create request's
`callback_url`, `veogate webhooks add`), and the target a URL's attempts are counted under.

Only what needs no DNS is checked here (absolute http(s), at most `MAX_URL_CHARS`, no
credentials, an allowed port, no literal address the outbound policy refuses); the full
policy, names resolved, is applied again on every attempt (`transport.py`).
"""

from __future__ import annotations

import httpx

from veogate.catalog.text import control_character
from veogate.errors import InputError, InvalidRequest
from veogate.media.outbound import DEFAULT_PORTS, AddressGate

MAX_URL_CHARS = 2048


def check_webhook_url(url: str, gate: AddressGate, *, field: str) -> str:
    """`url` (trimmed) if a webhook may be sent there, else an `InvalidRequest` naming
    `field`."""
    url = url.strip()
    if (found := control_character(url)) is not None:
        raise InvalidRequest(
            f"{field} must not contain control characters (found {found})", param=field
        )
    if len(url) > MAX_URL_CHARS:
        raise InvalidRequest(
            f"{field} has {len(url)} characters; at most {MAX_URL_CHARS} are allowed", param=field
        )
    if not url.lower().startswith(("http://", "https://")):
        raise InvalidRequest(f"{field} must be an absolute http(s) URL", param=field)
    try:
        gate.check_shape(url, field=field)
    except InputError as exc:
        raise InvalidRequest(exc.message, param=field) from None
    return url


def target_of(url: str) -> str:
    """`scheme://host:port` of a URL, lower-cased: the unit of the per-host cap."""
    parsed = httpx.URL(url)
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, 0)
    return f"{parsed.scheme}://{parsed.raw_host.decode('ascii').lower()}:{port}"[:300]
