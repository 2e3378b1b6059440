"""The audit log: one app every feature writes to; actions are named in code."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from audit.services import access_event_build, access_event_record

pytestmark = pytest.mark.django_db


def test_an_action_not_named_in_code_is_refused_before_anything_is_written(prop_a, alice):
    with pytest.raises(ValueError, match="Unknown audit action 'key_borrowed'"):
        access_event_record(
            property=prop_a, actor=alice, action="key_borrowed", subject="Lent the key"
        )
    assert not AccessEvent.objects.exists()


def test_actions_are_not_database_choices(prop_a, alice):
    # A new action is a line in AccessEvent.Action: the field has no choices a migration
    # would have to follow.
    assert AccessEvent._meta.get_field("action").choices is None
    event = access_event_record(
        property=prop_a, actor=alice, action=AccessEvent.Action.KEY_GRANTED, subject="x"
    )
    assert event.action_label() == "Key granted"
    assert str(event) == "Key granted: x"
    assert (
        access_event_build(
            property=prop_a, actor=None, action=AccessEvent.Action.KEY_REVOKED, subject="y"
        ).actor_label
        == "automation"
    )


def test_rows_are_append_only(prop_a, alice):
    event = access_event_record(
        property=prop_a, actor=alice, action=AccessEvent.Action.KEY_GRANTED, subject="x"
    )
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
