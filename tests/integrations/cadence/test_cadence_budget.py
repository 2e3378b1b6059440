"""The cadence sums: calls per full sync per vendor, the share of the vendor's rate limit a
cadence uses (all of a credential's integrations together), and which cadences fit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.cadence import (
    CADENCE_CHOICES,
    CADENCE_SHARE,
    DEFAULT_INTERVAL_MINUTES,
    Scheduled,
    SyncSize,
    budget_use,
    limit_phrase,
    sync_calls,
)
from integrations.pms.registry import VENDORS
from integrations.pms.vendor import RateLimit


@pytest.mark.parametrize(
    ("vendor", "size", "calls"),
    [
        # GetResidents + GetUnitInformation per property
        ("yardi", SyncSize(properties=3, records=900), 6),
        ("yardi", SyncSize(properties=3, records=900, units=False), 3),
        # getLeases: 1,200 leases a property = 3 pages of 500 + the empty page; + units
        ("entrata", SyncSize(properties=2, records=2400), 2 * (3 + 1 + 1)),
        ("entrata", SyncSize(properties=1, records=0), 1 + 1 + 1),
        # 700 a property = 3 pages of 300, residents and rent roll each
        ("mri", SyncSize(properties=2, records=1400), 2 * 3 * 2),
        # one tenant_directory for all (its next pages are not counted) + unit_directory each
        ("appfolio", SyncSize(properties=20, records=10_000), 1 + 20),
        ("realpage", SyncSize(properties=4, records=100), 8),
        # a vendor not in the table: pages of 100 + units, per property
        ("newvendor", SyncSize(properties=2, records=500), 2 * (3 + 1)),
        ("yardi", SyncSize(properties=0, records=0), 0),
    ],
)
def test_calls_per_full_sync(vendor, size, calls):
    assert sync_calls(vendor=vendor, size=size) == calls


def test_every_vendor_declares_its_limits_with_a_source():
    for info in VENDORS.values():
        assert info.rate_limits, info.code
        for limit in info.rate_limits:
            assert limit.source, (info.code, limit)
            assert limit.scope in ("credential", "property")


def test_a_small_portfolio_fits_every_five_minutes_at_every_vendor():
    size = SyncSize(properties=5, records=1500)
    for vendor in VENDORS:
        use = budget_use(vendor=vendor, size=size, interval_minutes=5)
        assert use.allowed, (vendor, use)


def test_the_default_cadence_fits_a_typical_portfolio():
    size = SyncSize(properties=20, records=6000)
    for vendor in ("yardi", "entrata", "mri", "appfolio", "realpage"):
        assert budget_use(
            vendor=vendor, size=size, interval_minutes=DEFAULT_INTERVAL_MINUTES
        ).allowed


def test_a_large_yardi_credential_is_held_to_a_longer_cadence():
    # 200 PMS properties: 400 calls a sync against the 1,500-an-hour default
    size = SyncSize(properties=200, records=60_000)
    shares = {m: budget_use(vendor="yardi", size=size, interval_minutes=m) for m in CADENCE_CHOICES}
    assert {m: use.percent for m, use in shares.items()} == {5: 320, 15: 107, 30: 54, 60: 27}
    assert [m for m, use in shares.items() if use.allowed] == [30, 60]
    assert shares[15].limit == RateLimit(1500, 3600, source=shares[15].limit.source)


def test_integrations_sharing_a_credential_share_its_limit():
    # 60 PMS properties (120 calls a sync) every 15 minutes: 32% of 1,500 calls an hour
    size = SyncSize(properties=60, records=18_000)
    alone = budget_use(vendor="yardi", size=size, interval_minutes=15)
    assert alone.allowed and alone.percent == 32
    # With two more properties of the credential at the same size and cadence: 96%, over
    other = Scheduled(calls=120, interval_minutes=15)
    together = budget_use(vendor="yardi", size=size, interval_minutes=15, others=[other, other])
    assert together.percent == 96 and not together.allowed
    assert together.own_percent == 32


def test_appfolio_is_held_by_its_seven_calls_per_fifteen_seconds():
    use = budget_use(vendor="appfolio", size=SyncSize(properties=20, records=0), interval_minutes=5)
    # 21 calls per 300 s = 1.05 per 15 s, of 7
    assert use.percent == 15
    assert limit_phrase(use.limit) == "7 calls per 15 seconds"


def test_limit_phrases():
    assert limit_phrase(RateLimit(150, 60)) == "150 calls a minute"
    assert limit_phrase(RateLimit(1000, 3600)) == "1,000 calls an hour"
    assert limit_phrase(RateLimit(15000, 86400)) == "15,000 calls a day"
    assert limit_phrase(RateLimit(1, 60, scope="property")) == "1 calls a minute per PMS property"


@given(
    vendor=st.sampled_from(sorted(VENDORS)),
    properties=st.integers(min_value=1, max_value=500),
    records=st.integers(min_value=0, max_value=200_000),
    others=st.lists(
        st.builds(
            Scheduled,
            calls=st.integers(min_value=0, max_value=2000),
            interval_minutes=st.sampled_from(CADENCE_CHOICES),
        ),
        max_size=4,
    ),
)
def test_a_longer_cadence_never_costs_more_and_what_fits_stays_fitting(
    vendor, properties, records, others
):
    size = SyncSize(properties=properties, records=records)
    uses = [
        budget_use(vendor=vendor, size=size, interval_minutes=m, others=others)
        for m in CADENCE_CHOICES
    ]
    shares = [use.share for use in uses]
    assert shares == sorted(shares, reverse=True)
    allowed = [use.share <= CADENCE_SHARE for use in uses]
    # Once a cadence fits, every longer one fits too
    assert allowed == sorted(allowed)
