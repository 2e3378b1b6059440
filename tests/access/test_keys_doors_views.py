"""Keys and Doors pages, and granting/revoking a key from a resident's page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Door, Key, KeyGrant
from audit.models import AccessEvent
from residents.models import ResidentStatus
from tests.factories import DoorFactory, KeyFactory, KeyGrantFactory, ResidentFactory, UnitFactory


class _TableRows(HTMLParser):
    """The text of each body row of the table with the given data-testid."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.inside = False
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("data-testid", self.testid) in attrs:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.in_body and tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _rows(response, testid: str) -> list[list[str]]:
    assert response.status_code == 200
    parser = _TableRows(testid)
    parser.feed(response.content.decode())
    return parser.rows


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _key_state(key: Key) -> tuple:
    key.refresh_from_db()
    return (
        key.name,
        key.kind,
        key.unit_id,
        key.shareable,
        key.share_with_current_residents,
        sorted(key.doors.values_list("id", flat=True)),
    )


def _key_post(**overrides) -> dict:
    data = {
        "name": "Gym",
        "kind": Key.Kind.OTHER,
        "unit": "",
        "doors": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def gym_door(prop_a) -> Door:
    return DoorFactory(property=prop_a, name="Gym door")


@pytest.fixture
def pool_door(prop_a) -> Door:
    return DoorFactory(property=prop_a, name="Pool gate")


# --- Keys list ----------------------------------------------------------------------------


def test_keys_list_shows_kind_doors_sharing_and_holders(alice_client, prop_a, unit_a, gym_door):
    # Given a gym key held by two residents (a third gave theirs back)
    gym = KeyFactory(property=prop_a, name="Gym", shareable=True)
    gym.doors.set([gym_door])
    KeyGrantFactory.create_batch(2, key=gym)
    KeyGrantFactory(key=gym, revoked_at=timezone.now())

    response = alice_client.get(reverse("keys", args=[prop_a.id]))

    # Then holders count only live grants; common keys come first, then other, then unit keys
    assert _rows(response, "keys-table") == [
        ["Resident Amenities", "Common area", "No doors yet", "all current residents", "0"],
        ["Resident Entrances", "Common area", "No doors yet", "all current residents", "0"],
        ["Gym", "Other", "Gym door", "shareable", "2"],
        ["Unit A 12B", "Unit key · A 12B", "Unit A 12B entry", "", "0"],
    ]


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("unit", ["Unit A 12B"]),
        ("common", ["Resident Amenities", "Resident Entrances"]),
        ("other", ["Gym"]),
        ("", ["Resident Amenities", "Resident Entrances", "Gym", "Unit A 12B"]),
        ("bogus", ["Resident Amenities", "Resident Entrances", "Gym", "Unit A 12B"]),
    ],
)
def test_keys_list_kind_filter(alice_client, prop_a, unit_a, kind, names):
    KeyFactory(property=prop_a, name="Gym")

    response = alice_client.get(reverse("keys", args=[prop_a.id]), {"kind": kind})

    assert [row[0] for row in _rows(response, "keys-table")] == names


def test_keys_of_another_property_are_not_listed(alice_client, prop_a, prop_a2):
    KeyFactory(property=prop_a2, name="Sauna")

    response = alice_client.get(reverse("keys", args=[prop_a.id]))

    assert "Sauna" not in [row[0] for row in _rows(response, "keys-table")]


def test_keys_and_doors_pages_are_404_for_another_organization(bob_client, prop_a):
    for name in ("keys", "keys-create", "doors"):
        assert bob_client.get(reverse(name, args=[prop_a.id])).status_code == 404
    key = Key.objects.filter(property=prop_a).first()
    assert bob_client.get(reverse("keys-edit", args=[prop_a.id, key.id])).status_code == 404
    assert bob_client.post(reverse("doors", args=[prop_a.id]), {"name": "X"}).status_code == 404
    assert not Door.objects.filter(name="X").exists()


# --- Create and edit a key ----------------------------------------------------------------


