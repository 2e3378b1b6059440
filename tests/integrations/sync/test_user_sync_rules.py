"""The User Sync rules end to end: a hand-written PMS snapshot through `user_sync_execute`,
then the database — residents, PMS records (the links), outcomes, alerts, audit events.

Then the alert resolutions, each checked against the run that follows it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db.models.signals import pre_delete
from django.utils import timezone

from audit.models import AccessEvent
from integrations.models import Outcome, PMSRecord, SyncAlert, SyncOutcome, SyncRun
from integrations.pms.types import Lifecycle, ResidentRole
from integrations.sync.alerts import sync_alert_resolve
from integrations.sync.normalize import record_hash
from residents.models import Resident, ResidentStatus, StatusSource
from tests.factories import ResidentFactory
from tests.integrations.sync.fake_pms import pms_resident

pytestmark = pytest.mark.django_db

EMAIL = "ana.abara@example.com"


def outcomes_of(run: SyncRun) -> list[tuple[str, str]]:
    return list(run.outcomes.order_by("external_id").values_list("external_id", "outcome"))


def link_of(external_id: str) -> PMSRecord:
    return PMSRecord.objects.get(external_id=external_id)


def resolved_events() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(action=AccessEvent.Action.SYNC_ALERT_RESOLVED))


def assert_succeeded(run: SyncRun) -> None:
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.error == ""


# --- creating and linking ---------------------------------------------------------------


def test_new_record_creates_a_resident_from_pms_values(pms, integration, prop_a):
    record = pms_resident(
        first_name="Ana",
        last_name="Abara",
        phone="+14155550101",
        lease_start=date(2025, 1, 1),
        lease_end=date(2025, 12, 31),
        move_in=date(2025, 1, 3),
        lifecycle=Lifecycle.NOTICE,
        raw_status="Notice",
    )
    pms.put(record)

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"created": 1}
    resident = Resident.objects.get()
    assert resident.property == prop_a
    assert (resident.first_name, resident.last_name, resident.email, resident.phone) == (
        "Ana",
        "Abara",
        EMAIL,
        "+14155550101",
    )
    assert (resident.lease_start, resident.lease_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert (resident.move_in, resident.move_out) == (date(2025, 1, 3), None)
    assert resident.pms_status == "Notice"
    assert resident.status == ResidentStatus.CURRENT  # NOTICE still lives there
    assert resident.status_source == StatusSource.PMS
    assert resident.status_changed_at is not None
    link = link_of("R1")
    assert link.resident == resident
    assert link.outcome == Outcome.CREATED
    assert link.data_hash == record_hash(record)
    assert link.last_seen_run_id == run.id
    [outcome] = run.outcomes.all()
    assert (outcome.external_id, outcome.outcome, outcome.resident) == ("R1", "created", resident)
    assert (outcome.name, outcome.email, outcome.raw_status) == ("Ana Abara", EMAIL, "Notice")
    integration.refresh_from_db()
    assert integration.last_successful_sync_at == run.finished_at


def test_future_lease_creates_a_future_resident(pms):
    pms.put(pms_resident(lifecycle=Lifecycle.FUTURE, move_in=None))
    assert_succeeded(pms.sync())
    assert Resident.objects.get().status == ResidentStatus.FUTURE


def test_exact_match_links_the_existing_resident_and_creates_no_duplicate(pms, prop_a):
    # Given a resident typed in by the manager, names in another case and spacing
    ours = ResidentFactory(
        property=prop_a, first_name=" ana", last_name="ABARA ", email=EMAIL, phone=""
    )
    pms.put(pms_resident(first_name="Ana", last_name="Abara", phone="+14155550101"))

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"linked": 1}
    assert Resident.objects.count() == 1
    assert link_of("R1").resident_id == ours.id
    assert outcomes_of(run) == [("R1", "linked")]
    ours.refresh_from_db()
    # Then linking applies the PMS values, status included
    assert (ours.first_name, ours.last_name, ours.phone) == ("Ana", "Abara", "+14155550101")
    assert ours.status == ResidentStatus.CURRENT
    assert ours.status_source == StatusSource.PMS
    event = AccessEvent.objects.get(action=AccessEvent.Action.STATUS_CHANGED)
    assert (event.resident, event.actor_label) == (ours, "PMS sync")


def test_exact_match_ignores_the_case_of_our_stored_email(pms, prop_a):
    # Given an address stored as typed in admin, in mixed case
    ours = ResidentFactory(
        property=prop_a, first_name="Ana", last_name="Abara", email="Ana.Abara@Example.COM"
    )
    pms.put(pms_resident())

    run = pms.sync()

    assert run.counts == {"linked": 1}
    assert Resident.objects.count() == 1
    assert link_of("R1").resident_id == ours.id


def test_exact_match_only_looks_at_this_property(pms, prop_a2):
    ResidentFactory(property=prop_a2, first_name="Ana", last_name="Abara", email=EMAIL)
    pms.put(pms_resident())
    run = pms.sync()
    assert run.counts == {"created": 1}
    assert Resident.objects.filter(email=EMAIL).count() == 2


def test_possible_match_opens_an_alert_and_creates_nothing(pms, integration, prop_a):
    # Given our resident Anna Abara-Smith shares the PMS record's email
    ours = ResidentFactory(property=prop_a, first_name="Anna", last_name="Abara-Smith", email=EMAIL)
    before = Resident.objects.values().get()
    pms.put(pms_resident(first_name="Ana", last_name="Abara"))

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"possible_match": 1}
    assert list(Resident.objects.values()) == [before]
    alert = SyncAlert.objects.get()
    assert (alert.kind, alert.state, alert.external_id) == ("possible_match", "open", "R1")
    assert (alert.resident, alert.pms_email, alert.pms_name) == (ours, EMAIL, "Ana Abara")
    assert alert.integration == integration
    assert alert.pms_data["phone"] == "+14155550101"
    link = link_of("R1")
    assert (link.resident, link.outcome) == (None, Outcome.POSSIBLE_MATCH)
    [outcome] = run.outcomes.all()
    assert outcome.outcome == Outcome.POSSIBLE_MATCH
    assert outcome.detail == f"{EMAIL} belongs to Anna Abara-Smith, but the PMS says Ana Abara"
    # And a re-run neither duplicates the alert nor logs the outcome again: it counts
    # the record as still waiting
    again = pms.sync()
    assert again.counts == {"possible_match": 1}
    assert SyncAlert.objects.count() == 1
    assert not again.outcomes.exists()


def test_duplicate_opens_an_alert_for_the_second_record_only(pms):
    # Given two PMS records claiming one email, seen for the first time in one run
    pms.put(
        pms_resident("R1", first_name="Ana", last_name="Abara", email=EMAIL),
        pms_resident("R2", first_name="Ben", last_name="Abara", email=EMAIL),
    )

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"created": 1, "duplicate": 1}
    owner = Resident.objects.get()
    assert (owner.first_name, link_of("R1").resident) == ("Ana", owner)
    alert = SyncAlert.objects.get()
    assert (alert.kind, alert.external_id, alert.pms_name) == ("duplicate", "R2", "Ben Abara")
    # The alert names the resident the email already belongs to, so "Use this PMS record"
    # can take it over.
    assert alert.resident == owner
    assert link_of("R2").resident is None
    assert outcomes_of(run) == [("R1", "created"), ("R2", "duplicate")]
    assert run.outcomes.get(external_id="R2").detail == f"PMS record R1 has the same email {EMAIL}"


def test_duplicate_names_the_owner_even_when_the_owner_comes_in_a_later_batch(pms, monkeypatch):
    # Given one record per batch, and the PMS listing the second claimant first
    monkeypatch.setattr("integrations.sync.user_sync.BATCH_SIZE", 1)
    pms.put(pms_resident("R2", first_name="Ben", email=EMAIL), pms_resident("R1"))

    run = pms.sync()

    assert run.counts == {"created": 1, "duplicate": 1}
    owner = link_of("R1").resident
    alert = SyncAlert.objects.get()
    assert (alert.external_id, alert.resident) == ("R2", owner)


def test_a_past_record_does_not_claim_the_email_of_a_current_one(pms):
    # Given Ana's old lease (Past, never synced) and her new one share her email
    pms.put(
        pms_resident("R1", lifecycle=Lifecycle.PAST, unit_name="A-101"),
        pms_resident("R2", unit_name="B-202"),
    )

    run = pms.sync()

    # Then the current lease is synced; the past one is skipped, and no Duplicate raised
    assert run.counts == {"skipped_lifecycle": 1, "created": 1}
    assert link_of("R2").resident == Resident.objects.get()
    assert not SyncAlert.objects.exists()


def test_new_record_with_the_email_of_a_synced_resident_is_a_duplicate(pms):
    pms.put(pms_resident("R1"))
    assert_succeeded(pms.sync())
    owner = Resident.objects.get()
    # When the PMS adds a second record with Ana's email
    pms.put(pms_resident("R2", first_name="Ben", email=EMAIL))
    run = pms.sync()
    # Then R2 is flagged against Ana; R1 is untouched
    assert run.counts == {"unchanged": 1, "duplicate": 1}
    alert = SyncAlert.objects.get()
    assert (alert.external_id, alert.resident) == ("R2", owner)
    assert Resident.objects.count() == 1


def test_email_change_on_a_linked_resident_opens_email_mismatch_and_updates_nothing(pms):
    pms.put(pms_resident(phone="+14155550101"))
    assert_succeeded(pms.sync())
    before = Resident.objects.values().get()
    # When the PMS changes the email, and the phone and last name with it
    pms.change("R1", email="ana.new@example.com", phone="+14155550199", last_name="Abara-Lee")

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"email_mismatch": 1}
    # Then nothing of that record reaches the resident: not even the phone
    assert list(Resident.objects.values()) == [before]
    alert = SyncAlert.objects.get()
    assert (alert.kind, alert.state, alert.external_id) == ("email_mismatch", "open", "R1")
    assert (alert.resident_id, alert.pms_email) == (before["id"], "ana.new@example.com")
    link = link_of("R1")
    assert (link.resident_id, link.outcome) == (before["id"], Outcome.EMAIL_MISMATCH)
    assert run.outcomes.get().detail == (
        f"the PMS email changed to ana.new@example.com (ours: {EMAIL}); "
        "resolve the Email Mismatch alert"
    )
    # And the next run leaves the one alert open, writing nothing, counting it as waiting
    again = pms.sync()
    assert again.counts == {"email_mismatch": 1}
    assert SyncAlert.objects.filter(state="open").count() == 1
    assert list(Resident.objects.values()) == [before]


def test_an_open_alert_is_refreshed_with_the_latest_pms_values(pms):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        pms.put(pms_resident())
        pms.sync()
        pms.change("R1", email="ana.new@example.com")
        pms.sync()
        opened = SyncAlert.objects.get()
        # When the PMS changes the record again while the alert waits
        clock.shift(timedelta(hours=1))
        pms.change("R1", phone="+14155550199")
        pms.sync()
    # Then the one alert shows the latest PMS values, and says when it last changed
    alert = SyncAlert.objects.get()
    assert alert.id == opened.id
    assert alert.pms_data["phone"] == "+14155550199"
    assert alert.updated_at == opened.updated_at + timedelta(hours=1)
    assert Resident.objects.get().phone == "+14155550101"


def test_email_mismatch_closes_itself_when_the_pms_reverts_the_email(pms):
    pms.put(pms_resident())
    pms.sync()
    pms.change("R1", email="ana.new@example.com")
    pms.sync()
    pms.change("R1", email=EMAIL, phone="+14155550199")
    run = pms.sync()
    assert run.counts == {"updated": 1}
    alert = SyncAlert.objects.get()
    assert (alert.state, alert.resolution) == ("resolved", "no_longer_applies")
    assert Resident.objects.get().phone == "+14155550199"


# --- skipped records ----------------------------------------------------------------------


def test_record_without_a_valid_email_is_skipped_with_the_reason(pms):
    pms.put(pms_resident(email="", raw_email="ana@"))
    run = pms.sync()
    assert run.counts == {"skipped_no_email": 1}
    assert not Resident.objects.exists()
    link = link_of("R1")
    assert (link.resident, link.outcome) == (None, Outcome.SKIPPED_NO_EMAIL)
    assert link.outcome_detail == "the PMS record has no valid email (“ana@”)"
    assert run.outcomes.get().detail == "the PMS record has no valid email (“ana@”)"


def test_excluded_status_is_skipped(pms, integration):
    integration.excluded_statuses = ["Eviction"]
    integration.save(update_fields=["excluded_statuses"])
    pms.put(pms_resident(lifecycle=Lifecycle.NOTICE, raw_status="Eviction"))
    run = pms.sync()
    assert run.counts == {"skipped_excluded": 1}
    assert not Resident.objects.exists()
    assert link_of("R1").outcome_detail == "lease status “Eviction” is excluded in Manage Settings"


def test_applicants_past_and_cancelled_records_are_not_created(pms):
    pms.put(
        pms_resident("R1", first_name="A", lifecycle=Lifecycle.APPLICANT),
        pms_resident("R2", first_name="B", lifecycle=Lifecycle.PAST),
        pms_resident("R3", first_name="C", lifecycle=Lifecycle.CANCELLED),
    )
    run = pms.sync()
    assert run.counts == {"skipped_lifecycle": 3}
    assert not Resident.objects.exists()


def test_guarantor_is_skipped(pms):
    pms.put(pms_resident(role=ResidentRole.GUARANTOR))
    run = pms.sync()
    assert run.counts == {"skipped_guarantor": 1}
    assert not Resident.objects.exists()


def test_record_error_is_listed_and_changes_nothing(pms):
    from integrations.pms.types import RecordError

    pms.put(pms_resident())
    pms.errors.append(RecordError("R9", "lease 77 has no unit"))
    run = pms.sync()
    assert run.counts == {"created": 1, "error": 1}
    assert run.outcomes.get(external_id="R9").detail == "lease 77 has no unit"
    assert Resident.objects.count() == 1


# --- following linked residents -----------------------------------------------------------


def test_linked_resident_going_past_is_followed(pms):
    pms.put(pms_resident())
    assert_succeeded(pms.sync())
    resident = Resident.objects.get()
    assert resident.status == ResidentStatus.CURRENT
    # When the PMS moves Ana out
    pms.change("R1", lifecycle=Lifecycle.PAST, raw_status="Past", move_out=date(2025, 12, 31))

    run = pms.sync()

    assert run.counts == {"updated": 1}
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.PAST
    assert resident.status_source == StatusSource.PMS
    assert resident.pms_status == "Past"
    assert resident.move_out == date(2025, 12, 31)
    event = AccessEvent.objects.get(action=AccessEvent.Action.STATUS_CHANGED)
    assert event.actor is None
    assert event.actor_label == "PMS sync"
    assert event.resident == resident
    assert event.subject == "Ana Abara: Current → Past"
    assert event.reason == "PMS lease status is now “Past”"
    assert event.data == {"from": "current", "to": "past", "pms": "Past"}
    # The hand-made snapshot has no PMS unit list, so Unit Sync names the unknown unit.
    assert run.outcomes.get().detail.startswith(
        "move out, pms status, status; PMS unit A-101 is unknown"
    )


def test_a_manual_status_stands_until_the_pms_lifecycle_changes(pms):
    pms.put(pms_resident())
    pms.sync()
    resident = Resident.objects.get()
    # Given the manager set Ana to Past in the console
    Resident.objects.filter(id=resident.id).update(
        status=ResidentStatus.PAST, status_source=StatusSource.MANUAL
    )
    # When the PMS changes something other than the lifecycle
    pms.change("R1", phone="+14155550199")
    pms.sync()
    resident.refresh_from_db()
    assert (resident.status, resident.phone) == (ResidentStatus.PAST, "+14155550199")
    # And then the lifecycle
    pms.change("R1", lifecycle=Lifecycle.NOTICE, raw_status="Notice")
    pms.sync()
    resident.refresh_from_db()
    assert (resident.status, resident.status_source) == (ResidentStatus.CURRENT, StatusSource.PMS)


def test_missing_pms_values_never_erase_ours(pms):
    pms.put(pms_resident(phone="+14155550101"))
    pms.sync()
    pms.change("R1", phone="", lease_end=None)
    run = pms.sync()
    resident = Resident.objects.get()
    assert (resident.phone, resident.lease_end) == ("+14155550101", date(2025, 12, 31))
    assert run.counts == {"unchanged": 1}


def test_an_update_moves_the_residents_updated_at(pms):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        pms.put(pms_resident())
        pms.sync()
        created = Resident.objects.get().updated_at
        clock.shift(timedelta(hours=1))
        pms.change("R1", phone="+14155550199")
        pms.sync()
    assert Resident.objects.get().updated_at == created + timedelta(hours=1)


# --- records gone from the PMS, and nothing ever deleted -----------------------------------


def test_record_gone_from_the_pms_is_marked_and_the_resident_kept(pms):
    pms.put(pms_resident("R1"), pms_resident("R2", first_name="Ben"))
    pms.sync()
    before = list(Resident.objects.order_by("id").values())
    # When R2 disappears from the PMS
    pms.remove("R2")

    run = pms.sync()

    assert_succeeded(run)
    assert run.counts == {"unchanged": 1, "not_in_pms": 1}
    assert list(Resident.objects.order_by("id").values()) == before
    link = link_of("R2")
    assert link.gone_from_pms_at is not None
    assert link.outcome == Outcome.NOT_IN_PMS
    assert link.outcome_detail == "no longer in the PMS; the resident is kept"
    assert link.resident is not None
    outcome = run.outcomes.get()
    assert (outcome.external_id, outcome.outcome, outcome.resident) == (
        "R2",
        "not_in_pms",
        link.resident,
    )
    # And the next run does not report it again
    assert not pms.sync().outcomes.exists()


def test_record_coming_back_clears_the_mark(pms):
    pms.put(pms_resident("R1"), pms_resident("R2", first_name="Ben"))
    pms.sync()
    pms.remove("R2")
    pms.sync()
    pms.put(pms_resident("R2", first_name="Ben"))

    run = pms.sync()

    link = link_of("R2")
    assert link.gone_from_pms_at is None
    assert link.outcome == Outcome.UNCHANGED
    assert run.counts == {"unchanged": 2}
    assert Resident.objects.count() == 2


def test_a_detached_pms_property_marks_its_records_not_attached(pms, integration):
    pms.put(pms_resident("R1"), pms_resident("R2", first_name="Ben", pms_property_id="1002"))
    integration.pms_property_ids = ["1001", "1002"]
    integration.save(update_fields=["pms_property_ids"])
    pms.sync()
    integration.pms_property_ids = ["1001"]
    integration.save(update_fields=["pms_property_ids"])
    pms.remove("R2")  # snapshot_fetch only returns attached properties
    run = pms.sync()
    assert run.counts == {"unchanged": 1, "not_attached": 1}
    assert link_of("R2").outcome_detail == "PMS property 1002 is no longer attached"
    assert Resident.objects.count() == 2


def test_an_empty_pms_answer_where_many_were_known_changes_nothing(pms):
    pms.put(*(pms_resident(f"R{n}", first_name=f"F{n}") for n in range(11)))
    pms.sync()
    pms.records.clear()
    run = pms.sync()
    assert run.state == SyncRun.State.FAILED
    assert "returned no residents" in run.error
    assert "Nothing was changed" in run.error
    assert not PMSRecord.objects.exclude(gone_from_pms_at=None).exists()


def test_sync_never_deletes_a_resident(pms, prop_a):
    deleted = []

    def record_delete(sender, instance, **kwargs):
        deleted.append(instance)

    pre_delete.connect(record_delete, sender=Resident)
    try:
        # Given every kind of record, then every kind of change, then an empty PMS
        ResidentFactory(property=prop_a, first_name="Other", last_name="Name", email=EMAIL)
        pms.put(
            pms_resident("R1"),
            pms_resident("R2", first_name="Ben", email="ben@example.com"),
            pms_resident("R3", first_name="Cy", email="ben@example.com"),
            pms_resident("R4", first_name="Di", email=""),
        )
        pms.sync()
        pms.change("R2", email="ben.new@example.com", lifecycle=Lifecycle.PAST)
        pms.remove("R3", "R4")
        pms.sync()
        pms.records.clear()
        run = pms.sync()
    finally:
        pre_delete.disconnect(record_delete, sender=Resident)
    assert_succeeded(run)
    assert deleted == []
    assert Resident.objects.count() == 2
    assert SyncOutcome.objects.filter(outcome=Outcome.NOT_IN_PMS).count() == 4


# --- resolutions --------------------------------------------------------------------------


@pytest.fixture
def mismatch(pms) -> SyncAlert:
    """Ana, synced; then the PMS changes her email: an open Email Mismatch alert."""
    pms.put(pms_resident())
    pms.sync()
    pms.change("R1", email="ana.new@example.com")
    pms.sync()
    return SyncAlert.objects.get(kind=SyncAlert.Kind.EMAIL_MISMATCH)


def assert_resolution_event(alert: SyncAlert, resolution: str, actor, message: str) -> None:
    [event] = resolved_events()
    assert event.actor == actor
    assert event.actor_label == actor.get_full_name()
    assert event.reason == message
    assert event.data == {"alert": alert.id, "kind": alert.kind, "resolution": resolution}
    alert.refresh_from_db()
    assert alert.resolution == resolution
    assert alert.resolved_by == actor
    assert alert.resolved_at is not None


def test_take_the_pms_email(pms, mismatch, alice):
    message = sync_alert_resolve(alert=mismatch, resolution="take_pms", actor=alice)

    assert message == "Ana Abara's email is now ana.new@example.com."
    resident = Resident.objects.get()
    assert resident.email == "ana.new@example.com"
    assert_resolution_event(mismatch, "take_pms", alice, message)
    assert mismatch.state == SyncAlert.State.RESOLVED
    # And the next run applies the record as usual, raising nothing new
    pms.change("R1", phone="+14155550199")
    run = pms.sync()
    assert run.counts == {"updated": 1}
    resident.refresh_from_db()
    assert resident.phone == "+14155550199"
    assert SyncAlert.objects.count() == 1


def test_keep_ours_and_later_runs_respect_it(pms, mismatch, alice):
    message = sync_alert_resolve(alert=mismatch, resolution="keep_ours", actor=alice)

    assert message == (
        f"Kept {EMAIL} for Ana Abara; later syncs update the other fields and leave the "
        "email alone."
    )
    assert_resolution_event(mismatch, "keep_ours", alice, message)
    # When the PMS changes the phone, still holding its own email
    pms.change("R1", phone="+14155550199", last_name="Abara-Lee")
    run = pms.sync()
    # Then the other fields are updated, our email kept, and no alert raised again
    assert run.counts == {"updated": 1}
    resident = Resident.objects.get()
    assert (resident.email, resident.phone, resident.last_name) == (
        EMAIL,
        "+14155550199",
        "Abara-Lee",
    )
    assert SyncAlert.objects.filter(state=SyncAlert.State.OPEN).count() == 0
    assert "kept our email" in run.outcomes.get().detail
    # And so on the run after
    pms.change("R1", phone="+14155550100")
    assert pms.sync().counts == {"updated": 1}
    assert SyncAlert.objects.count() == 1
    # Until the PMS sends yet another address
    pms.change("R1", email="ana.third@example.com")
    assert pms.sync().counts == {"email_mismatch": 1}


def test_move_out_held_by_an_email_mismatch_is_applied_after_resolving(pms, alice):
    # Given Ana, synced as current
    pms.put(pms_resident())
    pms.sync()
    # When the PMS changes her email and moves her out in the same edit
    pms.change("R1", email="ana.new@example.com", lifecycle=Lifecycle.PAST, raw_status="Past")
    pms.sync()
    assert Resident.objects.get().status == ResidentStatus.CURRENT  # held back
    alert = SyncAlert.objects.get()
    # And the manager takes the PMS email
    sync_alert_resolve(alert=alert, resolution="take_pms", actor=alice)
    pms.sync()
    # Then the move-out the mismatch held back is applied
    resident = Resident.objects.get()
    assert resident.status == ResidentStatus.PAST
    assert AccessEvent.objects.filter(action=AccessEvent.Action.STATUS_CHANGED).count() == 1


@pytest.fixture
def possible_match(pms, prop_a) -> SyncAlert:
    """Our Anna Abara-Smith (Future) and a PMS record Ana Abara (Current), one email."""
    ResidentFactory(
        property=prop_a,
        first_name="Anna",
        last_name="Abara-Smith",
        email=EMAIL,
        status=ResidentStatus.FUTURE,
    )
    pms.put(pms_resident())
    pms.sync()
    return SyncAlert.objects.get(kind=SyncAlert.Kind.POSSIBLE_MATCH)


def test_possible_match_link(pms, possible_match, alice):
    ours = possible_match.resident
    message = sync_alert_resolve(alert=possible_match, resolution="link", actor=alice)

    assert message == "PMS record R1 is now linked to Anna Abara-Smith."
    assert_resolution_event(possible_match, "link", alice, message)
    assert link_of("R1").resident == ours
    # And the next run syncs the record into the linked resident, as an exact match would
    run = pms.sync()
    assert run.counts == {"updated": 1}
    ours.refresh_from_db()
    assert (ours.first_name, ours.last_name) == ("Ana", "Abara")
    assert ours.status == ResidentStatus.CURRENT
    assert Resident.objects.count() == 1
    assert SyncAlert.objects.count() == 1
    # And later runs leave it linked
    pms.change("R1", phone="+14155550199")
    assert pms.sync().counts == {"updated": 1}
    assert link_of("R1").resident == ours


def test_possible_match_create_new(pms, possible_match, alice):
    message = sync_alert_resolve(alert=possible_match, resolution="create", actor=alice)

    assert message == "Ana Abara was added from the PMS."
    assert_resolution_event(possible_match, "create", alice, message)
    created = Resident.objects.get(first_name="Ana")
    assert (created.email, created.phone, created.status) == (
        EMAIL,
        "+14155550101",
        ResidentStatus.CURRENT,
    )
    assert link_of("R1").resident == created
    # And later runs keep the two residents apart, raising nothing; the first places the
    # new resident's PMS unit, as for a link the sync makes itself — here unmapped, so it
    # says so
    run = pms.sync()
    assert run.counts == {"unit_not_mapped": 1}
    pms.change("R1", phone="+14155550199")
    assert pms.sync().counts == {"updated": 1}
    created.refresh_from_db()
    assert created.phone == "+14155550199"
    assert Resident.objects.count() == 2
    assert SyncAlert.objects.filter(state=SyncAlert.State.OPEN).count() == 0


def test_possible_match_ignore(pms, possible_match, alice):
    message = sync_alert_resolve(alert=possible_match, resolution="ignore", actor=alice)

    assert message == "PMS record R1 (Ana Abara) will be ignored."
    assert_resolution_event(possible_match, "ignore", alice, message)
    assert possible_match.state == SyncAlert.State.IGNORED
    # And later runs ignore the record, even when it changes
    pms.change("R1", phone="+14155550199")
    run = pms.sync()
    assert run.counts == {"ignored": 1}
    assert Resident.objects.count() == 1
    assert SyncAlert.objects.count() == 1
    assert link_of("R1").outcome == Outcome.IGNORED


def test_a_possible_match_whose_resident_was_deleted_is_synced_again(pms, possible_match):
    # Given support deletes our contact the PMS record was held against (its alert goes too)
    possible_match.resident.delete()
    assert not SyncAlert.objects.exists()

    # When the PMS record, unchanged, comes round again
    run = pms.sync()

    # Then it is no longer held for a decision nobody can make: it is created
    assert run.counts == {"created": 1}
    assert link_of("R1").resident == Resident.objects.get()


def test_an_email_mismatch_whose_resident_was_deleted_is_synced_again(pms, mismatch):
    mismatch.resident.delete()
    run = pms.sync()
    assert run.counts == {"created": 1}
    assert Resident.objects.get().email == "ana.new@example.com"


@pytest.fixture
def duplicate(pms) -> SyncAlert:
    """Ana (R1) synced; then the PMS adds Ben (R2) with Ana's email."""
    pms.put(pms_resident("R1"))
    pms.sync()
    pms.put(pms_resident("R2", first_name="Ben", email=EMAIL, phone="+14155550102"))
    pms.sync()
    return SyncAlert.objects.get(kind=SyncAlert.Kind.DUPLICATE)


