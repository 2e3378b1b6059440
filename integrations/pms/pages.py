"""The pager contract every vendor client follows, and cutting unpaginated streams into pages.

A sync that takes a short page for the last one reads part of a property, succeeds, and
marks everyone it did not read "no longer in the PMS". So a pager never guesses the end
from a page's size. It follows what the vendor announces — a total, a page count, a link
or cursor to the next page — and when what arrived disagrees with the announcement (fewer
or more records than the total, a record on two pages, a total or page count that changes
between pages, a link that repeats) the whole fetch fails with `PagesDisagree`. Nothing of
a failed fetch is applied: the sync takes the complete snapshot before it writes anything.

Each client states, per page, what its vendor announced (`Announced`) and lets `Pager`
decide whether to read on; the vendor's specifics (where the total sits, what the link is
called) stay in the client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from integrations.pms.errors import MalformedResponse
from integrations.pms.fields import RecordProblem, text
from integrations.pms.http import HttpTransport
from integrations.pms.vendor import RawPage, Row

# Large enough to keep per-page overhead down, small enough that a consumer holding one
# page at a time stays small.
BATCH_SIZE = 500
# A vendor bug that keeps announcing more must not loop for ever.
MAX_PAGES = 10_000
# With nothing announced but "more", this many empty pages in a row end the fetch as a
# disagreement rather than a loop.
MAX_EMPTY_IN_A_ROW = 3


class PagesDisagree(MalformedResponse):
    """The pages the vendor sent disagree with what it announced about them."""

    def _compose(self) -> str:
        return (
            f"{self.vendor} sent pages that disagree with what it announced "
            f"({self.call}{self._detail_suffix()}) — nothing was changed. The next sync "
            "reads everything again; if this repeats, contact doorsync support with this "
            f"message (or ask {self.vendor} support whether the data changed during the read)."
        )


@dataclass(frozen=True, slots=True)
class Announced:
    """What the vendor said about the whole result on one page; None = it did not say."""

    # Records the whole result holds.
    total: int | None = None
    # Pages the whole result has.
    pages: int | None = None
    # The absolute link (or cursor) to the next page; "" when the vendor says there is none.
    # None when this vendor does not page by links.
    next: str | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page to read: its number (from 1) and, for link pagers, the link to it."""

    number: int
    link: str | None = None


# A client's "read this page": the rows it holds and what the vendor announced with them.
PageReader = Callable[[PageRequest], tuple[Sequence[Row], Announced]]
# Builds the PMSError the client's transport would (secrets redacted, vendor named).
ErrorFactory = Callable[[str], PagesDisagree]


