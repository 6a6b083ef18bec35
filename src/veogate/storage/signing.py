"""Expiring download links: HMAC-SHA256 over the path and the expiry time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

_EXPIRY = re.compile("[0-9]{1,15}")
"""Unix seconds as ASCII digits (`str.isdigit` would also take `²` and 5,000 digits)."""
_SIGNATURE = re.compile("[A-Za-z0-9_-]{43}")
"""An unpadded URL-safe base64 SHA-256 HMAC."""


@dataclass(frozen=True)
class SignedUrl:
    url: str
    expires_at: int


class UrlSigner:
    def __init__(self, secret: bytes, base_url: str, ttl_seconds: int) -> None:
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl_seconds = ttl_seconds

    def _signature(self, path: str, expires_at: int) -> str:
        message = f"{path}\n{expires_at}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(
        self, path: str, *, now: float | None = None, ttl_seconds: int | None = None
    ) -> SignedUrl:
        """A link to `path` valid `ttl_seconds` (default: this signer's lifetime)."""
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        expires_at = int(now if now is not None else time.time()) + ttl
        query = urlencode({"exp": expires_at, "sig": self._signature(path, expires_at)})
        return SignedUrl(url=f"{self.base_url}{path}?{query}", expires_at=expires_at)

    def verify(
        self, path: str, exp: str | None, sig: str | None, *, now: float | None = None
    ) -> bool:
        """True when `sig` is ours for `path` and `exp` has not passed; False for anything
        malformed (never an exception: both come from a URL anyone can edit)."""
        if exp is None or sig is None or not _EXPIRY.fullmatch(exp):
            return False
        if not _SIGNATURE.fullmatch(sig):
            return False
        expires_at = int(exp)
        if expires_at < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(self._signature(path, expires_at), sig)
