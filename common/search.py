"""How the console's search boxes read what a manager types."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import CharField, TextField, Transform

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


def unaccent(value: str | None) -> str | None:
    """ "García" → "Garcia": letters without their accents (SQLite's UNACCENT, below)."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Unaccent(Transform):
    """`first_name__unaccent__icontains="Garcia"` finds García, and "García" finds Garcia.

    Bilateral: the typed term goes through UNACCENT too, so both sides compare without
    accents on either database — PostgreSQL's `unaccent` extension (common/migrations)
    and, on SQLite, `unaccent()` above, registered on each connection (common/apps.py).
    """

    bilateral = True
    lookup_name = "unaccent"
    function = "UNACCENT"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # unaccent(text): a bare parameter (the typed term) has no type of its own.
        return self.as_sql(compiler, connection, template="UNACCENT((%(expressions)s)::text)")


CharField.register_lookup(Unaccent)
TextField.register_lookup(Unaccent)
