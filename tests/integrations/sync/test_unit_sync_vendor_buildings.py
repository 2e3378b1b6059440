"""Buildings the vendor names on a unit survive Unit Sync, read off the simulator's public
wire shapes (Yardi: GetUnitInformation Unit/BuildingName; MRI: rent roll BuildingID)."""

from __future__ import annotations

import pytest

from integrations.models import PMSUnit
from integrations.unit_mapping import pms_units_refresh
from tests.integrations.sync.conftest import credential_create, integration_create


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", ["yardi", "mri"])
def test_pms_units_keep_the_vendors_building(vendor, org_a, prop_a, sim):
    integration = integration_create(prop_a, credential_create(org_a, sim, vendor), ["1001"])
    truth = sim.state.dataset.units_of("1001")

    pms_units_refresh(integration=integration)

    rows = list(PMSUnit.objects.filter(integration=integration).values_list("building", "name"))
    assert len(rows) == len(truth)
    assert {building for building, _ in rows} == {u.building for u in truth}
    if vendor == "mri":
        # MRI numbers units per building: 101 of building A and 101 of building B stay two.
        assert {("A", "101"), ("B", "101")} <= set(rows)
        labels = {u.label for u in PMSUnit.objects.filter(integration=integration)}
        assert {"A 101", "B 101"} <= labels
    else:
        assert set(rows) == {(u.building, u.name) for u in truth}
