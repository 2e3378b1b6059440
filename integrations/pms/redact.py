"""Scrub credential secrets out of any text that may reach a log, an error or the admin."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

MASK = "•••"


class Redactor:
    """Replaces every known secret — and the encodings it travels in — with a mask.

    Secrets reach the wire XML-escaped (SOAP bodies), JSON-escaped, URL-encoded or inside a
    Basic auth header, and a vendor may echo any of those back in an error page.
    """

    def __init__(self, secrets: Iterable[str] = (), *, literals: Iterable[str] = ()) -> None:
        # `literals` are masked as given, e.g. the base64 of a whole Basic auth pair.
        variants: set[str] = {literal for literal in literals if literal}
        for secret in secrets:
            if not secret:
                continue
            variants.update(
                {
                    secret,
                    # Element text escapes only &, < and >; attributes escape quotes too.
                    escape(secret),
                    escape(secret, {'"': "&quot;", "'": "&apos;"}),
                    escape(secret, {'"': "&quot;", "'": "&#x27;"}),
                    json.dumps(secret)[1:-1],
                    quote(secret, safe=""),
                    quote_plus(secret, safe=""),
                }
            )
        # Longest first, so a secret containing another secret is masked whole.
        self._variants = sorted((v for v in variants if v), key=len, reverse=True)

    @staticmethod
    def basic_auth_literal(username: str, password: str) -> str:
        return base64.b64encode(f"{username}:{password}".encode()).decode()

    def __call__(self, text: str) -> str:
        for variant in self._variants:
            if variant in text:
                text = text.replace(variant, MASK)
        return text
