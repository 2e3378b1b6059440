"""The full-sync interval: set by a service (audited, checked) and by support in admin; a
changes run happens only between two full ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AccessEvent
from integrations.sync.cursors import integration_set_full_sync_interval

pytestmark = pytest.mark.django_db


def test_the_service_sets_it_audited(integration, alice):
    integration_set_full_sync_interval(integration=integration, minutes=1440, actor=alice)
    integration.refresh_from_db()
    assert integration.full_sync_interval_minutes == 1440
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert event.subject == "Full sync every 1440 minutes (was 60)"
    # The same value again changes nothing and records nothing
    integration_set_full_sync_interval(integration=integration, minutes=1440, actor=alice)
    assert AccessEvent.objects.count() == 1


@pytest.mark.parametrize("bad", [4, 0, -60, "60", None, True])
def test_a_bad_interval_says_why_and_changes_nothing(integration, alice, bad):
    with pytest.raises(ValidationError, match="at least 5 minutes"):
        integration_set_full_sync_interval(integration=integration, minutes=bad, actor=alice)
    integration.refresh_from_db()
    assert integration.full_sync_interval_minutes == 60
    assert not AccessEvent.objects.exists()