def test_create_a_key_with_doors_and_sharing(alice, alice_client, prop_a, gym_door, pool_door):
    response = alice_client.post(
        reverse("keys-create", args=[prop_a.id]),
        _key_post(
            name=" Amenities ",
            doors=[pool_door.id, gym_door.id],
            shareable="on",
            share_with_current_residents="on",
        ),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("keys", args=[prop_a.id]), 302)]
    assert _messages(response) == ["Key “Amenities” created."]
    key = Key.objects.get(property=prop_a, name="Amenities")
    assert _key_state(key) == (
        "Amenities",
        Key.Kind.OTHER,
        None,
        True,
        True,
        sorted([gym_door.id, pool_door.id]),
    )
    event = AccessEvent.objects.get(action=AccessEvent.Action.KEY_CREATED)
    assert (event.property, event.key, event.actor) == (prop_a, key, alice)
    assert event.subject == "Key “Amenities” created"
    assert event.data == {"doors": sorted([gym_door.id, pool_door.id]), "shareable": True}


def test_create_a_unit_key(alice_client, prop_a, bare_unit, gym_door):
    alice_client.post(
        reverse("keys-create", args=[prop_a.id]),
        _key_post(name="Spare 12B", kind=Key.Kind.UNIT, unit=bare_unit.id, doors=[gym_door.id]),
    )

    key = Key.objects.get(name="Spare 12B")
    assert (key.kind, key.unit, key.shareable) == (Key.Kind.UNIT, bare_unit, False)


def test_edit_a_key(alice, alice_client, prop_a, gym_door, pool_door):
    key = KeyFactory(property=prop_a, name="Gym")
    key.doors.set([gym_door])
    url = reverse("keys-edit", args=[prop_a.id, key.id])

    # The form opens with the key as it is
    form = alice_client.get(url).context["form"]
    assert form.initial == {
        "name": "Gym",
        "kind": Key.Kind.OTHER,
        "unit": None,
        "doors": [gym_door.id],
        "shareable": False,
        "share_with_current_residents": False,
    }

    response = alice_client.post(
        url,
        _key_post(name="Gym and pool", doors=[gym_door.id, pool_door.id], shareable="on"),
        follow=True,
    )

    assert _messages(response) == ["Key “Gym and pool” saved."]
    assert _key_state(key) == (
        "Gym and pool",
        Key.Kind.OTHER,
        None,
        True,
        False,
        sorted([gym_door.id, pool_door.id]),
    )
    event = AccessEvent.objects.get(action=AccessEvent.Action.KEY_UPDATED)
    assert (event.key, event.actor, event.subject) == (key, alice, "Key “Gym and pool” updated")


def test_a_key_may_keep_its_own_name_in_another_case(alice_client, prop_a):
    key = KeyFactory(property=prop_a, name="Gym")

    response = alice_client.post(
        reverse("keys-edit", args=[prop_a.id, key.id]), _key_post(name="GYM")
    )

    assert response.status_code == 302
    assert _key_state(key)[0] == "GYM"


def test_a_key_of_another_property_cannot_be_edited(alice_client, prop_a, prop_a2):
    other = KeyFactory(property=prop_a2, name="Sauna")

    response = alice_client.post(
        reverse("keys-edit", args=[prop_a.id, other.id]), _key_post(name="Mine now")
    )

    assert response.status_code == 404
    assert _key_state(other)[0] == "Sauna"


# --- Key validation ------------------------------------------------------------------------


def _refused(response, field: str | None) -> list[str]:
    assert response.status_code == 200
    form = response.context["form"]
    return form.non_field_errors() if field is None else form.errors[field]


def test_a_duplicate_key_name_is_refused_case_insensitively(alice_client, prop_a):
    keys_before = Key.objects.count()

    response = alice_client.post(
        reverse("keys-create", args=[prop_a.id]), _key_post(name="resident ENTRANCES")
    )

    assert _refused(response, "name") == [
        "A key named “resident ENTRANCES” already exists at this property."
    ]
    assert Key.objects.count() == keys_before
    assert not AccessEvent.objects.exists()


def test_renaming_a_key_to_another_keys_name_is_refused(alice_client, prop_a):
    key = KeyFactory(property=prop_a, name="Gym")
    before = _key_state(key)

    response = alice_client.post(
        reverse("keys-edit", args=[prop_a.id, key.id]), _key_post(name="Resident Amenities")
    )

    assert _refused(response, "name") == [
        "A key named “Resident Amenities” already exists at this property."
    ]
    assert _key_state(key) == before


