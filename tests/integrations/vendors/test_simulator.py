"""The PMS simulator: its data set, control API, editing page and CLI."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import pytest

from integrations.pms import Lifecycle, ResidentRole
from integrations.pms.http import CappedBody
from integrations.pms.normalize import normalize_email
from integrations.simulator import start_simulator
from integrations.simulator.data import generate
from integrations.simulator.vocab import serves

ROOT = Path(__file__).resolve().parents[3]


def test_same_seed_same_data():
    a = generate(residents=300, seed=3, today=date(2025, 6, 1))
    b = generate(residents=300, seed=3, today=date(2025, 6, 1))
    c = generate(residents=300, seed=4, today=date(2025, 6, 1))
    assert a.residents == b.residents and a.units == b.units
    assert a.residents != c.residents


def test_data_set_has_every_case_the_sync_must_handle():
    data = generate(residents=1200, seed=7, today=date(2025, 6, 1))
    people = list(data.residents.values())
    assert len(data.properties) == 3 and len(data.units) >= 300
    assert set(Counter(r.lifecycle for r in people)) == set(Lifecycle)
    assert set(Counter(r.role for r in people)) == set(ResidentRole)
    assert any(not r.email for r in people)
    emails = Counter(normalize_email(r.email) for r in people if normalize_email(r.email))
    assert max(emails.values()) == 2  # exactly the planted shared address
    assert any(r.email != r.email.strip().lower() and normalize_email(r.email) for r in people)
    assert any(r.mobile and r.home for r in people) and any(
        not r.mobile and not r.home for r in people
    )


def test_control_api_lists_edits_and_adds(sim_edits):
    base = sim_edits.url
    listed = httpx.get(f"{base}/_sim/residents", params={"property": "1002", "limit": 5}).json()
    assert listed["count"] > 100 and len(listed["results"]) == 5
    target = listed["results"][0]

    # Given a resident moved to notice and given a new address in the PMS
    changed = httpx.patch(
        f"{base}/_sim/residents/{target['id']}",
        json={"lifecycle": "notice", "email": "Moved.On@Example.com", "notice_date": "2025-01-02"},
    )
    assert changed.status_code == 200
    # When a vendor is read
    records = {
        r.external_id: r
        for page in sim_edits.connector("entrata").fetch_residents(["1002"])
        for r in page.records
    }
    # Then the change shows in its wire format
    seen = records[target["external_ids"]["entrata"]]
    assert seen.lifecycle is Lifecycle.NOTICE and seen.email == "moved.on@example.com"

    unit_id = httpx.get(f"{base}/_sim/units", params={"property": "1003"}).json()[0]["id"]
    created = httpx.post(
        f"{base}/_sim/residents",
        json={"unit_id": unit_id, "first_name": "New", "last_name": "Person",
              "email": "new.person@example.com", "lifecycle": "future", "lease_start": "2025-09-01"},
    )  # fmt: skip
    assert created.status_code == 201
    new = created.json()
    yardi = {
        r.external_id: r
        for page in sim_edits.connector("yardi").fetch_residents(["1003"])
        for r in page.records
    }
    assert yardi[new["external_ids"]["yardi"]].lifecycle is Lifecycle.FUTURE


def test_control_api_refuses_bad_input(sim):
    base = sim.url
    assert httpx.patch(f"{base}/_sim/residents/1", json={"salary": 1}).status_code == 400
    assert httpx.patch(f"{base}/_sim/residents/1", json={"lifecycle": "asleep"}).status_code == 400
    assert httpx.patch(f"{base}/_sim/residents/999999", json={"first_name": "x"}).status_code == 404
    assert httpx.post(f"{base}/_sim/residents", json={"first_name": "no unit"}).status_code == 400
    assert httpx.post(f"{base}/_sim/faults", json={"vendor": "propertyware"}).status_code == 400
    assert (
        httpx.post(f"{base}/_sim/faults", json={"vendor": "mri", "gremlins": 1}).status_code == 400
    )


def test_faults_and_reset(sim_edits):
    base = sim_edits.url
    set_ = httpx.post(
        f"{base}/_sim/faults", json={"vendor": "mri", "status_5xx": 3, "latency_ms": 5}
    )
    assert set_.json()["status_5xx"] == 3
    assert httpx.get(f"{base}/_sim/faults").json()["mri"]["latency_ms"] == 5
    httpx.patch(f"{base}/_sim/residents/1", json={"first_name": "Changed"})
    assert httpx.post(f"{base}/_sim/reset").json()["reset"] is True
    assert httpx.get(f"{base}/_sim/faults").json()["mri"]["status_5xx"] == 0
    first = httpx.get(f"{base}/_sim/residents", params={"limit": 1}).json()["results"][0]
    assert first["first_name"] != "Changed"


def test_html_page_lists_and_its_form_saves(sim_edits):
    base = sim_edits.url
    page = httpx.get(f"{base}/", params={"property": "1001", "edit": "1"})
    assert page.status_code == 200 and "<form" in page.text and "Edit resident 1" in page.text
    form = {"id": "1", "property": "1001", "first_name": "Formy", "last_name": "McForm",
            "email": "formy@example.com", "lifecycle": "past", "role": "primary",
            "unit_id": str(sim_edits.state.dataset.residents[1].unit_id), "move_out": "2025-05-31"}  # fmt: skip
    saved = httpx.post(f"{base}/_sim/form", data=form)
    assert saved.status_code == 303 and "Saved+resident+1" in saved.headers["location"]
    assert sim_edits.state.dataset.residents[1].lifecycle is Lifecycle.PAST
    added = httpx.post(f"{base}/_sim/form", data={**form, "id": ""})
    assert "Added+resident" in added.headers["location"]


def test_cli_starts_and_serves():
    process = subprocess.Popen(
        [sys.executable, "-m", "integrations.simulator", "--port", "0", "--residents", "50"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PMS simulator listening on http://127.0.0.1:")
        url = line.split()[4]
        assert httpx.get(f"{url}/_sim/residents").json()["count"] == 50
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def big_simulator():
    with start_simulator(residents=15000, seed=11) as sim:
        yield sim


def test_large_answers_stream_instead_of_being_built_whole(big_simulator, monkeypatch):
    # The simulator side: an unpaginated Yardi answer goes out in chunks.
    connector = big_simulator.connector("yardi")
    with httpx.stream(
        "POST",
        connector.client.endpoint,
        content=connector.client._envelope("GetResidents", (("YardiPropertyId", "1001"),)),
        headers={"Content-Type": "text/xml"},
    ) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        size = sum(len(chunk) for chunk in response.iter_raw())
    assert size > 1_000_000

    # The connector side: the first page of records is out before half the answer has
    # even been read — records flow off the socket instead of after a full download.
    opened: list[CappedBody] = []
    real_init = CappedBody.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(CappedBody, "__init__", recording_init)
    pages = connector.fetch_residents(["1001"])
    first = next(pages)
    assert len(first.records) >= 500
    assert opened[0].bytes_read < size / 2, f"{opened[0].bytes_read:,} of {size:,} bytes read"
    rest = sum(len(page.records) for page in pages)
    listed = [r for r in big_simulator.state.dataset.residents_of("1001") if serves("yardi", r)]
    assert len(first.records) + rest == len(listed)
