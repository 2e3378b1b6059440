"""Characters no field may hold, found in one place and refused with a message.

PostgreSQL cannot store a NUL character in text (psycopg raises, which was a 500), and a
lone surrogate (half of a UTF-16 pair) cannot be encoded as UTF-8 at all. Neither is ever
typed on purpose: they arrive from a file saved as UTF-16, a copy from a binary or a
probe. Right-to-left marks and other format characters are real text (Arabic and Hebrew
names use them) and stay allowed.
"""

from __future__ import annotations

import re

_ODD = re.compile("[\x00\ud800-\udfff]")
# Bytes that are not UTF-8 where text was expected; over HTTP, that is how a lone
# surrogate arrives (Django would quietly read it as U+FFFD).
BROKEN = "a broken character (half of a UTF-16 pair, or bytes that are not UTF-8 text)"


def odd_character(value: str) -> str | None:
    """What is wrong with ``value`` in words a manager can act on, or None when it is fine."""
    found = _ODD.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "a NUL character (a zero byte)"
    return BROKEN


def odd_text_message(*, where: str, problem: str) -> str:
    return f"{where} holds {problem}, which doorsync cannot store. Remove it and try again."
