"""Images uploaded to veogate (`POST /v1/uploads/images`), and their signed URLs.

An upload is kept like an inline image, content-addressed under `inputs/` (so a job that
uses it keeps it as long as an inline image would be kept), and answered as a signed,
expiring URL `/uploads/<sha256>.<ext>`. Anyone holding the URL may GET it until it expires.
Given back as an image input of any dialect, the URL is recognised by its signature and
resolves to the stored object: veogate never fetches its own URLs over the network.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

from veogate.errors import InvalidRequest
from veogate.jobs.model import ImageInput
from veogate.storage.signing import SignedUrl
from veogate.wiring import Services

UPLOADS_PATH = "/uploads/"
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_NAME = re.compile("([0-9a-f]{64})[.](png|jpg|webp)")


def upload_key(name: str) -> str | None:
    """The storage key behind `/uploads/<name>`, or None if `name` is not an upload's."""
    return f"inputs/{name}" if _NAME.fullmatch(name) else None


def sign_upload(storage_key: str, services: Services) -> SignedUrl:
    """The signed URL of a stored upload (its key is `inputs/<sha256>.<ext>`)."""
    name = storage_key.removeprefix("inputs/")
    ttl = services.settings.upload_url_ttl_seconds
    return services.signer.sign(f"{UPLOADS_PATH}{name}", ttl_seconds=ttl)


async def resolve_upload(image: ImageInput, services: Services) -> ImageInput | None:
    """`image` as the stored upload its URL names, or None when it is not one of ours.

    A URL on veogate's own base URL under `/uploads/` must carry a valid, unexpired
    signature (else a 400 naming the field); on another host, an unsigned `/uploads/`
    path is someone else's URL and is fetched as usual."""
    parts = urlsplit(image.source)
    if parts.scheme.lower() not in ("http", "https") or not parts.path.startswith(UPLOADS_PATH):
        return None
    key = upload_key(parts.path.removeprefix(UPLOADS_PATH))
    query = parse_qs(parts.query)
    exp, sig = (query.get(name, [None])[0] for name in ("exp", "sig"))
    if key is None or not services.signer.verify(parts.path, exp, sig):
        if _is_ours(parts.scheme, parts.netloc, services):
            raise InvalidRequest(
                f"{image.field}: this upload link is invalid or has expired; upload the image "
                "again for a fresh one",
                code="invalid_image",
                param=image.field,
            )
        return None
    if not await services.store.exists(key):
        raise InvalidRequest(
            f"{image.field}: this uploaded image is no longer kept; upload it again",
            code="invalid_image",
            param=image.field,
        )
    shown = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return ImageInput(source=f"{shown} (upload)", field=image.field, stored_key=key)


def _is_ours(scheme: str, netloc: str, services: Services) -> bool:
    base = urlsplit(services.settings.base_url)
    return (scheme.lower(), netloc.lower()) == (base.scheme.lower(), base.netloc.lower())