def test_a_unit_key_without_a_unit_is_refused(alice_client, prop_a):
    keys_before = Key.objects.count()

    response = alice_client.post(
        reverse("keys-create", args=[prop_a.id]), _key_post(kind=Key.Kind.UNIT)
    )

    assert _refused(response, "unit") == [
        "A unit key needs its unit. Choose the unit, or pick another kind."
    ]
    assert Key.objects.count() == keys_before


def test_a_non_unit_key_with_a_unit_is_refused(alice_client, prop_a, bare_unit):
    keys_before = Key.objects.count()

    response = alice_client.post(
        reverse("keys-create", args=[prop_a.id]),
        _key_post(kind=Key.Kind.COMMON, unit=bare_unit.id),
    )

    assert _refused(response, "unit") == [
        "Only unit keys belong to a unit. Clear the unit or make it a unit key."
    ]
    assert Key.objects.count() == keys_before


def test_a_door_of_another_property_posted_by_id_is_refused(alice_client, prop_a, prop_b, gym_door):
    # Given a key of prop_a and a door of bob's property
    key = KeyFactory(property=prop_a, name="Gym")
    key.doors.set([gym_door])
    foreign = DoorFactory(property=prop_b, name="Elm lobby")
    before = _key_state(key)

    # When a crafted form adds the foreign door's id, on create and on edit
    created = alice_client.post(
        reverse("keys-create", args=[prop_a.id]),
        _key_post(name="Sneaky", doors=[gym_door.id, foreign.id]),
    )
    edited = alice_client.post(
        reverse("keys-edit", args=[prop_a.id, key.id]),
        _key_post(name="Gym", doors=[gym_door.id, foreign.id]),
    )

    # Then both are refused and nothing changed
    expected = [f"Select a valid choice. {foreign.id} is not one of the available choices."]
    assert _refused(created, "doors") == expected
    assert _refused(edited, "doors") == expected
    assert not Key.objects.filter(name="Sneaky").exists()
    assert _key_state(key) == before
    assert list(foreign.keys.all()) == []
    assert not AccessEvent.objects.exists()


def test_a_unit_of_another_property_posted_by_id_is_refused(alice_client, prop_a, prop_a2):
    foreign_unit = UnitFactory(property=prop_a2)

    response = alice_client.post(
        reverse("keys-create", args=[prop_a.id]),
        _key_post(name="Sneaky", kind=Key.Kind.UNIT, unit=foreign_unit.id),
    )

    assert _refused(response, "unit") == [
        f"Select a valid choice. {foreign_unit.id} is not one of the available choices."
    ]
    assert not Key.objects.filter(name="Sneaky").exists()


# --- Doors ----------------------------------------------------------------------------------


def test_doors_list_shows_each_door_with_its_key_count(alice_client, prop_a, unit_a, gym_door):
    gym = KeyFactory(property=prop_a, name="Gym")
    gym.doors.set([gym_door])
    KeyFactory(property=prop_a, name="All areas").doors.set([gym_door])

    response = alice_client.get(reverse("doors", args=[prop_a.id]))

    assert _rows(response, "doors-table") == [
        ["Gym door", "—", "2"],
        ["Unit A 12B entry", "—", "1"],
    ]


def test_add_a_door(alice_client, prop_a):
    response = alice_client.post(
        reverse("doors", args=[prop_a.id]),
        {"name": " Lobby entrance ", "location": "Ground floor"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("doors", args=[prop_a.id]), 302)]
    assert _messages(response) == ["Door “Lobby entrance” added."]
    door = Door.objects.get(property=prop_a)
    assert (door.name, door.location) == ("Lobby entrance", "Ground floor")
    assert _rows(response, "doors-table") == [["Lobby entrance", "Ground floor", "0"]]


