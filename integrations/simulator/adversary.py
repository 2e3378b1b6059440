"""Adversarial PMS mode: the simulator as an adversary instead of a mirror.

Each behaviour stays within what a vendor's published contract allows, so a connector
that follows the contract must still read exactly the PMS's records — or fail the fetch
whole with a named error. Behaviours are switched per vendor (POST /_sim/adversary, the
page at /, or `state.adversary.set(vendor, {...})` in tests).

The machinery is generic; each vendor's simulator module declares, in `TRAITS`, how its
wire expresses the behaviours: how it pages, which fields are dates (and which other
spellings of a date its contract allows), which fields are optional. A vendor whose
contract cannot express a behaviour (no paging: no page-size cap) leaves it inert, and
`expressible()` says so.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from integrations.simulator.settings import PerVendor

T = TypeVar("T")

# Paging styles a vendor's wire can have.
UNPAGED = "unpaged"  # one answer per call (SOAP lists): no page behaviours apply
# Pages say whether more follow (a next link or cursor): an empty page may come mid-way.
LINKS = "links"
# Pages are asked for by number and the answer says nothing about the whole: only an
# empty page ends the read, so an empty page mid-way is outside the contract.
NUMBERED = "numbered"

# An offset at or above this is a page the adversary inserted: empty, then on to the
# offset below it. Lets a vendor module keep building its own links from an offset.
_EMPTY_MARK = 1_000_000_000


@dataclass(frozen=True, slots=True)
class WireTraits:
    """How one vendor's wire expresses the adversarial behaviours (its simulator's TRAITS)."""

    paging: str = UNPAGED
    # Field (JSON key or XML element) names holding dates, and the spellings the vendor's
    # contract allows for them besides the usual one, as strftime-like callables.
    date_fields: frozenset[str] = frozenset()
    date_styles: tuple[Callable[[date], str], ...] = ()
    # Fields the vendor may leave out; a record without them is still the same record
    # with the same lifecycle.
    optional_fields: frozenset[str] = frozenset()
    # "json" bodies are rewritten as objects; "xml" bodies element by element.
    body: str = "json"


@dataclass(slots=True)
class VendorAdversary:
    # Serve at most this many records a page, whatever was asked (0: off).
    page_cap: int = 0
    # Cut pages so the last one is exactly full.
    last_page_full: bool = False
    # An empty page before the second real one (where the paging can say "more").
    empty_pages: bool = False
    # Every page after the first is cut from a reshuffled order.
    reordered: bool = False
    # After the first page, one record moves from the end to the front (so one record is
    # seen twice and another not at all).
    moving_record: bool = False
    # Every object (element) gains fields the connector has never heard of.
    extra_fields: bool = False
    # The vendor's optional fields are left out.
    missing_optional: bool = False
    # Dates come in the other spellings and zones the contract allows.
    date_formats: bool = False
    # The Nth vendor request from now answers HTTP 200 with the vendor's error body.
    error_200: int = 0
    # Bodies trickle out in small pieces with this many ms between them (injected sleep).
    slow_trickle_ms: int = 0
    # Requests served since error_200 was set.
    requests_seen: int = 0


BEHAVIOURS: tuple[str, ...] = tuple(
    f.name for f in fields(VendorAdversary) if f.name != "requests_seen"
)


@dataclass(frozen=True, slots=True)
class Window(Generic[T]):
    rows: Sequence[T]
    # Offset (or page number) of the next page, None when this is the last.
    next_start: int | None
    # Records and pages of the whole result, as the adversary serves it.
    total: int
    pages: int


def expressible(traits: WireTraits) -> frozenset[str]:
    """The behaviours this wire can express; the rest are inert for it."""
    everywhere = {"extra_fields", "error_200", "slow_trickle_ms", "reordered"}
    if traits.paging != UNPAGED:
        everywhere |= {"page_cap", "last_page_full", "moving_record"}
    if traits.paging == LINKS:
        everywhere.add("empty_pages")
    if traits.optional_fields:
        everywhere.add("missing_optional")
    if traits.date_fields and traits.date_styles:
        everywhere.add("date_formats")
    return frozenset(everywhere)


class Adversary(PerVendor[VendorAdversary]):
    """Per-vendor adversarial settings, shared by the handler threads."""

    what = "behaviour"

    def __init__(self, vendors: Iterable[str]) -> None:
        super().__init__(VendorAdversary, vendors, counters={"error_200": "requests_seen"})

    def take_error_200(self, vendor: str) -> bool:
        """Count one vendor request; True if this is the one to answer with an error."""
        return self.take_nth(vendor, "error_200")

    # -- pages -------------------------------------------------------------------------

    def window(self, vendor: str, rows: Sequence[T], start: int, size: int) -> Window[T]:
        """The page of `rows` at offset `start` for a page of `size` asked for."""
        a = self.settings(vendor)
        if start >= _EMPTY_MARK:
            # The inserted empty page; the real one follows.
            real = start - _EMPTY_MARK
            return Window((), real, len(rows), self._pages(a, len(rows), size))
        size = self._size(a, len(rows), size)
        ordered = self._ordered(a, rows, start)
        window = ordered[start : start + size]
        following: int | None = start + size if start + size < len(rows) else None
        if following is not None and a.empty_pages and start == 0:
            following += _EMPTY_MARK
        return Window(window, following, len(rows), self._pages(a, len(rows), size))

    def page(self, vendor: str, rows: Sequence[T], number: int, size: int) -> Window[T]:
        """Page `number` (from 1) of `rows`; `next_start` is the next page's number."""
        a = self.settings(vendor)
        size = self._size(a, len(rows), size)
        number = max(1, number)
        start = (number - 1) * size
        ordered = self._ordered(a, rows, start)
        window = ordered[start : start + size]
        following = number + 1 if start + size < len(rows) else None
        return Window(window, following, len(rows), self._pages(a, len(rows), size))

    @staticmethod
    def _size(a: VendorAdversary, count: int, size: int) -> int:
        size = max(1, size)
        if a.page_cap:
            size = min(size, a.page_cap)
        if a.last_page_full and count:
            size = count if count <= size else _largest_divisor(count, size)
        return size

    @staticmethod
    def _pages(a: VendorAdversary, count: int, size: int) -> int:
        size = Adversary._size(a, count, size)
        pages = max(1, -(-count // size))
        return pages + (1 if a.empty_pages and pages > 1 else 0)

    @staticmethod
    def _ordered(a: VendorAdversary, rows: Sequence[T], start: int) -> Sequence[T]:
        if start == 0 or not rows:
            return rows
        ordered = list(rows)
        if a.reordered:
            random.Random(start).shuffle(ordered)
        if a.moving_record:
            ordered.insert(0, ordered.pop())
        return ordered

    # -- bodies ------------------------------------------------------------------------

    def rewrite(self, vendor: str, traits: WireTraits, body: bytes) -> bytes:
        """A whole body with the record-level behaviours applied."""
        a = self.settings(vendor)
        if not (a.extra_fields or a.missing_optional or a.date_formats):
            return body
        if traits.body == "xml":
            return _rewrite_xml(a, traits, body)
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return body  # a deliberately broken body stays broken
        return json.dumps(_rewrite_json(a, traits, payload, [0])).encode()

    def rewrite_stream(
        self, vendor: str, traits: WireTraits, chunks: Iterable[bytes]
    ) -> Iterator[bytes]:
        for chunk in chunks:
            yield self.rewrite(vendor, traits, chunk)


def _largest_divisor(count: int, limit: int) -> int:
    """The largest page size up to `limit` that divides `count`, so the last page is full.

    Page sizes below a quarter of the limit are not worth the requests they cost: a count
    with no divisor in range (a prime) keeps the limit, and its last page is not full.
    """
    for size in range(min(limit, count - 1), max(1, limit // 4), -1):
        if count % size == 0:
            return size
    return limit


def _reformat(a: VendorAdversary, traits: WireTraits, value: str, serial: list[int]) -> str:
    parsed = _read_date(value)
    if parsed is None or not traits.date_styles:
        return value
    style = traits.date_styles[serial[0] % len(traits.date_styles)]
    serial[0] += 1
    return style(parsed)


def _read_date(value: str) -> date | None:
    text = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_EXTRA_KEY = "zzAddedByVendor"


def _rewrite_json(a: VendorAdversary, traits: WireTraits, value: Any, serial: list[int]) -> Any:
    if isinstance(value, list):
        return [_rewrite_json(a, traits, item, serial) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if a.missing_optional and key in traits.optional_fields:
            continue
        if a.date_formats and key in traits.date_fields and isinstance(item, str) and item:
            out[key] = _reformat(a, traits, item, serial)
        else:
            out[key] = _rewrite_json(a, traits, item, serial)
    if a.extra_fields:
        out[_EXTRA_KEY] = {"note": "a field added in a later API version", "list": [1, "two"]}
    return out


_ELEMENT = re.compile(rb"<([A-Za-z][\w.-]*)>([^<]*)</\1>|<([A-Za-z][\w.-]*)/>")
_OPEN = re.compile(rb"<([A-Za-z][\w.-]*)(\s[^<>]*)?>(?=<)")


def _rewrite_xml(a: VendorAdversary, traits: WireTraits, body: bytes) -> bytes:
    serial = [0]

    def leaf(match: re.Match[bytes]) -> bytes:
        name = (match.group(1) or match.group(3)).decode()
        if a.missing_optional and name in traits.optional_fields:
            return b""
        if a.date_formats and name in traits.date_fields and match.group(2):
            new = _reformat(a, traits, match.group(2).decode(), serial)
            return f"<{name}>{new}</{name}>".encode()
        return match.group(0)

    body = _ELEMENT.sub(leaf, body)
    if a.extra_fields:
        body = _OPEN.sub(_with_extra, body)
    return body


_EXTRA_ELEMENT = f"<{_EXTRA_KEY}><Note>added in a later version</Note></{_EXTRA_KEY}>".encode()


def _with_extra(match: re.Match[bytes]) -> bytes:
    """An unknown element as the first child of an element that holds elements."""
    return match.group(0) + _EXTRA_ELEMENT


def chunked(body: bytes, size: int = 512) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


__all__ = [
    "BEHAVIOURS",
    "LINKS",
    "NUMBERED",
    "UNPAGED",
    "Adversary",
    "VendorAdversary",
    "Window",
    "WireTraits",
    "chunked",
    "expressible",
]
