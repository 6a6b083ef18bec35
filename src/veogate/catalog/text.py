"""What a string from a request may contain.

JSON can carry any code point, including NUL, terminal escape sequences and lone UTF-16
surrogates (`"\\ud800"`). PostgreSQL text refuses NUL, UTF-8 cannot encode a lone
surrogate, and control characters rewrite log lines and terminals. These rules say where
each string breaks them; callers turn that into an error naming the field.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
"""Control characters except tab, line feed and a carriage return that starts a CR LF."""


def _found(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    return f"U+{ord(match.group()[0]):04X} at character {match.start() + 1}"


def lone_surrogate(text: str) -> str | None:
    """Where `text` holds half of a UTF-16 surrogate pair (not valid Unicode), or None."""
    return None if text.isascii() else _found(_SURROGATE.search(text))


def control_character(text: str, *, prose: bool = False) -> str | None:
    """Where `text` holds a control character (C0, DEL or C1), or None.

    With `prose`, line breaks (LF or CR LF) and tabs are allowed: free text such as a
    prompt may have lines.
    """
    return _found((_CONTROL_IN_PROSE if prose else _CONTROL).search(text))
