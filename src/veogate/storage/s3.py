"""Objects in an S3 bucket (AWS, MinIO, moto, any S3-compatible service) through obstore's S3Store.

Clients download through presigned GET URLs (SigV4, query-string auth), so the gateway never
proxies video bytes from S3.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import obstore
from obstore.store import S3Store

from veogate.storage.base import check_key
from veogate.storage.obstore_base import ObstoreObjects

if TYPE_CHECKING:
    from obstore.store import S3Config, S3Credential

# SigV4 presigned URLs are valid for at most seven days.
MAX_PRESIGN_TTL_SECONDS = 7 * 24 * 3600

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix inside it ("" for the bucket's root)."""

    bucket: str
    prefix: str = ""

    def __post_init__(self) -> None:
        _check_bucket(self.bucket)
        if self.prefix:
            _check_prefix(self.prefix)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def _check_bucket(bucket: str) -> None:
    if not _BUCKET_NAME.match(bucket) or ".." in bucket or _IP_ADDRESS.match(bucket):
        raise ValueError(
            f"invalid S3 bucket name {bucket!r}: use 3-63 lowercase letters, digits, '.' or '-', "
            "starting and ending with a letter or digit"
        )


def _check_prefix(prefix: str) -> None:
    try:
        check_key(prefix)
    except ValueError:
        raise ValueError(
            f"invalid S3 key prefix {prefix!r}: no empty, '.' or '..' path segments"
        ) from None


def parse_s3_url(url: str) -> S3Location:
    """`s3://bucket` or `s3://bucket/some/prefix` (a trailing '/' is ignored)."""
    parts = urlsplit(url.strip())
    if parts.scheme != "s3":
        raise ValueError(f"not an S3 URL (expected s3://bucket/optional/prefix): {url!r}")
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        raise ValueError(f"an S3 URL takes no query or fragment: {url!r}")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise ValueError(f"an S3 URL names only a bucket, no credentials or port: {url!r}")
    if not parts.netloc:
        raise ValueError(f"S3 URL has no bucket name: {url!r}")
    prefix = parts.path.removeprefix("/").removesuffix("/")
    return S3Location(bucket=parts.netloc, prefix=prefix)


@dataclass(frozen=True)
class _StaticCredentials:
    """Fixed credentials for obstore, instead of its environment/instance-metadata chain."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __call__(self) -> S3Credential:
        return {
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "token": self.session_token,
            "expires_at": None,
        }


def _static_credentials(
    access_key_id: str | None, secret_access_key: str | None, session_token: str | None
) -> _StaticCredentials | None:
    if access_key_id is None and secret_access_key is None:
        if session_token is not None:
            raise ValueError("session_token needs access_key_id and secret_access_key")
        return None
    if not access_key_id or not secret_access_key:
        raise ValueError("give both access_key_id and secret_access_key, or neither")
    return _StaticCredentials(access_key_id, secret_access_key, session_token or None)


def _aws_endpoint(bucket: str, region: str, virtual_hosted_style: bool) -> str:
    if virtual_hosted_style:
        return f"https://{bucket}.s3.{region}.amazonaws.com"
    return f"https://s3.{region}.amazonaws.com"


def _check_endpoint(endpoint: str, allow_http: bool | None) -> bool:
    """Whether plain http is allowed; refuse what is not an http(s) URL."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"S3 endpoint must be an http(s) URL: {endpoint!r}")
    if allow_http is None:
        return parts.scheme == "http"
    if parts.scheme == "http" and not allow_http:
        raise ValueError(f"S3 endpoint {endpoint!r} is plain http but allow_http=False")
    return allow_http


class S3ObjectStore(ObstoreObjects):
    """The ObjectStore protocol over one bucket; every key lives under `location.prefix`.

    `endpoint` is for S3-compatible services (MinIO, moto: `http://127.0.0.1:9000`); leave it
    out for AWS, where the regional endpoint is used. Path-style requests
    (`endpoint/bucket/key`) are the default with a custom endpoint, virtual-hosted ones
    (`bucket.s3.region.amazonaws.com/key`) without; with a custom endpoint and
    `virtual_hosted_style=True` the endpoint must already include the bucket.

    With `access_key_id` and `secret_access_key` the store uses exactly those (no credential
    chain, no instance metadata service, and no AWS_* credential variables: they reach obstore
    as a static credential provider). With neither, obstore's AWS chain applies (environment,
    web identity, ECS/EKS container credentials, EC2 instance metadata).

    The endpoint, region, addressing style and signing are always set explicitly, so
    AWS_ENDPOINT_URL, AWS_REGION, AWS_SKIP_SIGNATURE and the like cannot redirect the store;
    obstore still reads the other AWS_* settings (server-side encryption, checksums, ...).
    """

    def __init__(
        self,
        location: S3Location,
        *,
        region: str = "us-east-1",
        endpoint: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        virtual_hosted_style: bool | None = None,
        allow_http: bool | None = None,
    ) -> None:
        credentials = _static_credentials(access_key_id, secret_access_key, session_token)
        if virtual_hosted_style is None:
            virtual_hosted_style = endpoint is None
        if endpoint is None:
            endpoint = _aws_endpoint(location.bucket, region, virtual_hosted_style)
        allow_http = _check_endpoint(endpoint, allow_http)
        self.location = location
        self.endpoint = endpoint.rstrip("/")
        config: S3Config = {
            "region": region,
            "endpoint": self.endpoint,
            "virtual_hosted_style_request": virtual_hosted_style,
            "skip_signature": False,
        }
        self._store = S3Store(
            location.bucket,
            prefix=location.prefix or None,
            config=config,
            client_options={"allow_http": allow_http},
            credential_provider=credentials,
        )

    def __repr__(self) -> str:
        return f"S3ObjectStore({str(self.location)!r}, endpoint={self.endpoint!r})"

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        # obstore streams the file from disk and switches to a multipart upload (5 MiB parts)
        # when it is larger than one part.
        await obstore.put_async(
            self._store, check_key(key), source, attributes={"Content-Type": content_type}
        )

    def local_path(self, key: str) -> Path | None:
        check_key(key)
        return None

    async def presigned_get(self, key: str, ttl_seconds: int) -> tuple[str, int]:
        """A URL anyone can GET (Range included) until `expires_at`, as (url, expires_at).

        `expires_at` (unix seconds) is never later than the expiry S3 enforces: it is taken
        before signing, and the URL's own clock starts at or after it.
        """
        if not 1 <= ttl_seconds <= MAX_PRESIGN_TTL_SECONDS:
            raise ValueError(
                f"presigned URL lifetime must be 1..{MAX_PRESIGN_TTL_SECONDS} s, got {ttl_seconds}"
            )
        checked = check_key(key)
        issued_at = int(time.time())
        url = await obstore.sign_async(self._store, "GET", checked, timedelta(seconds=ttl_seconds))
        return url, issued_at + ttl_seconds

    async def download_url(self, key: str, ttl_seconds: int) -> tuple[str, int] | None:
        return await self.presigned_get(key, min(ttl_seconds, MAX_PRESIGN_TTL_SECONDS))

    def download_origin(self) -> str | None:
        """Presigned URLs are the endpoint's (with the bucket in the host when
        virtual-hosted, as the endpoint then already is)."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"
