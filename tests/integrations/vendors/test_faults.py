"""Every vendor against the simulator's fault injection, over real HTTP on localhost."""

from __future__ import annotations

import dataclasses

import pytest

from integrations.pms import (
    CredentialRejected,
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    VendorUnavailable,
)

VENDORS = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")
ALL = ["1001", "1002", "1003"]

each_vendor = pytest.mark.parametrize("vendor", VENDORS)


@each_vendor
def test_retries_5xx_then_succeeds(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"status_5xx": 2})
    assert len(sim_connector(vendor).fetch_units("1001")) > 100
    # Equal jitter at 0: half of 1s, then half of 2s.
    assert sleeps.calls == [0.5, 1.0]


@each_vendor
def test_retries_exhausted_names_vendor_and_call(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"status_5xx": 50})
    with pytest.raises(VendorUnavailable) as caught:
        sim_connector(vendor).list_properties()
    assert len(sleeps.calls) == 3  # four attempts in all
    error = caught.value
    assert error.call and error.call in str(error)
    assert error.vendor in str(error)
    assert "the sync will retry on its own" in str(error)


@each_vendor
def test_429_honours_retry_after(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"rate_limit": 2, "retry_after": 7})
    assert sim_connector(vendor).list_properties()
    assert sleeps.calls == [7.0, 7.0]


@each_vendor
def test_429_exhausted_is_rate_limited_with_the_wait(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"rate_limit": 50, "retry_after": 3})
    with pytest.raises(RateLimited) as caught:
        sim_connector(vendor).list_properties()
    assert caught.value.retry_after == 3
    assert sleeps.calls == [3.0, 3.0, 3.0]


@each_vendor
def test_retry_after_beyond_the_cap_is_not_slept(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"rate_limit": 1, "retry_after": 3600})
    with pytest.raises(RateLimited) as caught:
        sim_connector(vendor).list_properties()
    assert caught.value.retry_after == 3600
    assert sleeps.calls == []


@each_vendor
def test_truncated_page_fails_the_whole_fetch(vendor, sim, sim_connector):
    # Given the second resident page will be cut half-way
    sim.state.faults.set(vendor, {"truncated_page": 2})
    seen = []
    # When the fetch streams through the properties
    with pytest.raises(MalformedResponse):
        for page in sim_connector(vendor).fetch_residents(ALL):
            seen.append(page)
    # Then pages before the cut arrived, but the fetch raised rather than ending quietly
    assert seen


@each_vendor
def test_expired_credential_is_rejected_without_retry(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"expired_credential": True})
    with pytest.raises(CredentialRejected) as caught:
        sim_connector(vendor).check_credential()
    assert "Integrations → PMS credentials" in str(caught.value)
    assert sleeps.calls == []


@each_vendor
def test_malformed_body(vendor, sim, sim_connector, sleeps):
    sim.state.faults.set(vendor, {"malformed_body": 1})
    with pytest.raises(MalformedResponse) as caught:
        sim_connector(vendor).list_properties()
    assert "nothing was changed" in str(caught.value)


@each_vendor
def test_response_over_the_size_cap(vendor, sim, options):
    small = dataclasses.replace(options, max_response_bytes=4096)
    with pytest.raises(ResponseTooLarge):
        list(sim.connector(vendor, options=small).fetch_residents(ALL))


def test_slow_vendor_times_out_and_retries(sim, options, sleeps):
    # One vendor is enough: the timeout lives in the shared transport.
    vendor = "entrata"
    sim.state.faults.set(vendor, {"latency_ms": 400})
    hasty = dataclasses.replace(options, read_timeout=0.05, max_attempts=2)
    with pytest.raises(VendorUnavailable, match="ReadTimeout"):
        sim.connector(vendor, options=hasty).list_properties()
    assert len(sleeps.calls) == 1
