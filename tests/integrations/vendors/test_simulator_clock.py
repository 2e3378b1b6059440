"""The simulator's PMS clock: every edit — through Dataset, the control API or the page's
form — stamps the record's last-modified time from an injectable clock (never the wall
clock in a test), or at a moment the caller names; a reset keeps the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from integrations.simulator.server import start_simulator

NOW = datetime(2030, 3, 1, 10, 42, tzinfo=UTC)


def test_edits_are_stamped_by_the_injected_clock_and_reset_keeps_it():
    ticks = iter(NOW + timedelta(seconds=n) for n in range(1000))
    with start_simulator(residents=40, seed=3, clock=lambda: next(ticks)) as sim:
        dataset = sim.state.dataset
        # Seeded records were modified at whole minutes before the clock's now, a lease's
        # people at one moment: timestamps collide
        seeded = [r.modified_at for r in dataset.residents.values()]
        assert all(m < NOW and m.second == 0 for m in seeded)
        assert len(set(seeded)) < len(seeded)
        edited = dataset.update(1, {"mobile": "(415) 555-0100"})
        assert edited.modified_at == NOW + timedelta(seconds=1)
        # The control page's form edits through the same path
        form = {"id": "2", "property": dataset.residents[2].property_id,
                "first_name": "Formy", "last_name": "McForm", "email": "formy@example.com",
                "lifecycle": "current", "role": "primary",
                "unit_id": str(dataset.residents[2].unit_id)}  # fmt: skip
        httpx.post(f"{sim.url}/_sim/form", data=form)
        assert dataset.residents[2].modified_at == NOW + timedelta(seconds=2)
        # A new clock from a benchmark, kept across a reset
        sim.state.clock = lambda: NOW + timedelta(days=1)
        httpx.post(f"{sim.url}/_sim/reset")
        assert sim.state.dataset.update(1, {"mobile": ""}).modified_at == NOW + timedelta(days=1)


def test_the_control_api_places_an_edit_at_a_named_moment():
    with start_simulator(residents=40, seed=3, clock=lambda: NOW) as sim:
        at = "2030-03-01T09:00:00.250000+00:00"
        moved = httpx.patch(f"{sim.url}/_sim/residents/1",
                            json={"lifecycle": "past", "modified_at": at})  # fmt: skip
        assert moved.status_code == 200
        assert sim.state.dataset.residents[1].modified_at == datetime.fromisoformat(at)
        assert moved.json()["modified_at"] == "2030-03-01T09:00:00.250000+00:00"
        created = httpx.post(f"{sim.url}/_sim/residents", json={
            "unit_id": sim.state.dataset.residents[1].unit_id, "first_name": "New",
            "modified_at": "2030-03-01T08:00:00+00:00"})  # fmt: skip
        assert created.status_code == 201
        assert created.json()["modified_at"] == "2030-03-01T08:00:00+00:00"
        # A time without its offset is refused, and changes nothing
        before = sim.state.dataset.residents[1]
        naive = httpx.patch(f"{sim.url}/_sim/residents/1",
                            json={"first_name": "X", "modified_at": "2030-03-01T09:00:00"})  # fmt: skip
        assert naive.status_code == 400 and "offset" in naive.json()["error"]
        assert sim.state.dataset.residents[1] == before
