"""`decode_in_background`: decodes run one at a time, in the decode thread, off the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from veogate.errors import InputError
from veogate.media import decoder
from veogate.media.images import Fit, decode_image


async def test_decodes_run_one_at_a_time_in_their_own_thread(samples, monkeypatch):
    running, most, threads = 0, 0, set()

    def watched(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        running += 1
        most = max(most, running)
        threads.add(threading.current_thread().name)
        time.sleep(0.02)
        running -= 1
        return decode_image(*args, **kwargs)

    monkeypatch.setattr(decoder, "decode_image", watched)
    png = samples.png((40, 20))
    images = await asyncio.gather(
        *(
            decoder.decode_in_background(png, field="f", max_pixels=10_000, fit=Fit(10, 10))
            for _ in range(6)
        )
    )
    assert [image.size for image in images] == [(10, 5)] * 6
    assert most == 1
    assert len(threads) == 1
    assert threads.pop().startswith("image-decode")
    assert threading.current_thread().name == "MainThread"


async def test_errors_name_the_field(samples):
    with pytest.raises(InputError) as caught:
        await decoder.decode_in_background(b"GIF89a...", field="last_frame", max_pixels=100)
    assert caught.value.param == "last_frame"