def test_a_duplicate_door_name_is_refused_case_insensitively(alice_client, prop_a, gym_door):
    response = alice_client.post(reverse("doors", args=[prop_a.id]), {"name": "GYM DOOR"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["A door named “GYM DOOR” already exists at this property."]
    }
    assert list(Door.objects.filter(property=prop_a)) == [gym_door]


def test_a_door_name_used_at_another_property_is_fine(alice_client, prop_a, prop_a2):
    DoorFactory(property=prop_a2, name="Lobby")

    response = alice_client.post(reverse("doors", args=[prop_a.id]), {"name": "Lobby"})

    assert response.status_code == 302
    assert Door.objects.filter(name="Lobby").count() == 2


def test_a_blank_door_name_is_refused(alice_client, prop_a):
    response = alice_client.post(reverse("doors", args=[prop_a.id]), {"name": "  "})

    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert not Door.objects.exists()


# --- Grant and revoke from a resident's page ------------------------------------------------


@pytest.fixture
def ann(prop_a, unit_a):
    return ResidentFactory(
        property=prop_a, unit=unit_a, first_name="Ann", last_name="Lee", status="current"
    )


@pytest.fixture
def gym_key(prop_a, gym_door) -> Key:
    key = KeyFactory(property=prop_a, name="Gym")
    key.doors.set([gym_door])
    return key


def _grant(client, resident, key_id):
    return client.post(
        reverse("resident-grant-key", args=[resident.property_id, resident.id]),
        {"key": key_id},
        follow=True,
    )


def _revoke(client, resident, grant, reason: str = ""):
    return client.post(
        reverse("resident-revoke-grant", args=[resident.property_id, resident.id, grant.id]),
        {"reason": reason},
        follow=True,
    )


def test_grant_a_key_then_revoke_it_each_audited(alice, alice_client, ann, gym_key):
    detail = reverse("resident-detail", args=[ann.property_id, ann.id])

    # When alice grants the gym key
    response = _grant(alice_client, ann, gym_key.id)

    # Then Ann holds it, and the grant is audited
    assert response.redirect_chain == [(detail, 302)]
    assert _messages(response) == ["“Gym” granted to Ann Lee."]
    grant = KeyGrant.objects.get(resident=ann, key=gym_key)
    assert grant.is_active
    assert (grant.granted_by, grant.source) == (alice, KeyGrant.Source.MANUAL)
    granted = AccessEvent.objects.get(action=AccessEvent.Action.KEY_GRANTED)
    assert (granted.resident, granted.key, granted.actor) == (ann, gym_key, alice)
    assert granted.subject == "“Gym” granted to Ann Lee"
    assert granted.reason == "Granted in the console"

    # When she revokes it
    response = _revoke(alice_client, ann, grant, reason="Membership ended")

    # Then the grant is kept, closed, and the revoke is audited
    assert response.redirect_chain == [(detail, 302)]
    assert _messages(response) == ["“Gym” revoked from Ann Lee."]
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert (grant.revoked_by, grant.revoke_reason) == (alice, "Membership ended")
    revoked = AccessEvent.objects.get(action=AccessEvent.Action.KEY_REVOKED)
    assert (revoked.resident, revoked.key, revoked.actor) == (ann, gym_key, alice)
    assert revoked.subject == "“Gym” revoked from Ann Lee"
    assert revoked.reason == "Membership ended"


def test_revoke_without_a_reason_records_the_console_default(alice_client, ann, gym_key):
    _grant(alice_client, ann, gym_key.id)
    grant = KeyGrant.objects.get(resident=ann)

    _revoke(alice_client, ann, grant)

    grant.refresh_from_db()
    assert grant.revoke_reason == "Revoked in the console"


def test_granting_a_key_twice_is_refused(alice_client, ann, gym_key):
    _grant(alice_client, ann, gym_key.id)

    response = _grant(alice_client, ann, gym_key.id)

    assert _messages(response) == ["Ann Lee already holds “Gym”."]
    assert KeyGrant.objects.filter(resident=ann, key=gym_key).count() == 1
    assert AccessEvent.objects.filter(action=AccessEvent.Action.KEY_GRANTED).count() == 1


def test_a_revoked_key_can_be_granted_again(alice_client, ann, gym_key):
    _grant(alice_client, ann, gym_key.id)
    _revoke(alice_client, ann, KeyGrant.objects.get(resident=ann))

    response = _grant(alice_client, ann, gym_key.id)

    assert _messages(response) == ["“Gym” granted to Ann Lee."]
    assert KeyGrant.objects.filter(resident=ann, key=gym_key).count() == 2
    assert KeyGrant.objects.filter(resident=ann, revoked_at__isnull=True).count() == 1


def test_revoking_twice_is_refused(alice_client, ann, gym_key):
    _grant(alice_client, ann, gym_key.id)
    grant = KeyGrant.objects.get(resident=ann)
    _revoke(alice_client, ann, grant, reason="First")
    grant.refresh_from_db()
    first_revoked_at = grant.revoked_at

    response = _revoke(alice_client, ann, grant, reason="Second")

    assert _messages(response) == ["That key was already revoked."]
    grant.refresh_from_db()
    assert (grant.revoked_at, grant.revoke_reason) == (first_revoked_at, "First")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).count() == 1


