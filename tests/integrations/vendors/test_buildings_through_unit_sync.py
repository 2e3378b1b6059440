"""Buildings named by the vendor reach Unit Sync: Entrata's buildingName and RealPage's
BuildingID (or BuildingName from unitlist) keep unit "101" of two buildings apart, from the
public-shape fixtures through the connector into the PMS units doorsync stores."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

from integrations.models import PMSIntegration, PMSUnit
from integrations.sync.unit_sync import pms_units_apply
from tests.integrations.vendors.public_shapes import Replay, fixture_path, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop_a,
        pms_property_ids=["100123"],
        pms_property_names={"100123": "Harborline Flats"},
        user_sync_enabled=True,
        unit_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


def stored(integration: PMSIntegration) -> list[tuple[str, str, str]]:
    return sorted(
        PMSUnit.objects.filter(integration=integration).values_list(
            "external_id", "building", "name"
        )
    )


def test_entrata_buildings_are_kept(mock_connector, integration):
    handler = Replay([load("entrata", "get_property_units.json")], ignore={"requestId"})
    units = mock_connector("entrata", handler).fetch_units("100123")
    pms_units_apply(run=None, integration=integration, units=units)
    assert stored(integration) == [
        ("5001", "Building A", "101"),
        ("5002", "Building B", "101"),
        ("5003", "Building A", "102-A"),
    ]


def test_realpage_buildings_are_kept(mock_connector, integration):
    answer = fixture_path("realpage", "getunitlist.response.xml").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"Content-Type": "text/xml"})

    units = mock_connector("realpage", handler).fetch_units("5230176")
    pms_units_apply(run=None, integration=integration, units=units)
    assert stored(integration) == [("3001", "1", "101"), ("3002", "2", "101"), ("3003", "2", "214")]
