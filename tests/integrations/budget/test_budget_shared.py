"""One credential's budget is shared by every worker: two limiter instances (two workers)
against one store take from the same windows, and what the vendor says holds both."""

from __future__ import annotations

import threading

import pytest

from integrations.pms.budget import BudgetWait, CallBudget
from integrations.pms.vendor import RateLimit

THREE_PER_10S = (RateLimit(3, 10),)


def worker(store, clock, name, limits=THREE_PER_10S, max_wait=120.0) -> CallBudget:
    return CallBudget(name=name, limits=limits, store=store, max_wait=max_wait, clock=clock)


def test_two_workers_share_one_window(store, clock, name):
    # Given two workers of one credential allowed 3 calls per 10 s between them
    first, second = worker(store, clock, name), worker(store, clock, name)

    # When they make 4 calls at once
    first.take(sleep=clock.sleep)
    second.take(sleep=clock.sleep)
    first.take(sleep=clock.sleep)
    assert clock.slept == []
    second.take(sleep=clock.sleep)

    # Then the fourth waits until the first call leaves the window, whoever made it
    assert clock.slept == [10.0]


def test_calls_spread_out_keep_within_the_window(store, clock, name):
    budget = worker(store, clock, name)
    for _ in range(3):
        budget.take(sleep=clock.sleep)
        clock.now += 4  # one call every 4 s: at most 3 in any 10 s
    budget.take(sleep=clock.sleep)
    # The window now holds the calls made 12, 8 and 4 s ago less the oldest: no wait
    assert clock.slept == []


def test_every_limit_must_allow_the_call(store, clock, name):
    limits = (RateLimit(2, 1), RateLimit(3, 60))
    budget = worker(store, clock, name, limits)
    for _ in range(3):
        budget.take(sleep=clock.sleep)
    # 2 a second: the third call waited a second; 3 a minute: the fourth waits the minute out
    assert clock.slept == [1.0]
    budget.take(sleep=clock.sleep)
    assert clock.slept == [1.0, 59.0]


def test_a_wait_longer_than_allowed_raises_and_takes_nothing(store, clock, name):
    first = worker(store, clock, name, max_wait=5)
    for _ in range(3):
        first.take(sleep=clock.sleep)
    with pytest.raises(BudgetWait) as waited:
        first.take(sleep=clock.sleep)
    assert waited.value.seconds == pytest.approx(10.0)
    assert clock.slept == []
    # Nothing was counted for the refused call: once the window passes, 3 fit again
    clock.now += 10
    for _ in range(3):
        first.take(sleep=clock.sleep)
    assert clock.slept == []


def test_a_hold_from_one_worker_makes_the_other_wait(store, clock, name):
    # Given the vendor told the first worker to wait 30 s (Retry-After, or no calls left)
    first, second = worker(store, clock, name), worker(store, clock, name)
    first.hold_for(30)
    # A shorter hold later never shortens it
    second.hold_for(5)

    # Then the second worker waits it out before its next call
    second.take(sleep=clock.sleep)
    assert clock.slept == [30.0]


def test_credentials_do_not_share_a_budget(store, clock, name):
    mine, theirs = worker(store, clock, name), worker(store, clock, name + "-other")
    for _ in range(3):
        mine.take(sleep=clock.sleep)
    theirs.take(sleep=clock.sleep)
    assert clock.slept == []


def test_per_property_limits_count_each_property_apart(store, clock, name):
    limits = (RateLimit(1, 60, scope="property"), RateLimit(100, 60))
    budget = worker(store, clock, name, limits)
    budget.take(sleep=clock.sleep, scope="leases:100")
    budget.take(sleep=clock.sleep, scope="leases:200")
    assert clock.slept == []
    budget.take(sleep=clock.sleep, scope="leases:100")
    assert clock.slept == [60.0]


def test_usage_reports_the_calls_in_each_window(store, clock, name):
    budget = worker(store, clock, name, (RateLimit(10, 60), RateLimit(100, 3600)))
    for _ in range(4):
        budget.take(sleep=clock.sleep)
    clock.now += 61
    budget.take(sleep=clock.sleep)
    assert [(limit.calls, used) for limit, used in budget.usage()] == [(10, 1), (100, 5)]


def test_racing_workers_never_take_more_than_the_limit(store, clock, name):
    """Twelve workers at the same instant, each with its own limiter: exactly three get
    a call (the check and the count are one atomic step in the store)."""
    taken: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def one() -> None:
        budget = worker(store, clock, name, max_wait=0.5)
        start.wait()
        try:
            budget.take(sleep=lambda _s: None)
            ok = True
        except BudgetWait:
            ok = False
        with lock:
            taken.append(ok)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 3