def test_granting_to_a_past_resident_is_refused(alice_client, prop_a, gym_key):
    past = ResidentFactory(
        property=prop_a, first_name="Paul", last_name="Past", status=ResidentStatus.PAST
    )

    response = _grant(alice_client, past, gym_key.id)

    assert _messages(response) == [
        "Paul Past is a past resident. Make them Current before granting keys."
    ]
    assert not KeyGrant.objects.filter(resident=past).exists()
    assert not AccessEvent.objects.filter(resident=past).exists()


def test_a_key_of_another_property_cannot_be_granted(alice_client, prop_a2, ann):
    foreign = KeyFactory(property=prop_a2, name="Sauna")

    response = _grant(alice_client, ann, foreign.id)

    assert _messages(response) == ["Choose a key of this property to grant."]
    assert not KeyGrant.objects.filter(resident=ann).exists()


def test_a_grant_id_of_another_resident_is_404(alice_client, prop_a, ann, gym_key):
    # Given Bea holds the gym key
    bea = ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)
    beas = KeyGrantFactory(key=gym_key, resident=bea)

    # When alice posts Bea's grant id under Ann's URL
    response = alice_client.post(
        reverse("resident-revoke-grant", args=[prop_a.id, ann.id, beas.id]), {"reason": "x"}
    )

    # Then nothing is found and Bea keeps her key
    assert response.status_code == 404
    beas.refresh_from_db()
    assert beas.revoked_at is None
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).exists()


def test_another_organization_cannot_grant_or_revoke(bob_client, ann, gym_key):
    grant = KeyGrantFactory(key=gym_key, resident=ann)

    grant_url = reverse("resident-grant-key", args=[ann.property_id, ann.id])
    revoke_url = reverse("resident-revoke-grant", args=[ann.property_id, ann.id, grant.id])
    assert bob_client.post(grant_url, {"key": gym_key.id}).status_code == 404
    assert bob_client.post(revoke_url).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert KeyGrant.objects.count() == 1


def test_grant_and_revoke_only_accept_post(alice_client, ann, gym_key):
    grant = KeyGrantFactory(key=gym_key, resident=ann)

    grant_url = reverse("resident-grant-key", args=[ann.property_id, ann.id])
    revoke_url = reverse("resident-revoke-grant", args=[ann.property_id, ann.id, grant.id])
    assert alice_client.get(grant_url).status_code == 405
    assert alice_client.get(revoke_url).status_code == 405
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_edit_a_units_entry_door_keeps_its_keys_and_is_audited(alice, alice_client, prop_a, unit_a):
    entry = Door.objects.get(property=prop_a, name="Unit A 12B entry")
    doors_page = alice_client.get(reverse("doors", args=[prop_a.id])).content.decode()
    url = reverse("doors-edit", args=[prop_a.id, entry.id])
    assert f'href="{url}"' in doors_page

    response = alice_client.post(
        url, {"name": " 12B front door ", "location": "Floor 12"}, follow=True
    )

    assert _messages(response) == ["Door “12B front door” saved."]
    entry.refresh_from_db()
    assert (entry.name, entry.location) == ("12B front door", "Floor 12")
    assert list(entry.keys.values_list("name", flat=True)) == ["Unit A 12B"]
    event = AccessEvent.objects.get(action=AccessEvent.Action.DOOR_UPDATED)
    assert (event.actor, event.subject) == (
        alice,
        "Door “Unit A 12B entry” updated (now “12B front door”)",
    )


def test_editing_a_door_to_another_doors_name_is_refused_and_saving_nothing_says_so(
    alice_client, prop_a, gym_door
):
    pool = DoorFactory(property=prop_a, name="Pool door")
    url = reverse("doors-edit", args=[prop_a.id, pool.id])

    refused = alice_client.post(url, {"name": "gym DOOR"})
    assert refused.context["form"].errors == {
        "name": ["A door named “gym DOOR” already exists at this property."]
    }
    unchanged = alice_client.post(url, {"name": "Pool door", "location": ""}, follow=True)
    assert _messages(unchanged) == ["Nothing changed."]
    pool.refresh_from_db()
    assert pool.name == "Pool door"
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DOOR_UPDATED).exists()