class Pager:
    """Reads one paged call to the end the vendor announced, checking it on the way.

    `key` names a row (a lease id, a person id) so a row seen on two pages is caught;
    rows without a key are not checked (the mapping reports them). `size` is the page size
    asked for, used only when the vendor announces nothing at all: then a page is never
    taken for the last one unless it is empty.
    """

    def __init__(
        self,
        *,
        disagree: ErrorFactory,
        key: Callable[[Row], str] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self._disagree = disagree
        self._key = key
        self._max_pages = max_pages
        self._seen: set[str] = set()
        self.count = 0
        self._total: int | None = None
        self._pages: int | None = None
        self._links: set[str] = set()
        self._empty_in_a_row = 0

    @classmethod
    def of(
        cls, http: HttpTransport, call: str, *, key: Callable[[Row], str] | None = None
    ) -> Pager:
        """A pager whose errors come from `http` (vendor named, secrets redacted)."""

        def disagree(detail: str) -> PagesDisagree:
            return http.error(PagesDisagree, call=call, detail=detail)

        return cls(disagree=disagree, key=key)

    def read(self, reader: PageReader) -> Iterator[Sequence[Row]]:
        """Each non-empty page's rows; raises PagesDisagree (after the last page, if that is
        when it shows) when the pages and the announcements disagree."""
        request = PageRequest(1)
        while True:
            rows, announced = reader(request)
            self.take(rows, announced, number=request.number)
            if rows:
                yield rows
            following = self._next(request, rows, announced)
            if following is None:
                break
            request = following
        self.finish()

    def take(
        self, rows: Sequence[Row], announced: Announced = Announced(), *, number: int = 0
    ) -> None:
        """Count one page's rows and check them against what was announced so far."""
        for row in rows:
            name = self._key(row) if self._key else ""
            if name:
                if name in self._seen:
                    raise self._disagree(f"record {name} came twice (page {number or '?'})")
                self._seen.add(name)
        self.count += len(rows)
        self._total = self._same("total", self._total, announced.total, number)
        self._pages = self._same("page count", self._pages, announced.pages, number)
        if self._total is not None and self.count > self._total:
            raise self._disagree(
                f"{self.count} records by page {number}, but the total announced is {self._total}"
            )

    def finish(self) -> None:
        """The fetch is over: what was read must be what was announced."""
        if self._total is not None and self.count != self._total:
            raise self._disagree(
                f"{self.count} records read, but the total announced is {self._total}"
            )

    def _same(self, what: str, before: int | None, now: int | None, number: int) -> int | None:
        if now is None:
            return before
        if now < 0:
            raise self._disagree(f"a negative {what} ({now}) on page {number}")
        if before is not None and now != before:
            raise self._disagree(f"the {what} changed from {before} to {now} on page {number}")
        return now

    def _next(
        self, request: PageRequest, rows: Sequence[Row], announced: Announced
    ) -> PageRequest | None:
        """The page to read next, or None when the vendor's announcements say it is over."""
        self._empty_in_a_row = 0 if rows else self._empty_in_a_row + 1
        if announced.next is not None:
            # A link pager: a link means more, no link means the end (checked against any
            # total by finish()).
            if not announced.next:
                return None
            if announced.next == request.link or announced.next in self._links:
                raise self._disagree(f"the next-page link on page {request.number} repeats")
            self._links.add(announced.next)
            return self._bounded(PageRequest(request.number + 1, announced.next))
        if self._pages is not None:
            return (
                self._bounded(PageRequest(request.number + 1))
                if request.number < self._pages
                else None
            )
        if self._total is not None:
            if self.count >= self._total:
                return None
        elif not rows:
            # Nothing announced at all: only an empty page proves the end, since a server
            # may cap the page size below what was asked.
            return None
        if self._empty_in_a_row >= MAX_EMPTY_IN_A_ROW:
            raise self._disagree(
                f"{self._empty_in_a_row} empty pages in a row after {self.count} records, "
                f"with {self._total} announced"
            )
        return self._bounded(PageRequest(request.number + 1))

    def _bounded(self, request: PageRequest) -> PageRequest:
        if request.number > self._max_pages:
            raise self._disagree(f"more than {self._max_pages} pages")
        return request


def checked_stream(rows: Iterable[Row], pager: Pager) -> Iterator[Row]:
    """Rows of one unpaginated answer, each checked by `pager` (a record twice fails)."""
    for row in rows:
        pager.take((row,))
        yield row
    pager.finish()


def batched(
    rows: Iterable[Row], *, pms_property_id: str, size: int = BATCH_SIZE
) -> Iterator[RawPage]:
    """Pages of `size` rows cut from one unpaginated answer as it streams in."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield RawPage(tuple(batch), pms_property_id)
            batch = []
    if batch:
        yield RawPage(tuple(batch), pms_property_id)


def row_key(*names: str) -> Callable[[Row], str]:
    """A row's name from its fields (joined by "/"), or "" when one is missing or odd."""

    def key(row: Row) -> str:
        try:
            parts = [text(row, name) for name in names]
        except RecordProblem:
            return ""
        return "/".join(parts) if all(parts) else ""

    return key


def count_field(found: Mapping[str, Any], *names: str) -> int | None:
    """The first of `names` present in a vendor's paging object, as a whole number; None
    when none is; ValueError when it is there but not a whole number."""
    for name in names:
        value = found.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(f"{name} is not a whole number: {value!r}")
        return int(str(value).strip())
    return None
