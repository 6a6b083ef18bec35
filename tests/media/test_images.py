"""`decode_image` and `parse_data_uri`: only PNG/JPEG/WebP, bounded, upright, RGB."""

from __future__ import annotations

import base64
import warnings

import numpy as np
import pytest
from PIL import Image

from tests.media.conftest import Samples
from veogate.errors import InputError
from veogate.jobs.model import ImageInput
from veogate.media.fetch import ImageFetcher
from veogate.media.images import Fit, decode_image, fit_image, inspect_image, parse_data_uri
from veogate.media.resolve import load_image_bytes

FIELD = "input_reference[1]"
MAX_PIXELS = 4_000_000


def decode(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    return decode_image(data, field=FIELD, max_pixels=max_pixels)


def refused(data: bytes, max_pixels: int = MAX_PIXELS) -> InputError:
    with pytest.raises(InputError) as caught:
        decode(data, max_pixels)
    error = caught.value
    assert error.param == FIELD
    assert error.message.startswith(f"{FIELD}: ")
    return error


# --------------------------------------------------------------------------- formats


def test_png_decodes_to_rgb(samples):
    image = decode(samples.png((8, 6), (200, 30, 40)))
    assert image.mode == "RGB"
    assert image.size == (8, 6)
    assert image.getpixel((3, 3)) == (200, 30, 40)


def test_jpeg_decodes_to_rgb(samples):
    image = decode(samples.jpeg((16, 8), (20, 120, 220)))
    assert image.mode == "RGB"
    assert image.size == (16, 8)
    assert all(abs(a - b) <= 3 for a, b in zip(image.getpixel((8, 4)), (20, 120, 220), strict=True))


def test_webp_is_accepted(samples):
    image = decode(samples.webp((10, 4), (10, 200, 90)))
    assert image.mode == "RGB"
    assert image.size == (10, 4)
    assert image.getpixel((5, 2)) == (10, 200, 90)


def test_format_comes_from_bytes_not_from_a_name(samples):
    # A JPEG "called" .png is still a JPEG and is accepted as one; nothing looks at names.
    assert decode(samples.jpeg()).size == (16, 8)


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"<!DOCTYPE html><html><body>hello</body></html>", "HTML"),
        (b"  <html><head></head></html>", "HTML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        (b"", "empty"),
        (b"\x00\x01\x02 definitely not an image", "not a recognised image"),
        (b"BM\x00\x00\x00\x00", "not a recognised image"),  # BMP: Pillow could, we don't
    ],
)
def test_other_content_is_refused(data, hint):
    error = refused(data)
    assert "not a PNG, JPEG or WebP image" in error.message
    assert hint in error.message


def test_gif_is_refused(samples):
    gif = samples.encode(Image.new("P", (4, 4)), "GIF")
    assert "GIF" in refused(gif).message


