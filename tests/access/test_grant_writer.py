"""access/grants.py, the one writer of key grants and revokes: its refusals (the override
rule, a key held already or of another property), its audit entry, its guarded insert,
and that no other module writes a grant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import timezone

from access.grants import GrantRequest, RevokeRequest, grant_refusal, grants_write
from access.models import Key, KeyGrant
from audit.models import AccessEvent
from residents.models import ResidentStatus
from tests.factories import KeyFactory, ResidentFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
AUTOMATED = KeyGrant.Source.AUTOMATED
MANUAL = KeyGrant.Source.MANUAL


@pytest.fixture
def key(prop_a) -> Key:
    return KeyFactory(property=prop_a, name="Gym", shareable=True)


def resident(prop, status=ResidentStatus.CURRENT, **kw):
    return ResidentFactory(property=prop, status=status, first_name="Ana", last_name="Abara", **kw)


# --- The override rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "source", "refused"),
    [
        (ResidentStatus.CURRENT, AUTOMATED, None),
        (ResidentStatus.CURRENT, MANUAL, None),
        # A manager's Future stands against the PMS; by hand they may still give a key
        (
            ResidentStatus.FUTURE,
            AUTOMATED,
            "Ana Abara is now a future resident: “Gym” was not granted.",
        ),
        (ResidentStatus.FUTURE, MANUAL, None),
        (
            ResidentStatus.PAST,
            AUTOMATED,
            "Ana Abara is now a past resident: “Gym” was not granted.",
        ),
        (
            ResidentStatus.PAST,
            MANUAL,
            "Ana Abara is a past resident. Make them Current before granting keys.",
        ),
    ],
)
def test_the_override_rule(prop_a, status, source, refused):
    ana = resident(prop_a, status)
    assert grant_refusal(resident=ana, key_name="Gym", source=source) == refused


def test_the_rule_reads_the_status_under_the_lock_not_the_callers_copy(prop_a, key, alice):
    ana = resident(prop_a)
    stale = type(ana).objects.get(id=ana.id)
    type(ana).objects.filter(id=ana.id).update(status=ResidentStatus.PAST)

    written = grants_write(
        actor=alice,
        grants=[GrantRequest(resident_id=stale.id, key_id=key.id, reason="x", source=AUTOMATED)],
    )

    assert written.refused == ["Ana Abara is now a past resident: “Gym” was not granted."]
    assert not KeyGrant.objects.exists()


# --- Refusals --------------------------------------------------------------------------


def test_a_key_held_twice_asked_or_of_another_property_is_refused_with_a_reason(
    prop_a, prop_b, key, alice
):
    ana = resident(prop_a)
    theirs = KeyFactory(property=prop_b, name="Elm gym")
    ask = GrantRequest(resident_id=ana.id, key_id=key.id, reason="x")

    written = grants_write(
        actor=alice,
        grants=[ask, ask, GrantRequest(resident_id=ana.id, key_id=theirs.id, reason="x")],
    )

    assert isinstance(written.grants[0], KeyGrant)
    assert written.grants[1:] == [
        "Ana Abara already holds “Gym”.",
        "That key belongs to another property.",
    ]
    assert KeyGrant.objects.count() == 1


def test_a_revoke_of_a_grant_gone_or_of_someone_else_is_refused(prop_a, key, alice):
    ana, ben = resident(prop_a), resident(prop_a, email="ben@example.com")
    grant = KeyGrant.objects.create(key=key, resident=ana, starts_at=timezone.now())

    written = grants_write(
        actor=alice,
        revokes=[
            RevokeRequest(resident_id=ben.id, grant_id=grant.id, reason="x"),
            RevokeRequest(resident_id=ana.id, grant_id=grant.id, reason="x"),
            RevokeRequest(resident_id=ana.id, grant_id=grant.id, reason="again"),
        ],
    )

    assert written.revokes[0] == "That key was already revoked."
    assert isinstance(written.revokes[1], KeyGrant)
    assert written.revokes[2] == "That key was already revoked."
    assert AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).count() == 1


# --- The guard and the audit -------------------------------------------------------------


def test_a_grant_written_meanwhile_outside_the_lock_is_dropped_not_an_error(prop_a, key, alice):
    # Given a caller whose view of what is held is out of date (as a writer that skipped
    # the resident's lock would be): the insert clashes with the live grant
    ana = resident(prop_a)
    KeyGrant.objects.create(key=key, resident=ana, starts_at=timezone.now())
    other = KeyFactory(property=prop_a, name="Pool")

    written = grants_write(
        actor=alice,
        grants=[
            GrantRequest(resident_id=ana.id, key_id=key.id, reason="x"),
            GrantRequest(resident_id=ana.id, key_id=other.id, reason="x"),
        ],
        held={},
    )

    # Then the clash is a refusal, the other grant is written, and only it is audited
    assert written.grants[0] == "Ana Abara already holds “Gym”."
    assert isinstance(written.grants[1], KeyGrant) and written.grants[1].pk
    assert KeyGrant.objects.filter(resident=ana, revoked_at=None).count() == 2
    events = AccessEvent.objects.filter(action=AccessEvent.Action.KEY_GRANTED)
    assert list(events.values_list("subject", flat=True)) == ["“Pool” granted to Ana Abara"]


def test_one_audit_entry_per_change_said_the_same_way_for_every_caller(prop_a, key, alice):
    ana = resident(prop_a)
    old = KeyGrant.objects.create(
        key=KeyFactory(property=prop_a, name="Old"), resident=ana, starts_at=timezone.now()
    )
    at = timezone.now()

    written = grants_write(
        actor=alice,
        grants=[
            GrantRequest(resident_id=ana.id, key_id=key.id, reason="Why", data={"suggestion": 7})
        ],
        revokes=[
            RevokeRequest(
                resident_id=ana.id, grant_id=old.id, reason="Long why", revoke_reason="Short"
            )
        ],
        at=at,
    )

    grant = written.granted[0]
    assert (grant.starts_at, grant.shareable, grant.granted_by) == (at, True, alice)
    old.refresh_from_db()
    assert (old.revoked_at, old.revoked_by, old.revoke_reason) == (at, alice, "Short")
    rows = {e.action: e for e in AccessEvent.objects.filter(resident=ana).select_related("key")}
    granted, revoked = rows[AccessEvent.Action.KEY_GRANTED], rows[AccessEvent.Action.KEY_REVOKED]
    assert (granted.subject, granted.reason, granted.actor_label, granted.key) == (
        "“Gym” granted to Ana Abara",
        "Why",
        "Alice Ames",
        key,
    )
    assert granted.data == {
        "grant": grant.id,
        "starts_at": at.isoformat(),
        "source": "manual",
        "suggestion": 7,
    }
    assert (revoked.subject, revoked.reason, revoked.data) == (
        "“Old” revoked from Ana Abara",
        "Long why",
        {"grant": old.id},
    )
    assert granted.created_at == revoked.created_at == at


def test_automation_is_named_when_nobody_is_logged_in(prop_a, key):
    ana = resident(prop_a)
    grants_write(actor=None, grants=[GrantRequest(resident_id=ana.id, key_id=key.id, reason="x")])
    event = AccessEvent.objects.get(action=AccessEvent.Action.KEY_GRANTED)
    assert (event.actor, event.actor_label) == (None, "automation")


# --- No other writer ---------------------------------------------------------------------

WRITES = {"create", "bulk_create", "update", "get_or_create", "update_or_create"}


def _grant_writes(path: Path) -> list[str]:
    """`KeyGrant.objects.<write>(…)` calls (chained after filter() too) in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        chain = ast.unparse(node.func.value)
        if chain.startswith("KeyGrant.objects") or ".key_grants." in chain:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_module_but_access_grants_writes_a_key_grant():
    apps = ["access", "residents", "integrations", "units", "properties", "common"]
    modules = [p for app in apps for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    writers = [w for p in modules for w in _grant_writes(p)]
    assert writers and all(w.startswith("access/grants.py:") for w in writers), writers
