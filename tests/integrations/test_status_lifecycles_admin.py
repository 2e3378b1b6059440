"""Support maps the lease statuses doorsync does not know to a lifecycle, per integration,
in Django admin (issue 12 d): checked (an object of status → lifecycle, only statuses the
vendor's vocabulary does not list), audited, and applied by the next sync."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from integrations.models import PMSRecord, SyncAlert
from integrations.sync.alerts import sync_alert_resolve
from integrations.sync.statuses import status_lifecycles_check
from tests.integrations.test_integration_admin_settings import (
    audit,
    credential,  # noqa: F401 - fixture
    errors,
    form_data,
    integration,  # noqa: F401 - fixture
    url,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["Old"], "as an object"),
        ("Old", "as an object"),
        ({"Old": "gone"}, "Map “Old” to one of: applicant, future, current"),
        ({"Old": 3}, "Map “Old” to one of"),
        ({"": "past"}, "is not a lease status"),
        ({"Current": "past"}, "“Current” is a status doorsync already knows"),
        ({"canceled ": "past"}, "already knows for this PMS (as “Canceled”)"),
        ({"Old": "past", " old": "past"}, "are the same status"),
    ],
)
def test_malformed_mappings_are_refused_naming_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as caught:
        status_lifecycles_check(value, vendor="yardi")
    assert message in " ".join(caught.value.messages)


def test_a_mapping_is_trimmed_and_lower_cased():
    assert status_lifecycles_check({" Old  Lease ": " PAST"}, vendor="yardi") == {
        "Old Lease": "past"
    }


def test_support_maps_a_status_in_admin_audited_and_re_applied(support_client, integration):  # noqa: F811
    PMSRecord.objects.create(
        integration=integration, external_id="t1", pms_property_id="1001", data_hash="abc",
        first_seen_at="2026-01-01T00:00Z", last_seen_at="2026-01-01T00:00Z",
    )  # fmt: skip
    response = support_client.post(
        url(integration),
        form_data(integration, status_lifecycles=json.dumps({"Old": "past"})),
    )
    assert response.status_code == 302, errors(response)
    integration.refresh_from_db()
    assert integration.status_lifecycles == {"Old": "past"}
    assert audit()[-1] == "Unknown lease statuses mapped: Old → past"
    # The next sync looks at every record again, unchanged PMS data included.
    assert PMSRecord.objects.get(external_id="t1").data_hash == ""


def test_a_bad_mapping_in_admin_changes_nothing(support_client, integration):  # noqa: F811
    response = support_client.post(
        url(integration),
        form_data(integration, status_lifecycles=json.dumps({"Current": "past"})),
    )
    assert "already knows" in " ".join(errors(response)["status_lifecycles"])
    integration.refresh_from_db()
    assert integration.status_lifecycles == {}


def test_managers_cannot_resolve_an_unknown_status_alert(integration, alice):  # noqa: F811
    alert = SyncAlert.objects.create(
        integration=integration, kind=SyncAlert.Kind.UNKNOWN_STATUS, external_id="status:Old"
    )
    with pytest.raises(ValidationError, match="Support settles this alert in admin"):
        sync_alert_resolve(alert=alert, resolution="ignore", actor=alice)
