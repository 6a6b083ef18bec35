"""The security headers of every page and asset the web UI serves.

The policy allows only this origin's own scripts, styles and connections: no inline script or
style, no `eval`, no third-party host, no framing. Videos and thumbnails the page fetched with
its key are shown through `blob:` URLs; signed result URLs are this origin's (`'self'`), or
the object store's when it serves them itself (presigned S3 URLs: `page_headers`).
"""

from __future__ import annotations

from collections.abc import Sequence


def content_security_policy(media_origins: Sequence[str] = ()) -> str:
    """The policy; `media_origins` may also serve the pages' `<video>` sources (the object
    store's origin when results are fetched from it directly, e.g. presigned S3 URLs)."""
    media = " ".join(("'self'", "blob:", *media_origins))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"media-src {media}",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()
"""The policy of assets, and of pages when veogate serves results itself."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Sent with every page and asset of the web UI."""


def page_headers(media_origins: Sequence[str] = ()) -> dict[str, str]:
    """A page's headers: never cached (it may carry per-session values such as a CSRF
    token), its policy allowing `media_origins` for videos."""
    return {
        **SECURITY_HEADERS,
        "Content-Security-Policy": content_security_policy(media_origins),
        "Cache-Control": "no-store",
    }


ASSET_HEADERS: dict[str, str] = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