def test_duplicate_use_this_record(pms, duplicate, alice):
    resident = Resident.objects.get()
    message = sync_alert_resolve(alert=duplicate, resolution="use_this", actor=alice)

    assert message == "PMS record R2 is now linked to Ana Abara."
    assert_resolution_event(duplicate, "use_this", alice, message)
    # Then R2 holds the link and R1 steps aside, ignored
    assert link_of("R2").resident == resident
    r1 = link_of("R1")
    assert (r1.resident, r1.outcome) == (None, Outcome.IGNORED)
    # And the next run syncs R2 into the resident and raises nothing about R1
    run = pms.sync()
    assert run.counts == {"updated": 1, "ignored": 1}
    resident.refresh_from_db()
    assert (resident.first_name, resident.phone) == ("Ben", "+14155550102")
    assert Resident.objects.count() == 1
    assert SyncAlert.objects.filter(state=SyncAlert.State.OPEN).count() == 0
    # Even when R1 changes
    pms.change("R1", phone="+14155550111")
    assert pms.sync().counts == {"ignored": 1, "unchanged": 1}
    assert SyncAlert.objects.filter(state=SyncAlert.State.OPEN).count() == 0


def test_duplicate_use_this_record_found_in_the_same_run_as_its_owner(pms, alice):
    # Given R1 and R2 claim one email and are both new in the same run
    pms.put(pms_resident("R1"), pms_resident("R2", first_name="Ben", email=EMAIL))
    pms.sync()
    alert = SyncAlert.objects.get(kind=SyncAlert.Kind.DUPLICATE)
    # When the manager picks R2
    sync_alert_resolve(alert=alert, resolution="use_this", actor=alice)
    pms.sync()
    # Then R2 takes over Ana's resident: still one resident for the one email
    assert Resident.objects.count() == 1
    assert link_of("R2").resident == Resident.objects.get()
    assert link_of("R1").resident is None


