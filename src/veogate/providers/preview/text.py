"""Text for preview frames: Pillow's bundled font, made safe for its glyph set, wrapped.

Pillow's default font (no download, identical on every machine) covers printable ASCII
and a handful of typographic characters. Anything else is folded to ASCII where Unicode
knows how (é -> e, — -> -) and shown as `?` otherwise, rather than as tofu boxes.
"""

from __future__ import annotations

import string
import threading
import unicodedata
from dataclasses import dataclass

from PIL import ImageFont

Font = ImageFont.FreeTypeFont

_SUPPORTED = frozenset(string.printable[:95]) | frozenset("©«°±·»‘’“”…‹›™")
_REPLACEMENTS = {
    "\t": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00d7": "x",
    "\u00a0": " ",
    "\u201a": ",",
    "\u201e": '"',
    "\u2032": "'",
    "\u2033": '"',
}
ELLIPSIS = "…"


_per_thread = threading.local()


def font(size: int) -> Font:
    """Pillow's bundled font at `size` pixels.

    Cached per thread: a FreeType face must not be used by two threads at once, and
    renders run concurrently in worker threads.
    """
    cache: dict[int, Font] = _per_thread.__dict__.setdefault("fonts", {})
    if size not in cache:
        loaded = ImageFont.load_default(size=size)
        if not isinstance(loaded, ImageFont.FreeTypeFont):  # pragma: no cover
            raise RuntimeError("Pillow was built without FreeType; the preview renderer needs it")
        cache[size] = loaded
    return cache[size]


def sanitize(text: str) -> str:
    """Map `text` onto the glyphs the bundled font can draw (newlines are kept)."""
    out: list[str] = []
    for char in text:
        if char == "\n" or char in _SUPPORTED:
            out.append(char)
            continue
        char = _REPLACEMENTS.get(char, char)
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if folded and all(c in _SUPPORTED for c in folded):
            out.append(folded)
        elif unicodedata.category(char).startswith(("Z", "C")):
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def ellipsize(line: str, face: Font, max_width: int) -> str:
    """`line`, cut and ended with an ellipsis if it is wider than `max_width`."""
    if face.getlength(line) <= max_width:
        return line
    while line and face.getlength(line.rstrip() + ELLIPSIS) > max_width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def wrap(text: str, face: Font, max_width: int) -> list[str]:
    """Greedy word wrap by rendered width; words wider than a line are broken."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if face.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while face.getlength(word) > max_width:
                cut = _longest_prefix(word, face, max_width)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _longest_prefix(word: str, face: Font, max_width: int) -> int:
    cut = 1
    while cut < len(word) and face.getlength(word[: cut + 1]) <= max_width:
        cut += 1
    return cut


@dataclass(frozen=True)
class Paragraph:
    face: Font
    lines: tuple[str, ...]
    line_height: int


def fit_paragraph(
    text: str, max_width: int, max_height: int, largest: int, smallest: int
) -> Paragraph:
    """The largest font size in [smallest, largest] at which `text` fits the box;
    at `smallest` the text is cut to the lines that fit, the last one ellipsized."""
    size = largest
    while True:
        face = font(size)
        line_height = round(size * 1.3)
        lines = wrap(text, face, max_width)
        capacity = max(1, max_height // line_height)
        if len(lines) <= capacity:
            return Paragraph(face, tuple(lines), line_height)
        if size <= smallest:
            kept = lines[:capacity]
            kept[-1] = ellipsize(kept[-1] + " " + ELLIPSIS, face, max_width)
            return Paragraph(face, tuple(kept), line_height)
        size = max(smallest, int(size * 0.9))
