"""Adding and editing residents: validation, normalization, audit, unit moves."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from access.models import KeyGrant
from audit.models import AccessEvent
from residents.models import Resident, ResidentStatus
from residents.services import ResidentData, resident_create, resident_update
from tests.factories import UnitFactory
from units.services import unit_create

pytestmark = pytest.mark.django_db


def data(**overrides):
    base = {"first_name": "Dana", "last_name": "Reyes", "email": "dana@example.com"}
    return ResidentData(**{**base, **overrides})


def test_create_normalizes_email_and_phone(prop_a, alice):
    resident = resident_create(
        property=prop_a,
        data=data(email="  Dana.Reyes@Example.COM ", phone="(617) 555-0142"),
        actor=alice,
    )
    assert resident.email == "dana.reyes@example.com"
    assert resident.phone == "+16175550142"
    assert AccessEvent.objects.filter(
        resident=resident, action=AccessEvent.Action.RESIDENT_CREATED
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": "  "}, "first_name", "Enter the resident's first name."),
        ({"last_name": ""}, "last_name", "Enter the resident's last name."),
        ({"email": "dana-at-example"}, "email", "“dana-at-example” is not an email address."),
        ({"phone": "12"}, "phone", "“12” is not a valid phone number. Check the digits."),
        ({"phone": "call me"}, "phone", "is not a phone number"),
        (
            {"lease_start": date(2026, 5, 1), "lease_end": date(2026, 4, 1)},
            "lease_end",
            "The lease end is before the lease start.",
        ),
        (
            {"move_in": date(2026, 5, 1), "move_out": date(2026, 4, 1)},
            "move_out",
            "The move-out date is before the move-in date.",
        ),
    ],
)
def test_bad_input_names_the_problem_and_creates_nothing(prop_a, alice, overrides, field, message):
    with pytest.raises(ValidationError) as info:
        resident_create(property=prop_a, data=data(**overrides), actor=alice)
    assert field in info.value.message_dict
    assert any(message in m for m in info.value.message_dict[field])
    assert not Resident.objects.exists()
    assert not AccessEvent.objects.exists()


def test_unit_of_another_property_is_refused(prop_a, prop_b, alice):
    foreign = UnitFactory(property=prop_b)
    with pytest.raises(ValidationError) as info:
        resident_create(property=prop_a, data=data(unit_id=foreign.id), actor=alice)
    assert info.value.message_dict["unit"] == ["That unit is not at this property."]
    assert not Resident.objects.exists()


def test_create_as_current_gives_keys_at_once(prop_a, unit_a, alice):
    resident = resident_create(
        property=prop_a, data=data(unit_id=unit_a.id), status=ResidentStatus.CURRENT, actor=alice
    )
    assert resident.status == ResidentStatus.CURRENT
    assert KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).count() == 3


def test_update_without_changes_saves_nothing(prop_a, alice):
    resident = resident_create(property=prop_a, data=data(), actor=alice)
    assert resident_update(resident=resident, data=data(), actor=alice) is False
    assert AccessEvent.objects.filter(action=AccessEvent.Action.RESIDENT_UPDATED).count() == 0


def test_update_audits_the_changed_fields(prop_a, alice):
    resident = resident_create(property=prop_a, data=data(), actor=alice)
    assert resident_update(resident=resident, data=data(phone="617-555-0100"), actor=alice)
    event = AccessEvent.objects.get(action=AccessEvent.Action.RESIDENT_UPDATED)
    assert event.subject == "Dana Reyes updated (phone)"


def test_unit_change_while_current_moves_the_unit_key(prop_a, unit_a, alice):
    # Given a current resident of 12B
    resident = resident_create(
        property=prop_a, data=data(unit_id=unit_a.id), status=ResidentStatus.CURRENT, actor=alice
    )
    other = unit_create(property=prop_a, name="14C", building="A", actor=alice)

    # When the manager moves them to 14C
    resident_update(resident=resident, data=data(unit_id=other.id), actor=alice)

    # Then the old unit key is revoked, the new one granted, common keys untouched
    active = set(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "key__name", flat=True
        )
    )
    assert active == {"Unit A 14C", "Resident Entrances", "Resident Amenities"}
    revoked = KeyGrant.objects.get(resident=resident, revoked_at__isnull=False)
    assert revoked.key.name == "Unit A 12B"
    assert revoked.revoke_reason == "Unit changed"


def test_unit_change_while_future_moves_no_keys(prop_a, unit_a, alice):
    resident = resident_create(property=prop_a, data=data(unit_id=unit_a.id), actor=alice)
    other = unit_create(property=prop_a, name="14C", actor=alice)
    resident_update(resident=resident, data=data(unit_id=other.id), actor=alice)
    assert not KeyGrant.objects.filter(resident=resident).exists()


def test_an_email_another_resident_has_is_refused_naming_them(prop_a, unit_a, alice):
    dana = resident_create(
        property=prop_a, data=data(unit_id=unit_a.id), actor=alice, status="current"
    )

    with pytest.raises(ValidationError) as exc:
        resident_create(
            property=prop_a,
            data=data(first_name="Dan", email=" DANA@example.com "),
            actor=alice,
        )

    assert exc.value.message_dict == {
        "email": [
            f"Dana Reyes ({unit_a}, Current) already has this email. To change Dana's "
            "details or status, open their page instead. Two residents of one email are held "
            "for review by every PMS sync; if they really share it, tick “They share this "
            "email” and save again."
        ]
    }
    assert exc.value.error_dict["email"][0].code == "email_taken"
    assert list(Resident.objects.all()) == [dana]

    # Said to be shared on purpose (a household with one address), it is added.
    dan = resident_create(
        property=prop_a,
        data=data(first_name="Dan", email="dana@example.com"),
        actor=alice,
        allow_shared_email=True,
    )
    assert Resident.objects.filter(email="dana@example.com").count() == 2
    # …and both stay editable without saying so again: only a changed email is checked.
    assert resident_update(
        resident=dan,
        data=data(first_name="Dan", email="dana@example.com", phone="617 555 0142"),
        actor=alice,
    )


def test_editing_keeps_ones_own_email_and_refuses_anothers(prop_a, alice):
    dana = resident_create(property=prop_a, data=data(), actor=alice)
    lee = resident_create(
        property=prop_a, data=data(first_name="Lee", email="lee@example.com"), actor=alice
    )

    assert resident_update(resident=dana, data=data(phone="617 555 0142"), actor=alice)
    with pytest.raises(ValidationError, match="Dana Reyes \\(Future\\) already has this email"):
        resident_update(resident=lee, data=data(first_name="Lee"), actor=alice)
    lee.refresh_from_db()
    assert lee.email == "lee@example.com"


def test_the_same_email_at_another_property_or_no_email_is_fine(prop_a, prop_b, alice):
    resident_create(property=prop_a, data=data(), actor=alice)
    resident_create(property=prop_b, data=data(), actor=alice)
    resident_create(property=prop_a, data=data(first_name="Ann", email=""), actor=alice)
    resident_create(property=prop_a, data=data(first_name="Bo", email=""), actor=alice)
    assert Resident.objects.count() == 4


def test_adding_someone_as_current_says_so_on_the_timeline(prop_a, unit_a, alice):
    resident = resident_create(
        property=prop_a, data=data(unit_id=unit_a.id), actor=alice, status="current"
    )
    event = AccessEvent.objects.get(resident=resident, action=AccessEvent.Action.STATUS_CHANGED)
    # Not "Future → Current": the manager never chose Future
    assert event.subject == f"{resident.full_name}: added as Current"
    assert "→" not in event.subject
    # The keys given say why too
    grants = AccessEvent.objects.filter(resident=resident, action=AccessEvent.Action.KEY_GRANTED)
    assert grants.exists()
    assert {e.reason for e in grants} == {"Added as Current"}
