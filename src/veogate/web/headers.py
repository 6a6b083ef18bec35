"""The security headers of every page and asset the web UI serves.

The policy allows only this origin's own scripts, styles and connections: no inline script or
style, no `eval`, no third-party host, no framing. Videos and thumbnails the page fetched with
its key are shown through `blob:` URLs; signed result URLs are this origin's (`'self'`).
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Sent with every page and asset of the web UI."""

PAGE_HEADERS: dict[str, str] = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
"""Pages themselves are never cached (they carry per-session values such as a CSRF token)."""

ASSET_HEADERS: dict[str, str] = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
