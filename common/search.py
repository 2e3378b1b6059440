"""How the console's search boxes read what a manager types."""

from __future__ import annotations

import re

_PHONE = re.compile(r"\+?[\d\s().\-]+")


def search_terms(query: str, *, limit: int = 5) -> list[str]:
    """Words to match, each on its own: "Reyes, Dana" as lists show names, like "Dana Reyes"."""
    return [t for t in re.split(r"[\s,]+", query) if t][:limit]


def phone_digits(query: str) -> str:
    """The digits of a query typed as a phone number ("(617) 555-1013", "555-1013"), or ""
    when it is not one. Phones are stored in E.164 (+16175551013), so digits compare."""
    query = query.strip()
    digits = re.sub(r"\D", "", query)
    return digits if len(digits) >= 3 and _PHONE.fullmatch(query) else ""
