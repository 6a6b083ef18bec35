"""What only the S3 store does: bucket URLs, key prefixes, multipart uploads, presigned GETs.

moto serves presigned URLs but does not check their signature or expiry, so the tests check
those with an independent SigV4 verifier (`presigned_url_valid`, written from the AWS spec)
that must accept what obstore signs and reject any tampering or a passed expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.support.moto import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer
from veogate.storage.s3 import (
    MAX_PRESIGN_TTL_SECONDS,
    S3Location,
    S3ObjectStore,
    parse_s3_url,
)

# -- s3:// URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://videos", "videos", ""),
        ("s3://videos/", "videos", ""),
        ("s3://videos/veogate", "videos", "veogate"),
        ("s3://videos/veogate/prod/", "videos", "veogate/prod"),
        ("s3://my.videos-1/a b/c", "my.videos-1", "a b/c"),
        ("  s3://videos/x  ", "videos", "x"),
    ],
)
def test_parse_s3_url(url: str, bucket: str, prefix: str) -> None:
    assert parse_s3_url(url) == S3Location(bucket, prefix)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "not an S3 URL"),
        ("videos/prefix", "not an S3 URL"),
        ("https://videos.s3.amazonaws.com/x", "not an S3 URL"),
        ("s3a://videos/x", "not an S3 URL"),
        ("s3://", "no bucket"),
        ("s3:///prefix", "no bucket"),
        ("s3://Videos", "invalid S3 bucket name"),
        ("s3://ab", "invalid S3 bucket name"),
        ("s3://under_score", "invalid S3 bucket name"),
        ("s3://-videos", "invalid S3 bucket name"),
        ("s3://videos-", "invalid S3 bucket name"),
        ("s3://a..b", "invalid S3 bucket name"),
        ("s3://192.168.10.1", "invalid S3 bucket name"),
        ("s3://" + "a" * 64, "invalid S3 bucket name"),
        ("s3://videos:9000/x", "no credentials or port"),
        ("s3://key:secret@videos/x", "no credentials or port"),
        ("s3://videos/x?versionId=1", "no query or fragment"),
        ("s3://videos/x#top", "no query or fragment"),
        ("s3://videos?", "no query or fragment"),
        ("s3://videos/a/../b", "invalid S3 key prefix"),
        ("s3://videos//a", "invalid S3 key prefix"),
        ("s3://videos/a//b", "invalid S3 key prefix"),
        ("s3://videos/./a", "invalid S3 key prefix"),
    ],
)
def test_parse_s3_url_refuses(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_s3_url(url)


def test_location_str_round_trips() -> None:
    for url in ("s3://videos", "s3://videos/a/b"):
        assert str(parse_s3_url(url)) == url


# -- construction and addressing (signing is offline: nothing here touches the network) ---


def offline_store(**kwargs: object) -> S3ObjectStore:
    options: dict[str, object] = {
        "region": "eu-west-1",
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        **kwargs,
    }
    return S3ObjectStore(S3Location("videos", "pre/fix"), **options)  # type: ignore[arg-type]


async def test_aws_defaults_to_virtual_hosted_https() -> None:
    url, _ = await offline_store().presigned_get("k.mp4", 60)
    assert url.startswith("https://videos.s3.eu-west-1.amazonaws.com/pre/fix/k.mp4?")
    assert "X-Amz-Credential=AKIDVEOGATETEST%2F" in url
    assert "%2Feu-west-1%2Fs3%2Faws4_request" in url


async def test_aws_path_style_on_request() -> None:
    url, _ = await offline_store(virtual_hosted_style=False).presigned_get("k.mp4", 60)
    assert url.startswith("https://s3.eu-west-1.amazonaws.com/videos/pre/fix/k.mp4?")


async def test_custom_endpoint_defaults_to_path_style() -> None:
    store = offline_store(endpoint="http://127.0.0.1:9000/")
    url, _ = await store.presigned_get("k.mp4", 60)
    assert url.startswith("http://127.0.0.1:9000/videos/pre/fix/k.mp4?")


@pytest.mark.parametrize(
    "options",
    [{}, {"virtual_hosted_style": False}, {"endpoint": "http://127.0.0.1:9000/"}],
    ids=["aws-virtual-hosted", "aws-path-style", "custom-endpoint"],
)
async def test_the_download_origin_is_where_presigned_urls_point(
    options: dict[str, object],
) -> None:
    """The web pages' policy allows this origin for media: it must be the presigned URLs'."""
    store = offline_store(**options)
    url, _ = await store.presigned_get("k.mp4", 60)
    origin = store.download_origin()
    assert origin is not None
    assert url.startswith(origin + "/")
    assert origin.count("/") == 2  # scheme://host[:port], no path


async def test_session_token_is_signed_into_the_url() -> None:
    url, _ = await offline_store(session_token="tok/en").presigned_get("k.mp4", 60)
    assert "X-Amz-Security-Token=tok%2Fen" in url
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=time.time())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"secret_access_key": None}, "both access_key_id and secret_access_key"),
        ({"access_key_id": None}, "both access_key_id and secret_access_key"),
        (
            {"access_key_id": None, "secret_access_key": None, "session_token": "t"},
            "session_token needs",
        ),
        ({"endpoint": "127.0.0.1:9000"}, "must be an http"),
        ({"endpoint": "ftp://minio:21"}, "must be an http"),
        ({"endpoint": "http://minio:9000", "allow_http": False}, "plain http"),
    ],
)
def test_constructor_refuses(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        offline_store(**kwargs)


def test_repr_hides_credentials() -> None:
    text = repr(offline_store(session_token="tok"))
    assert "s3://videos/pre/fix" in text
    assert SECRET_ACCESS_KEY not in text
    assert "tok" not in text


@pytest.mark.parametrize("ttl", [0, -5, MAX_PRESIGN_TTL_SECONDS + 1])
async def test_presign_ttl_bounds(ttl: int) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        await offline_store().presigned_get("k.mp4", ttl)


async def test_presign_checks_key() -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await offline_store().presigned_get("../k.mp4", 60)


# -- against moto ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_keys_live_under_the_prefix(moto: MotoServer, tmp_path: Path) -> None:
    one, two = moto.store("iso/one"), moto.store("iso/two")
    await one.put_file("k.txt", write(tmp_path, "1", b"one"), "text/plain")
    assert not await two.exists("k.txt")
    with pytest.raises(FileNotFoundError):
        await two.get_bytes("k.txt")

    await two.put_file("k.txt", write(tmp_path, "2", b"two"), "text/plain")
    await two.delete("k.txt")
    assert await one.get_bytes("k.txt") == b"one"
    await two.put_file("k.txt", write(tmp_path, "2", b"two"), "text/plain")

    listed = moto.client().list_objects_v2(Bucket=moto.bucket, Prefix="iso/")
    assert sorted(item["Key"] for item in listed["Contents"]) == ["iso/one/k.txt", "iso/two/k.txt"]
    root = moto.store()
    assert await root.get_bytes("iso/two/k.txt") == b"two"


async def test_content_type_is_stored(moto: MotoServer, tmp_path: Path) -> None:
    await moto.store("ctype").put_file("v.mp4", write(tmp_path, "v", b"mp4"), "video/mp4")
    head = moto.client().head_object(Bucket=moto.bucket, Key="ctype/v.mp4")
    assert head["ContentType"] == "video/mp4"


async def test_large_file_goes_multipart(moto: MotoServer, tmp_path: Path) -> None:
    data = random.Random(7).randbytes(12 * 1024 * 1024 + 123)
    store = moto.store("large")
    await store.put_file("big.mp4", write(tmp_path, "big.mp4", data), "video/mp4")
    head = moto.client().head_object(Bucket=moto.bucket, Key="large/big.mp4")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # three 5 MiB parts: a multipart upload
    assert await store.get_bytes("big.mp4") == data


async def test_presigned_get_downloads_without_credentials(
    moto: MotoServer, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 64
    store = moto.store("signed")
    await store.put_file("jobs/1/video.mp4", write(tmp_path, "v", data), "video/mp4")
    before = int(time.time())
    url, expires_at = await store.presigned_get("jobs/1/video.mp4", 300)
    assert before + 300 <= expires_at <= int(time.time()) + 300
    assert url.startswith(f"{moto.endpoint}/{moto.bucket}/signed/jobs/1/video.mp4?")
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["X-Amz-Expires"] == "300"
    assert signed_expiry(url) >= expires_at

    async with httpx.AsyncClient() as client:
        whole = await client.get(url)
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["content-type"] == "video/mp4"

        part = await client.get(url, headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206
        assert part.content == data[1000:2000]
        assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"

        tail = await client.get(url, headers={"Range": "bytes=-10"})
        assert tail.status_code == 206
        assert tail.content == data[-10:]


async def test_presigned_get_of_missing_key_is_404(moto: MotoServer) -> None:
    url, _ = await moto.store("signed").presigned_get("not/there.mp4", 60)
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 404


async def test_presigned_url_signature_is_valid_sigv4(moto: MotoServer) -> None:
    url, expires_at = await moto.store("signed").presigned_get("a b/ü.mp4", 60)
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=time.time())
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=expires_at - 1)
    assert not presigned_url_valid(url, "another-secret", now=time.time())


async def test_tampered_presigned_url_is_invalid(moto: MotoServer) -> None:
    url, _ = await moto.store("signed").presigned_get("jobs/1/video.mp4", 60)
    now = time.time()
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    flipped = url.replace(f"X-Amz-Signature={signature}", f"X-Amz-Signature={forged}")
    assert flipped != url
    assert not presigned_url_valid(flipped, SECRET_ACCESS_KEY, now=now)
    other_key = url.replace("/jobs/1/video.mp4?", "/jobs/2/video.mp4?")
    assert not presigned_url_valid(other_key, SECRET_ACCESS_KEY, now=now)
    longer = url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000")
    assert not presigned_url_valid(longer, SECRET_ACCESS_KEY, now=now)


async def test_presigned_url_expires(moto: MotoServer) -> None:
    url, expires_at = await moto.store("signed").presigned_get("jobs/1/video.mp4", 1)
    assert signed_expiry(url) in (expires_at, expires_at + 1)
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=expires_at - 1)
    assert not presigned_url_valid(url, SECRET_ACCESS_KEY, now=signed_expiry(url) + 1)


# -- an independent SigV4 query-string verifier ---------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def signed_expiry(url: str) -> int:
    query = dict(parse_qsl(urlsplit(url).query))
    issued = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return int(issued.timestamp()) + int(query["X-Amz-Expires"])


def presigned_url_valid(url: str, secret_access_key: str, *, now: float) -> bool:
    """What S3 checks on a presigned GET: the signature over method, path, query and host."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    signature = query.pop("X-Amz-Signature", "")
    if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or now > signed_expiry(url):
        return False
    _access_key, day, region, service, terminator = query["X-Amz-Credential"].split("/")
    canonical_query = "&".join(
        f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(pairs) if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        [
            "GET",
            parts.path,
            canonical_query,
            f"host:{parts.netloc}\n",
            query["X-Amz-SignedHeaders"],
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{day}/{region}/{service}/{terminator}"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = (f"AWS4{secret_access_key}").encode()
    for part in (day, region, service, terminator):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return query["X-Amz-SignedHeaders"] == "host" and hmac.compare_digest(expected, signature)


def test_verifier_matches_botocore() -> None:
    """The verifier accepts a URL botocore presigns, so it is not merely agreeing with obstore."""
    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4"),
    )
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "videos", "Key": "a b/ü.mp4"}, ExpiresIn=60
    )
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=time.time())
    assert not presigned_url_valid(url, "wrong", now=time.time())


