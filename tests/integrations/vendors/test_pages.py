"""The pager contract (pms/pages.py): follow what the vendor announces; when the pages
disagree with it, fail the fetch whole with PagesDisagree — never a partial snapshot."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.pms import PMSError
from integrations.pms.pages import Announced, Pager, PageRequest, PagesDisagree


def _pager(key: str | None = "id") -> Pager:
    def disagree(detail: str) -> PagesDisagree:
        return PagesDisagree(vendor="Acme", call="getThings", detail=detail)

    return Pager(disagree=disagree, key=(lambda row: str(row.get(key, ""))) if key else None)


def _serve(pages: list[tuple[list[dict], Announced]]):
    asked: list[PageRequest] = []

    def read(request: PageRequest):
        asked.append(request)
        if request.number > len(pages):
            return [], Announced()
        return pages[request.number - 1]

    return read, asked


def rows(*ids: int) -> list[dict]:
    return [{"id": n} for n in ids]


def test_a_short_page_is_not_the_end_when_the_total_says_more():
    read, asked = _serve(
        [(rows(*range(8)), Announced(total=20)), (rows(*range(8, 16)), Announced(total=20)),
         (rows(16, 17, 18, 19), Announced(total=20))]
    )  # fmt: skip
    got = [row["id"] for page in _pager().read(read) for row in page]
    assert got == list(range(20))
    assert [r.number for r in asked] == [1, 2, 3]


def test_fewer_records_than_the_total_fail_whole():
    read, _ = _serve([(rows(*range(8)), Announced(total=20))])
    with pytest.raises(PagesDisagree, match=r"3 empty pages in a row after 8 records"):
        list(_pager().read(read))


def test_the_end_by_link_with_fewer_than_the_total_fails_after_the_last_page():
    read, _ = _serve([(rows(1, 2), Announced(total=3, next="https://x/2")),
                      (rows(3), Announced(total=3, next=""))])  # fmt: skip
    assert [row["id"] for page in _pager().read(read) for row in page] == [1, 2, 3]
    read, _ = _serve([(rows(1, 2), Announced(total=4, next="https://x/2")),
                      (rows(3), Announced(total=4, next=""))])  # fmt: skip
    with pytest.raises(PagesDisagree, match="3 records read, but the total announced is 4"):
        list(_pager().read(read))


def test_more_records_than_the_total_fail():
    read, _ = _serve([(rows(1, 2, 3), Announced(total=2))])
    with pytest.raises(PagesDisagree, match="3 records by page 1, but the total announced is 2"):
        list(_pager().read(read))


def test_a_record_on_two_pages_fails():
    read, _ = _serve([(rows(1, 2), Announced(pages=2)), (rows(2, 3), Announced(pages=2))])
    with pytest.raises(PagesDisagree, match="record 2 came twice"):
        list(_pager().read(read))


def test_a_total_or_page_count_that_changes_fails():
    read, _ = _serve([(rows(1), Announced(total=3)), (rows(2), Announced(total=2))])
    with pytest.raises(PagesDisagree, match="total changed from 3 to 2 on page 2"):
        list(_pager().read(read))
    read, _ = _serve([(rows(1), Announced(pages=3)), (rows(2), Announced(pages=4))])
    with pytest.raises(PagesDisagree, match="page count changed from 3 to 4"):
        list(_pager().read(read))


def test_page_count_is_followed_through_empty_pages():
    read, asked = _serve([(rows(1), Announced(pages=3)), ([], Announced(pages=3)),
                          (rows(2), Announced(pages=3))])  # fmt: skip
    assert [row["id"] for page in _pager().read(read) for row in page] == [1, 2]
    assert len(asked) == 3


def test_a_repeating_link_fails():
    read, _ = _serve(
        [(rows(1), Announced(next="https://x/2")), (rows(2), Announced(next="https://x/2"))]
    )
    with pytest.raises(PagesDisagree, match="link on page 2 repeats"):
        list(_pager().read(read))


def test_nothing_announced_reads_until_an_empty_page():
    read, asked = _serve([(rows(1, 2), Announced()), (rows(3), Announced())])
    assert [row["id"] for page in _pager().read(read) for row in page] == [1, 2, 3]
    assert [r.number for r in asked] == [1, 2, 3]


def test_rows_without_a_key_are_left_to_the_mapping():
    read, _ = _serve([([{"name": "a"}, {"name": "b"}], Announced(total=2))])
    assert sum(len(page) for page in _pager().read(read)) == 2


@settings(max_examples=150, deadline=None)
@given(
    total=st.integers(0, 60),
    cap=st.integers(1, 25),
    style=st.sampled_from(["total", "pages", "link", "none"]),
    empty_after=st.integers(0, 4),
)
def test_any_page_size_cap_reads_exactly_the_records(total, cap, style, empty_after):
    """A server capping the page size at anything, announcing in any of the ways, with an
    empty page slipped in: the read is exactly the records."""
    chunks = [list(range(i, min(i + cap, total))) for i in range(0, total, cap)]
    if 0 < empty_after < len(chunks) and style in ("pages", "link"):
        chunks.insert(empty_after, [])
    pages = []
    for number, chunk in enumerate(chunks, 1):
        announced = {
            "total": Announced(total=total),
            "pages": Announced(pages=len(chunks)),
            "link": Announced(next=f"https://x/{number + 1}" if number < len(chunks) else ""),
            "none": Announced(),
        }[style]
        pages.append((rows(*chunk), announced))
    if not pages:
        pages = [([], Announced(total=0) if style == "total" else Announced())]
    read, _ = _serve(pages)
    assert [row["id"] for page in _pager().read(read) for row in page] == list(range(total))


def test_pages_disagree_is_a_named_pms_error_naming_vendor_call_and_what_to_do():
    error = PagesDisagree(vendor="Entrata", call="getLeases", detail="8 records read, but 20")
    assert isinstance(error, PMSError)
    assert "Entrata" in str(error) and "getLeases" in str(error)
    assert "nothing was changed" in str(error) and "contact doorsync support" in str(error)


# -- the reported case: a server caps per_page -----------------------------------------


def _capped_entrata(total: int, cap: int, *, offset_by_asked: bool = False):
    """An Entrata getLeases that serves at most `cap` leases a page, whatever per_page
    asks, and announces pagination.total. With offset_by_asked it computes the offset from
    the per_page asked for (so page 2 is past the end) — a contract breach we must catch."""
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page_no = int(request.url.params["page_no"])
        per_page = int(request.url.params["per_page"])
        seen.append(page_no)
        start = (page_no - 1) * (per_page if offset_by_asked else cap)
        window = list(range(start, min(start + cap, total)))
        response: dict = {"code": 200, "pagination": {"total": total}}
        if window:
            response["result"] = {"leases": {"lease": [
                {"id": 9000 + n, "leaseIntervalStatus": "Current",
                 "customers": {"customer": [{"id": n, "customerType": "Primary", "firstName": "A"}]}}
                for n in window
            ]}}  # fmt: skip
        else:
            response["result"] = "No records found with mentioned preferences."
        return httpx.Response(200, content=json.dumps({"response": response}).encode())

    return handler, seen


def test_a_server_capping_per_page_is_read_to_the_announced_total(mock_connector):
    handler, seen = _capped_entrata(total=20, cap=8)
    pages = list(mock_connector("entrata", handler).fetch_residents(["300"]))
    assert sorted(int(r.external_id) for p in pages for r in p.records) == list(range(20))
    assert seen == [1, 2, 3]


def test_a_capped_server_that_skips_records_fails_whole_never_eight_of_twenty(mock_connector):
    handler, _ = _capped_entrata(total=20, cap=8, offset_by_asked=True)
    connector = mock_connector("entrata", handler)
    with pytest.raises(PagesDisagree) as caught:
        list(connector.fetch_residents(["300"]))
    assert "Entrata" in str(caught.value) and "getLeases" in str(caught.value)
    assert "8 records" in caught.value.detail and "20 announced" in caught.value.detail