def test_png_signature_followed_by_garbage_is_refused():
    error = refused(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    assert "PNG image could not be" in error.message


def test_truncated_png_is_refused(samples):
    data = samples.noisy_png((64, 64))
    error = refused(data[: len(data) // 2])
    assert "could not be decoded" in error.message


def test_truncated_jpeg_is_refused(samples):
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    data = samples.encode(Image.fromarray(pixels, "RGB"), "JPEG")
    error = refused(data[: len(data) // 2])
    assert "could not be decoded" in error.message


# --------------------------------------------------------------------------- pixel limits


def test_declared_size_is_checked_before_decoding(samples):
    # 5000×5000 declared, with almost no pixel data: a full decode would fail as
    # truncated, so a "too many pixels" message proves the check came first.
    bomb = samples.declared_png(5000, 5000)
    assert len(bomb) < 200
    error = refused(bomb, max_pixels=1_000_000)
    assert "too many pixels" in error.message
    assert "5000×5000" in error.message


def test_decompression_bomb_is_refused_even_with_a_huge_limit(samples):
    # 30000×30000 is over twice Pillow's own limit: Pillow raises, and we translate.
    error = refused(samples.declared_png(30_000, 30_000), max_pixels=10**12)
    assert "too many pixels" in error.message


def test_pillow_bomb_warning_becomes_an_error_locally(samples):
    # 10000×10000 is between 1× and 2× Pillow's limit, where Pillow only warns.
    limit_before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prove the conversion is ours, not pytest's
        error = refused(samples.declared_png(10_000, 10_000), max_pixels=10**12)
    assert "too many pixels" in error.message
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_image_at_the_limit_is_accepted(samples):
    assert decode(samples.png((100, 50)), max_pixels=5000).size == (100, 50)
    assert "too many pixels" in refused(samples.png((100, 51)), max_pixels=5000).message


# --------------------------------------------------------------------------- orientation, modes


def test_exif_orientation_is_applied(samples):
    # Stored 40×20: left half red, right half blue. Orientation 6 means "rotate 90°
    # clockwise to display", so upright it is 20×40 with red on top, blue below.
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    image = decode(samples.encode(stored, "JPEG", exif=exif, quality=95))
    assert image.size == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60


def test_alpha_is_flattened_onto_black(samples):
    rgba = Image.new("RGBA", (3, 1))
    rgba.putpixel((0, 0), (255, 0, 0, 0))  # fully transparent red → black
    rgba.putpixel((1, 0), (255, 255, 255, 255))  # opaque white stays white
    rgba.putpixel((2, 0), (255, 255, 255, 128))  # half-transparent white → mid grey
    image = decode(samples.encode(rgba, "PNG"))
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (0, 0, 0)
    assert image.getpixel((1, 0)) == (255, 255, 255)
    assert all(125 <= c <= 131 for c in image.getpixel((2, 0)))


def test_palette_transparency_and_grey_alpha_are_flattened(samples):
    palette = Image.new("P", (2, 1))
    palette.putpalette([255, 255, 255, 0, 255, 0])
    palette.putpixel((0, 0), 0)
    palette.putpixel((1, 0), 1)
    image = decode(samples.encode(palette, "PNG", transparency=0))
    assert image.getpixel((0, 0)) == (0, 0, 0)
    assert image.getpixel((1, 0)) == (0, 255, 0)

    grey_alpha = Image.new("LA", (1, 1), (200, 0))
    assert decode(samples.encode(grey_alpha, "PNG")).getpixel((0, 0)) == (0, 0, 0)


def test_webp_with_alpha_is_flattened(samples):
    rgba = Image.new("RGBA", (4, 4), (255, 255, 255, 0))
    image = decode(samples.encode(rgba, "WEBP", lossless=True))
    assert image.getpixel((1, 1)) == (0, 0, 0)


def test_sixteen_bit_grey_is_scaled_not_clipped(samples):
    grey16 = Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16))
    image = decode(samples.encode(grey16, "PNG"))
    assert [image.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128,) * 3, (255,) * 3]


@pytest.mark.parametrize("mode", ["1", "L", "CMYK"])
def test_other_modes_come_back_rgb(samples, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = decode(samples.encode(Image.new(mode, (4, 4)), fmt))
    assert image.mode == "RGB"
    assert image.size == (4, 4)


# --------------------------------------------------------------------------- data: URIs


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def parse(uri: str, max_bytes: int = 1_000_000) -> bytes:
    return parse_data_uri(uri, field=FIELD, max_bytes=max_bytes)


def refused_uri(uri: str, max_bytes: int = 1_000_000) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(uri, max_bytes)
    assert caught.value.param == FIELD
    assert caught.value.message.startswith(f"{FIELD}: ")
    return caught.value


@pytest.mark.parametrize("mime", ["image/png", "image/jpeg", "image/webp", "IMAGE/PNG"])
def test_data_uri_round_trips(samples, mime):
    png = samples.png()
    assert parse(data_uri(png, mime)) == png


@pytest.mark.parametrize("mime", ["text/html", "image/gif", "image/svg+xml", ""])
def test_data_uri_with_a_wrong_media_type_is_refused(mime):
    error = refused_uri(data_uri(b"<html></html>", mime))
    assert "media type" in error.message


@pytest.mark.parametrize(
    "payload",
    ["!!!!not base64!!!!", "iVBORw0KGgo", "iVBO Rw0K", "iVBO\nRw0K", "iVBO-_w0", "é"],
)
def test_garbage_base64_is_refused(payload):
    assert "invalid base64" in refused_uri("data:image/png;base64," + payload).message


@pytest.mark.parametrize(
    "uri",
    ["data:image/png,rawbytes", "data:image/png;base64", "data:image/png;charset=x,AAAA"],
)
def test_malformed_data_uris_are_refused(uri):
    refused_uri(uri)


def test_empty_data_uri_is_refused():
    assert "empty" in refused_uri("data:image/png;base64,").message


def test_data_uri_size_is_checked_from_the_encoded_length():
    assert parse(data_uri(b"\x89PNG" + b"x" * 96), max_bytes=100) == b"\x89PNG" + b"x" * 96
    assert "larger than" in refused_uri(data_uri(b"x" * 101), max_bytes=100).message
    # Far over the cap: refused from the length alone, even though it is not base64.
    assert "larger than" in refused_uri("data:image/png;base64," + "!" * 10_000, 100).message


async def test_load_image_bytes_decodes_data_uris_without_fetching(samples):
    png = samples.png()
    image = ImageInput(source=data_uri(png), field="first_frame")
    fetcher = ImageFetcher()  # never used for data: URIs
    assert await load_image_bytes(image, fetcher, max_bytes=10_000) == png
    decoded = decode_image(png, field="first_frame", max_pixels=100)
    assert decoded.size == (8, 6)


@pytest.mark.parametrize(
    "source",
    ["ftp://example.com/a.png", "file:///etc/passwd", "/etc/passwd", "C:\\a.png", "images.png"],
)
async def test_load_image_bytes_refuses_other_sources(source):
    image = ImageInput(source=source, field="last_frame")
    with pytest.raises(InputError) as caught:
        await load_image_bytes(image, ImageFetcher(), max_bytes=10_000)
    assert caught.value.param == "last_frame"
    assert caught.value.message == (
        "last_frame: must be an http(s) URL or a data:image/...;base64 URI"
    )


# --------------------------------------------------------------------------- header-only intake


def test_inspect_reads_the_header_without_decoding(samples):
    # 5000×5000 declared with almost no pixel data: decoding would fail as truncated, so
    # an answer proves nothing was decoded.
    header = inspect_image(samples.declared_png(5000, 5000), field=FIELD, max_pixels=10**8)
    assert (header.format, header.width, header.height, header.mode) == ("PNG", 5000, 5000, "1")
    with pytest.raises(InputError):
        decode(samples.declared_png(5000, 5000), max_pixels=10**8)


def test_inspect_refuses_what_decode_would(samples):
    assert "too many pixels" in refused_by_inspect(samples.declared_png(5000, 5000)).message
    assert "GIF" in refused_by_inspect(samples.encode(Image.new("P", (4, 4)), "GIF")).message
    png = samples.noisy_png((64, 64))
    assert "could not be" in refused_by_inspect(png[: len(png) // 2]).message  # checksums


def test_webp_may_have_a_quarter_of_the_pixels(samples):
    # libwebp decodes into four full-size buffers: the decode budget is what one PNG at
    # the pixel cap costs, so WebP may have a quarter of the cap.
    at_quarter = samples.encode(Image.new("RGB", (50, 20)), "WEBP", lossless=True)
    assert inspect_image(at_quarter, field=FIELD, max_pixels=4000).format == "WEBP"
    over = samples.encode(Image.new("RGB", (50, 21)), "WEBP", lossless=True)
    error = refused_by_inspect(over, max_pixels=4000)
    assert "WEBP images may have at most 1000 pixels" in error.message
    assert inspect_image(samples.png((50, 80)), field=FIELD, max_pixels=4000).format == "PNG"


def refused_by_inspect(data: bytes, max_pixels: int = MAX_PIXELS) -> InputError:
    with pytest.raises(InputError) as caught:
        inspect_image(data, field=FIELD, max_pixels=max_pixels)
    assert caught.value.param == FIELD
    return caught.value


# --------------------------------------------------------------------------- decoding to fit


@pytest.mark.parametrize(
    ("size", "fit", "mode", "expected"),
    [
        ((4000, 3000), (400, 300), "pad", (400, 300)),  # 10× smaller, exactly
        ((4000, 3000), (300, 300), "pad", (308, 231)),  # pad: the long side decides (13×)
        ((4000, 3000), (300, 300), "crop", (300, 300)),  # crop: only the middle shows
        ((4100, 3000), (1280, 720), "pad", (1025, 750)),  # a whole factor (4): 984×720 fits
        ((1000, 500), (1280, 720), "pad", (1000, 500)),  # smaller than the frame: as is
        ((6000, 100), (1280, 720), "crop", (178, 100)),  # a strip: its middle 16:9
    ],
)
def test_decoding_shrinks_no_further_than_fitting_needs(size, fit, mode, expected):
    data = Samples.encode(Image.new("RGBA", size, (250, 250, 250, 255)), "PNG")
    image = decode_image(data, field=FIELD, max_pixels=10**8, fit=Fit(*fit, mode))
    assert image.mode == "RGB"
    assert image.size == expected
    fitted = np.asarray(fit_image(image, *fit, mode))
    assert fitted.shape == (fit[1], fit[0], 3)


def test_jpeg_is_decoded_at_a_smaller_scale(samples):
    data = samples.encode(Image.new("RGB", (4000, 4000), (20, 120, 220)), "JPEG", quality=90)
    image = decode_image(data, field=FIELD, max_pixels=10**8, fit=Fit(480, 480))
    assert image.size == (500, 500)  # 1/8 by the decoder, no further
    assert all(abs(a - b) <= 3 for a, b in zip(image.getpixel((5, 5)), (20, 120, 220), strict=True))


def test_shrinking_follows_the_upright_orientation(samples):
    # Stored 400×200, displayed 200×400 (orientation 6): fitting into 100×200 can shrink 2×.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = samples.encode(Image.new("RGB", (400, 200), (255, 0, 0)), "JPEG", exif=exif)
    image = decode_image(data, field=FIELD, max_pixels=10**8, fit=Fit(100, 200))
    assert image.size == (100, 200)


def test_shrunk_images_flatten_alpha_as_full_ones_do(samples):
    half = Image.new("RGBA", (800, 800), (255, 255, 255, 128))
    image = decode_image(
        samples.encode(half, "PNG"), field=FIELD, max_pixels=10**8, fit=Fit(100, 100)
    )
    assert image.size == (100, 100)
    assert all(125 <= c <= 131 for c in image.getpixel((50, 50)))
