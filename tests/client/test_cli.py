"""`veogate generate` and `veogate jobs` as a user runs them: subprocesses with pipes (so not
a terminal) against a real server, every image mode from local files and from URLs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.images import ImageServer
from tests.support.mp4 import decode
from tests.support.server import ServerProcess


def veogate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VEOGATE_")}
    return subprocess.run(
        [sys.executable, "-m", "veogate.cli.main", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=180,
    )


@pytest.fixture(scope="module")
def env(server: ServerProcess, key: str) -> dict[str, str]:
    return {"VEOGATE_URL": server.url, "VEOGATE_API_KEY": key}


# (mode, options with {first}/{last}/{reference} placeholders, expected geometry)
MODES = [
    ("text", [], (1280, 720)),
    ("first", ["--first-frame", "{first}", "--aspect-ratio", "9:16"], (720, 1280)),
    ("first+last", ["--first-frame", "{first}", "--last-frame", "{last}"], (1280, 720)),
    (
        "reference",
        ["--reference", "{first}", "--reference", "{reference}", "--duration", "8"],
        (1280, 720),
    ),
]
CASES = [
    (mode, source, options, size) for mode, options, size in MODES for source in ("file", "url")
]


@pytest.mark.parametrize(
    ("mode", "source", "options", "size"),
    [
        pytest.param(*case, id=f"{case[0]}-{case[1]}")
        for case in CASES
        if case[0] != "text" or case[1] == "file"
    ],
)
def test_generate_every_image_mode(
    mode: str,
    source: str,
    options: list[str],
    size: tuple[int, int],
    env: dict[str, str],
    pictures: dict[str, Path],
    image_server: ImageServer,
    tmp_path: Path,
) -> None:
    images = (
        {
            "first": pictures["first.png"],
            "last": pictures["last.jpg"],
            "reference": pictures["reference.webp"],
        }
        if source == "file"
        else {
            name: image_server.url(path)
            for name, path in (
                ("first", "/square.png"),
                ("last", "/tall.jpg"),
                ("reference", "/wide.webp"),
            )
        }
    )
    filled = [option.format(**images) for option in options]
    duration = [] if "--duration" in options else ["--duration", "4"]
    out = tmp_path / f"{mode}.mp4"

    done = veogate(
        "generate",
        f"a {mode} scene",
        "--model",
        "veo-3.1-fast",
        *duration,
        *filled,
        "-o",
        str(out),
        env=env,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out)]
    video = decode(out.read_bytes())
    assert (video.width, video.height) == size
    lines = done.stderr.splitlines()
    assert any(line.endswith("succeeded 100%") for line in lines), done.stderr
    assert "\x1b[" not in done.stderr + done.stdout
    assert "\r" not in done.stderr + done.stdout


def test_generate_several_samples_names_them(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "waves.mp4"
    done = veogate(
        "generate",
        "waves",
        "--duration",
        "4",
        "--samples",
        "2",
        "--no-audio",
        "-o",
        str(out),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out), str(tmp_path / "waves-1.mp4")]
    assert decode((tmp_path / "waves-1.mp4").read_bytes()).audio_codec is None


def test_generate_error_names_the_field(env: dict[str, str], tmp_path: Path) -> None:
    bad = veogate("generate", "a cat", "--duration", "5", "-o", str(tmp_path / "x.mp4"), env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: duration: ")
    assert not list(tmp_path.iterdir())

    unknown = veogate("generate", "a cat", "--model", "nope", env=env)
    assert (unknown.returncode, unknown.stderr.split(":")[:2]) == (2, ["error", " model"])

    refused = veogate("generate", "a cat", env={**env, "VEOGATE_API_KEY": "vg_wrong"})
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ")


def test_flags_override_the_environment(server: ServerProcess, key: str) -> None:
    done = veogate(
        "jobs",
        "list",
        "--url",
        server.url,
        "--api-key",
        key,
        "--json",
        env={"VEOGATE_URL": "http://127.0.0.1:9", "VEOGATE_API_KEY": "vg_wrong"},
    )
    assert done.returncode == 0, done.stderr
    assert "jobs" in json.loads(done.stdout)

    unreachable = veogate(
        "jobs", "list", env={"VEOGATE_URL": "http://127.0.0.1:9", "VEOGATE_API_KEY": key}
    )
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("error: cannot reach http://127.0.0.1:9")


def test_jobs_list_get_cancel_download(env: dict[str, str], tmp_path: Path) -> None:
    slow = veogate(
        "generate",
        "a long journey",
        "--duration",
        "8",
        "--resolution",
        "1080p",
        "--samples",
        "4",
        "--no-wait",
        env=env,
    )
    assert slow.returncode == 0, slow.stderr
    slow_id = slow.stdout.strip()
    cancelled = veogate("jobs", "cancel", slow_id, env=env)
    assert cancelled.stdout.split() == [slow_id, "cancelled"]

    quick = veogate(
        "generate", "a short hop", "--duration", "4", "-o", str(tmp_path / "hop.mp4"), env=env
    )
    assert quick.returncode == 0, quick.stderr
    listing = veogate("jobs", "list", "--limit", "2", env=env)
    table = listing.stdout.splitlines()
    assert table[0].split()[:3] == ["id", "status", "progress"]
    assert table[2].startswith(slow_id)
    assert "cancelled" in table[2]

    quick_id = table[1].split()[0]
    shown = json.loads(veogate("jobs", "get", quick_id, "--json", env=env).stdout)
    assert (shown["status"], shown["duration"], shown["size"]) == ("succeeded", 4, "1280x720")
    text = veogate("jobs", "get", quick_id, env=env).stdout
    assert f"id:       {quick_id}" in text
    assert "output:   " in text

    again = tmp_path / "again.mp4"
    fetched = veogate("jobs", "download", quick_id, "-o", str(again), env=env)
    assert fetched.stdout.strip() == str(again)
    assert again.read_bytes() == (tmp_path / "hop.mp4").read_bytes()

    missing = veogate("jobs", "get", "video_01jd3x4k5m6n7p8q9r0s1t2v3w", env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: id: ") or missing.stderr.startswith("error: ")
