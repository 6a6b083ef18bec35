"""Test images, a loopback image server, and frame comparisons."""

from __future__ import annotations

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import av
import numpy as np
from PIL import Image, ImageOps


def quadrants(width: int, height: int) -> Image.Image:
    """Four colours and a diagonal: pad and crop of it look clearly different."""
    image = Image.new("RGB", (width, height))
    colours = [(220, 40, 40), (40, 200, 60), (40, 80, 220), (230, 210, 40)]
    half_w, half_h = width // 2, height // 2
    for i, colour in enumerate(colours):
        x, y = (i % 2) * half_w, (i // 2) * half_h
        image.paste(colour, (x, y, x + half_w, y + half_h))
    return image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def data_uri(image: Image.Image, fmt: str = "PNG") -> str:
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(encode(image, fmt)).decode()}"


def fitted(image: Image.Image, size: tuple[int, int], mode: str) -> np.ndarray:
    """What the spec says a frame image becomes: letterboxed (pad) or filled (crop)."""
    if mode == "pad":
        out = ImageOps.pad(image, size, method=Image.Resampling.LANCZOS, color=(0, 0, 0))
    else:
        out = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
    return np.asarray(out.convert("RGB"), dtype=np.float32)


def first_and_last_frames(mp4: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    first = last = None
    count = 0
    with av.open(io.BytesIO(mp4)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24").astype(np.float32)
            if first is None:
                first = rgb
            last = rgb
            count += 1
    assert first is not None
    assert last is not None
    return first, last, count


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).mean())


class ImageServer:
    """Serves fixed images on 127.0.0.1 and counts requests per path."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.hits: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                body = owner.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
