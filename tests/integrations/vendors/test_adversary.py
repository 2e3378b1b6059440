"""The adversarial PMS matrix: every vendor and every behaviour of the simulator's
adversarial mode (integrations/simulator/adversary.py), over real HTTP. The fetch returns
exactly the PMS's records, or fails whole with a named error (a PMSError subclass) that
names the vendor and the call — never a partial read."""

from __future__ import annotations

import json
from collections import Counter
from urllib.request import Request, urlopen

import pytest

from integrations.pms import VENDORS, PMSError
from integrations.pms.normalize import normalize_email, normalize_phone
from integrations.pms.pages import PagesDisagree
from integrations.simulator.adversary import BEHAVIOURS, expressible
from integrations.simulator.vocab import as_served, external_id, raw_status, serves, wire

from .conftest import PROPERTY_IDS, VENDOR_CODES, SleepRecorder

# Each behaviour as the matrix switches it on. Paging behaviours come with a small page
# cap so that every paged vendor serves several pages.
SETTINGS: dict[str, dict[str, object]] = {
    "page_cap": {"page_cap": 11},
    "last_page_full": {"last_page_full": True},
    "last_page_full_capped": {"last_page_full": True, "page_cap": 20},
    "empty_pages": {"empty_pages": True, "page_cap": 25},
    "reordered": {"reordered": True, "page_cap": 25},
    "moving_record": {"moving_record": True, "page_cap": 25},
    "extra_fields": {"extra_fields": True},
    "missing_optional": {"missing_optional": True},
    "date_formats": {"date_formats": True},
    "error_200": {"error_200": 2},
    "slow_trickle": {"slow_trickle_ms": 40},
}
# Where the wire can express it, these make the pages disagree with each other: a record
# twice and another not at all. A reader must then fail whole.
MUST_FAIL_WHEN_PAGED = {"reordered", "moving_record"}


def test_the_matrix_covers_every_behaviour():
    switched = {name for settings in SETTINGS.values() for name in settings}
    assert switched == set(BEHAVIOURS)


def _truth(sim, vendor):
    return {
        external_id(vendor, r): as_served(vendor, r)
        for r in sim.state.dataset.residents.values()
        if serves(vendor, r) and r.property_id in PROPERTY_IDS
    }


def _check_exact(sim, vendor, records, *, contact_fields: bool) -> None:
    truth = _truth(sim, vendor)
    counts = Counter(r.external_id for r in records)
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(counts) == set(truth)
    for record in records:
        expected = truth[record.external_id]
        assert record.lifecycle is expected.lifecycle, record
        assert record.raw_status == raw_status(vendor, expected)
        assert record.role is expected.role
        assert (record.first_name, record.last_name) == (expected.first_name, expected.last_name)
        assert (record.lease_start, record.lease_end) == (expected.lease_start, expected.lease_end)
        assert (record.move_in, record.move_out) == (expected.move_in, expected.move_out)
        if contact_fields:
            assert record.email == normalize_email(expected.email)
            assert record.phone == (
                normalize_phone(expected.mobile) or normalize_phone(expected.home)
            )


@pytest.fixture
def sim_waits(sim, monkeypatch) -> SleepRecorder:
    """The simulator's waits (a slow trickle) recorded instead of slept."""
    recorder = SleepRecorder()
    monkeypatch.setattr(sim.state, "sleep", recorder)
    return recorder


@pytest.mark.parametrize("behaviour", sorted(SETTINGS))
@pytest.mark.parametrize("vendor", VENDOR_CODES)
def test_adversarial_matrix(sim, sim_connector, sim_waits, vendor, behaviour):
    settings = SETTINGS[behaviour]
    sim.state.adversary.set(vendor, settings)
    traits = wire(vendor).TRAITS
    can = expressible(traits)
    paged = {"page_cap", "moving_record"} <= can

    try:
        pages = list(sim_connector(vendor).fetch_residents(PROPERTY_IDS))
    except PMSError as error:
        # A named failure: a subclass, naming the vendor and the call.
        assert type(error) is not PMSError
        assert VENDORS[vendor].display_name.split()[0] in str(error) or error.vendor in str(error)
        assert error.call and error.call in str(error)
        if behaviour in MUST_FAIL_WHEN_PAGED and paged:
            assert isinstance(error, PagesDisagree), error
        else:
            assert behaviour == "error_200", f"{vendor} failed under {behaviour}: {error!r}"
        return

    assert not (behaviour in MUST_FAIL_WHEN_PAGED and paged), "a partial read passed"
    assert behaviour != "error_200", "an error answered with HTTP 200 was taken for data"
    records = [record for page in pages for record in page.records]
    assert [error for page in pages for error in page.errors] == []
    _check_exact(sim, vendor, records, contact_fields=behaviour != "missing_optional")
    if behaviour == "slow_trickle":
        assert len(sim_waits.calls) > 10 and set(sim_waits.calls) == {0.04}


@pytest.mark.parametrize("vendor", VENDOR_CODES)
def test_what_each_wire_can_express_is_declared(vendor):
    can = expressible(wire(vendor).TRAITS)
    assert {
        "extra_fields",
        "error_200",
        "slow_trickle_ms",
        "missing_optional",
        "date_formats",
    } <= can
    assert ("page_cap" in can) == (
        vendor in ("entrata", "mri", "appfolio", "buildium", "rentmanager")
    )


def test_the_page_cap_really_caps_pages(sim, sim_connector):
    sim.state.adversary.set("mri", {"page_cap": 7})
    pages = list(sim_connector("mri").fetch_residents(["1001"]))
    assert max(len(page.records) for page in pages) == 7
    listed = [r for r in sim.state.dataset.residents_of("1001") if serves("mri", r)]
    assert sum(len(page.records) for page in pages) == len(listed)


def _call(sim, method, path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = Request(sim.url + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urlopen(request, timeout=5) as response:  # noqa: S310 - the local simulator
        return json.loads(response.read())


def test_switchable_from_the_control_api(sim):
    settings = _call(
        sim, "POST", "/_sim/adversary", {"vendor": "entrata", "page_cap": 9, "reordered": True}
    )
    assert settings["page_cap"] == 9 and settings["reordered"] is True
    snapshot = _call(sim, "GET", "/_sim/adversary")
    assert snapshot["entrata"]["page_cap"] == 9
    assert "empty_pages" not in snapshot["entrata"]["expressible"]  # numbered pages
    assert "empty_pages" in snapshot["mri"]["expressible"]
    assert sim.state.adversary.settings("entrata").reordered


def test_switchable_from_the_page(sim):
    with urlopen(sim.url + "/", timeout=5) as response:  # noqa: S310
        html = response.read().decode()
    assert "Adversarial mode" in html and "action=/_sim/adversary" in html
    form = "vendor=appfolio&_form=1&page_cap=5&moving_record=on&error_200=0&slow_trickle_ms=0"
    request = Request(sim.url + "/_sim/adversary", data=form.encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urlopen(request, timeout=5) as response:  # noqa: S310 - follows the 303 to the page
        assert "Adversary for appfolio saved" in response.read().decode()
    settings = sim.state.adversary.settings("appfolio")
    assert settings.page_cap == 5 and settings.moving_record and not settings.reordered


def test_unknown_behaviours_are_refused(sim):
    with pytest.raises(ValueError, match="unknown behaviour"):
        sim.state.adversary.set("mri", {"flip_coins": True})
