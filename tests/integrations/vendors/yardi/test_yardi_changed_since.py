"""Yardi's changed-since call (GetResidentsByDate): the request the public WSDL shows, its
answer mapped like GetResidents', and the simulator filtering by ModifiedSinceDate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import time_machine

from integrations.pms import Lifecycle
from integrations.vendors.yardi.client import CHANGES_METHOD, modified_since
from tests.integrations.vendors.yardi.test_yardi import (
    _body_shape,
    answering,
    fixture,
)

CURSOR = datetime(2024, 11, 15, 10, 42, tzinfo=UTC)


def test_the_request_is_the_public_one(mock_connector):
    seen: list[httpx.Request] = []
    answers = answering(GetResidentsByDate="get_residents_by_date.response.xml")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers(request)

    connector = mock_connector("yardi", handler)
    list(connector.fetch_residents_changed_since(["bayview"], CURSOR))
    (request,) = seen
    assert _body_shape(request.content) == _body_shape(fixture("get_residents_by_date.request.xml"))
    assert request.headers["SOAPAction"].strip('"').endswith("/" + CHANGES_METHOD)
    # 14 hours before the cursor, without offset: a superset whatever Voyager's zone.
    assert "<ModifiedSinceDate>2024-11-14T20:42:00</ModifiedSinceDate>" in request.content.decode()


def test_modified_since_covers_every_zone():
    for offset in range(-14, 15):
        zone_local = (CURSOR + timedelta(hours=offset)).replace(tzinfo=None)
        assert datetime.fromisoformat(modified_since(CURSOR)) <= zone_local


def test_the_answer_maps_like_get_residents(mock_connector):
    answers = answering(GetResidentsByDate="get_residents_by_date.response.xml")
    with time_machine.travel(date(2024, 11, 15), tick=False):
        pages = list(mock_connector("yardi", answers).fetch_residents_changed_since(
            ["bayview"], CURSOR))  # fmt: skip
    by_id = {r.external_id: r for page in pages for r in page.records}
    assert set(by_id) == {"t0100007", "t0100011", "r0100012"}
    moved_out = by_id["t0100007"]
    assert (moved_out.lifecycle, moved_out.move_out) == (Lifecycle.PAST, date(2024, 11, 14))
    assert by_id["r0100012"].email == "kemi.bello@example.net"
    # No public sample shows a modification time on these rows.
    assert all(r.modified_at is None for r in by_id.values())


def test_a_naive_cursor_is_refused(mock_connector):
    connector = mock_connector("yardi", answering())
    with pytest.raises(ValueError, match="aware"):
        list(connector.fetch_residents_changed_since(["bayview"], datetime(2024, 11, 15)))


def test_the_simulator_answers_only_leases_saved_since(sim_edits, sim_connector):
    dataset = sim_edits.state.dataset
    base = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)  # after every seeded stamp
    holder = next(
        r for r in dataset.residents_of("1001")
        if r.role.value == "primary" and r.lifecycle is Lifecycle.CURRENT
    )  # fmt: skip
    dataset.update(holder.id, {"lifecycle": "past", "move_out": "2030-12-31"}, at=base)
    connector = sim_connector("yardi")
    # 14 hours of margin: a cursor just after the edit still reads it (a superset)...
    found = [r for page in connector.fetch_residents_changed_since(
        ["1001"], base + timedelta(hours=1)) for r in page.records]  # fmt: skip
    assert {r.external_id for r in found} >= {f"t{holder.id:07d}"}
    # ...and one 15 hours later no longer does.
    later = [r for page in connector.fetch_residents_changed_since(
        ["1001"], base + timedelta(hours=15)) for r in page.records]  # fmt: skip
    assert later == []
