"""The transport takes budget before every request and tells the budget what the vendor
said: Retry-After and exhausted limit headers hold the credential for every worker."""

from __future__ import annotations

import httpx
import pytest

from integrations.pms.budget import CallBudget, LocalBudgetStore, exhausted_for
from integrations.pms.errors import BudgetExhausted, RateLimited
from integrations.pms.http import HttpOptions, HttpTransport
from integrations.pms.vendor import RateLimit

URL = "https://pms.example.com/api"
# Entrata's limit headers, as a live API sent them (noclocks/gmhleasr, Entrata headers).
ENTRATA_OK = {
    "X-RateLimit-Limit": "15000/DAY;1000/HOUR;150/MINUTE",
    "X-RateLimit-Remaining": "14996/DAY;999/HOUR;149/MINUTE",
    "X-RateLimit-Reset": "36686;686;26",
}
ENTRATA_MINUTE_SPENT = {**ENTRATA_OK, "X-RateLimit-Remaining": "14850/DAY;850/HOUR;0/MINUTE"}


def transport(handler, clock, budget: CallBudget | None, **overrides) -> HttpTransport:
    options = HttpOptions(
        sleep=clock.sleep,
        clock=clock,
        jitter=lambda: 0.0,
        transport=httpx.MockTransport(handler),
        budget=budget,
        **overrides,
    )
    return HttpTransport(vendor="Acme PMS", options=options)


TWO_A_MINUTE = (RateLimit(2, 60),)


def budget_of(store, clock, name, limits=TWO_A_MINUTE, max_wait=120.0) -> CallBudget:
    return CallBudget(name=name, limits=limits, store=store, clock=clock, max_wait=max_wait)


def test_every_request_takes_budget_before_it_is_sent(store, clock, name):
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        return httpx.Response(200, content=b"ok")

    http = transport(handler, clock, budget_of(store, clock, name))
    for _ in range(3):
        http.request("GET", URL, call="getResidents")
    # 2 calls a minute: the third was sent a minute after the first, not burned on a 429
    assert sent == [sent[0], sent[0], sent[0] + 60]
    assert clock.slept == [60.0]


def test_streamed_requests_take_budget_too(store, clock, name):
    http = transport(
        lambda r: httpx.Response(200, content=b"<x/>"), clock, budget_of(store, clock, name)
    )
    for _ in range(3):
        with http.stream("POST", URL, call="GetResidents") as body:
            body.read()
    assert clock.slept == [60.0]


def test_a_retry_takes_budget_again(store, clock, name):
    answers = iter([httpx.Response(503), httpx.Response(200, content=b"ok")])
    http = transport(
        lambda r: next(answers),
        clock,
        budget_of(store, clock, name, limits=(RateLimit(10, 60),)),
    )
    http.request("GET", URL, call="ping")
    assert [used for _limit, used in http.options.budget.usage()] == [2]  # type: ignore[union-attr]


def test_a_call_the_vendor_does_not_count_takes_no_budget(store, clock, name):
    http = transport(lambda r: httpx.Response(200), clock, budget_of(store, clock, name))
    for _ in range(5):
        http.request("POST", URL, call="tenant_directory.json", budgeted=False)
    assert clock.slept == []


def test_a_wait_past_the_maximum_raises_budget_exhausted_without_sending(store, clock, name):
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(1)
        return httpx.Response(200)

    http = transport(handler, clock, budget_of(store, clock, name, max_wait=30))
    http.request("GET", URL, call="getLeases")
    http.request("GET", URL, call="getLeases")
    with pytest.raises(BudgetExhausted) as raised:
        http.request("GET", URL, call="getLeases")
    assert len(sent) == 2
    assert raised.value.retry_after == pytest.approx(60.0)
    assert isinstance(raised.value, RateLimited)  # every RateLimited handler copes with it
    assert "keeping within Acme PMS's API rate limit (getLeases)" in str(raised.value)
    assert "the sync will retry on its own then" in str(raised.value)


def test_retry_after_on_a_429_holds_the_credential_for_every_worker(store, clock, name):
    # Given one worker is answered 429 with Retry-After: 20
    answers = iter([httpx.Response(429, headers={"Retry-After": "20"}), httpx.Response(200)])
    first = transport(
        lambda r: next(answers), clock, budget_of(store, clock, name, limits=(RateLimit(100, 60),))
    )
    first.request("GET", URL, call="getLeases")
    assert clock.slept[0] == 20.0

    # Then another worker of the credential, starting within those 20 s, waits them out
    clock.now -= 15  # five seconds after the 429, seen from the other worker
    clock.slept.clear()
    second = transport(
        lambda r: httpx.Response(200),
        clock,
        budget_of(store, clock, name, limits=(RateLimit(100, 60),)),
    )
    second.request("GET", URL, call="getCustomers")
    assert clock.slept == [15.0]


def test_entrata_headers_with_a_spent_minute_hold_the_next_call(store, clock, name):
    answers = iter(
        [httpx.Response(200, headers=ENTRATA_MINUTE_SPENT), httpx.Response(200, headers=ENTRATA_OK)]
    )
    http = transport(
        lambda r: next(answers), clock, budget_of(store, clock, name, limits=(RateLimit(150, 60),))
    )
    http.request("POST", URL, call="getLeases")
    assert clock.slept == []
    # The minute's 0 left: the next call waits the 26 s to that window's reset, no 429
    http.request("POST", URL, call="getLeases")
    assert clock.slept == [26.0]


def test_a_503_with_retry_after_is_waited_as_asked(clock, name):
    answers = iter([httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(200)])
    http = transport(lambda r: next(answers), clock, budget_of(LocalBudgetStore(), clock, name))
    http.request("GET", URL, call="ping")
    # Slept once by the retry; the hold expired by then, so the budget did not wait again
    assert clock.slept == [7.0]


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        (ENTRATA_OK, None),
        (ENTRATA_MINUTE_SPENT, 26.0),
        ({**ENTRATA_OK, "X-RateLimit-Remaining": "0/DAY;0/HOUR;0/MINUTE"}, 36686.0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000090"}, 90.0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}, 12.0),
        # A 429's bare "0" against several windows: the shortest
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "36686;686;26"}, 26.0),
        ({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "12"}, None),
        ({"X-RateLimit-Remaining": "0"}, None),
        ({"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "12"}, None),
        ({}, None),
    ],
)
def test_exhausted_for_reads_entrata_and_plain_limit_headers(headers, wait):
    found = exhausted_for(httpx.Headers(headers), now=1_800_000_000.0)
    assert found == (pytest.approx(wait) if wait is not None else None)
