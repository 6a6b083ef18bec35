"""Expiring download links: HMAC-SHA256 over the path and the expiry time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode


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
        digest = hmac.new(self._secret, f"{path}\n{expires_at}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, path: str, *, now: float | None = None) -> SignedUrl:
        expires_at = int(now if now is not None else time.time()) + self.ttl_seconds
        query = urlencode({"exp": expires_at, "sig": self._signature(path, expires_at)})
        return SignedUrl(url=f"{self.base_url}{path}?{query}", expires_at=expires_at)

    def verify(
        self, path: str, exp: str | None, sig: str | None, *, now: float | None = None
    ) -> bool:
        """True when `sig` is ours for `path` and `exp` has not passed."""
        if not exp or not sig or not exp.isdigit():
            return False
        expires_at = int(exp)
        if expires_at < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(self._signature(path, expires_at), sig)