def test_duplicate_ignore(pms, duplicate, alice):
    message = sync_alert_resolve(alert=duplicate, resolution="ignore", actor=alice)

    assert message == "PMS record R2 (Ben Abara) will be ignored."
    assert_resolution_event(duplicate, "ignore", alice, message)
    pms.change("R2", phone="+14155550199")
    run = pms.sync()
    assert run.counts == {"ignored": 1, "unchanged": 1}
    assert Resident.objects.count() == 1
    assert link_of("R1").resident == Resident.objects.get()
    assert SyncAlert.objects.filter(state=SyncAlert.State.OPEN).count() == 0


def test_an_alert_resolves_once(mismatch, alice, bob):
    from django.core.exceptions import ValidationError

    sync_alert_resolve(alert=mismatch, resolution="keep_ours", actor=alice)
    with pytest.raises(ValidationError, match="already resolved"):
        sync_alert_resolve(alert=mismatch, resolution="take_pms", actor=bob)
    assert len(resolved_events()) == 1


def test_an_alert_refuses_another_kinds_resolution(mismatch, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Choose one of"):
        sync_alert_resolve(alert=mismatch, resolution="link", actor=alice)
    mismatch.refresh_from_db()
    assert mismatch.state == SyncAlert.State.OPEN
    assert resolved_events() == []