# -- the ambient AWS_* environment cannot redirect or re-credential a configured store ------

HOSTILE_ENV = {
    "AWS_ACCESS_KEY_ID": "ENVKEY",
    "AWS_SECRET_ACCESS_KEY": "env-secret",
    "AWS_SESSION_TOKEN": "env-token",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ENDPOINT": "http://127.0.0.1:9",
    "AWS_REGION": "ap-south-1",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_SKIP_SIGNATURE": "true",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "true",
    "AWS_BUCKET": "other-bucket",
}


async def test_environment_does_not_override_configuration(
    moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    store = moto.store("env")
    await store.put_file("k.txt", write(tmp_path, "k", b"mine"), "text/plain")
    assert await store.get_bytes("k.txt") == b"mine"
    url, _ = await store.presigned_get("k.txt", 60)
    assert url.startswith(f"{moto.endpoint}/{moto.bucket}/env/k.txt?")
    assert f"X-Amz-Credential={ACCESS_KEY_ID}%2F" in url
    assert "%2Fus-east-1%2F" in url
    assert "X-Amz-Security-Token" not in url
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=time.time())

    aws_url, _ = await offline_store().presigned_get("k.txt", 60)
    assert aws_url.startswith("https://videos.s3.eu-west-1.amazonaws.com/pre/fix/k.txt?")
    assert "X-Amz-Security-Token" not in aws_url


async def test_without_keys_the_environment_chain_applies(
    moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    store = S3ObjectStore(S3Location(moto.bucket, "chain"), endpoint=moto.endpoint)
    await store.put_file("k.txt", write(tmp_path, "k", b"chained"), "text/plain")
    assert await store.get_bytes("k.txt") == b"chained"
    url, _ = await store.presigned_get("k.txt", 60)
    assert presigned_url_valid(url, SECRET_ACCESS_KEY, now=time.time())
