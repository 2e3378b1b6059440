"""`decide()`, the User Sync matching rules for one PMS record, row by row (DESIGN.md).

Pure: no database. Each test states the inputs the engine would pass and the exact
decision, so a change to a rule shows up here before it shows up in a sync.
"""

from __future__ import annotations

from collections.abc import Collection

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.models import Outcome
from integrations.pms.types import Lifecycle, PMSResident, ResidentRole
from integrations.sync.rules import Action, Candidate, Decision, decide
from tests.integrations.sync.fake_pms import pms_resident

OUR_ID = 41


def decide_for(
    record: PMSResident,
    *,
    linked_resident_id: int | None = None,
    linked_resident_email: str | None = None,
    excluded_statuses: Collection[str] = (),
    candidates: Collection[Candidate] = (),
    duplicate_of: str | None = None,
    ignored: bool = False,
    kept_emails: Collection[str] = (),
) -> Decision:
    return decide(
        record=record,
        linked_resident_id=linked_resident_id,
        linked_resident_email=linked_resident_email,
        excluded_statuses=excluded_statuses,
        candidates=candidates,
        duplicate_of=duplicate_of,
        ignored=ignored,
        kept_emails=kept_emails,
    )


def candidate(
    resident_id: int = OUR_ID,
    first_name: str = "Ana",
    last_name: str = "Abara",
    email: str = "ana.abara@example.com",
    linked_external_id: str | None = None,
) -> Candidate:
    return Candidate(resident_id, first_name, last_name, email, linked_external_id)


# --- 1. linked records ------------------------------------------------------------------


def test_linked_record_is_updated():
    decision = decide_for(
        pms_resident(), linked_resident_id=OUR_ID, linked_resident_email="ana.abara@example.com"
    )
    assert decision == Decision(Action.UPDATE, Outcome.UPDATED, "", resident_id=OUR_ID)


def test_linked_record_matches_our_email_whatever_its_case():
    decision = decide_for(
        pms_resident(), linked_resident_id=OUR_ID, linked_resident_email="  Ana.Abara@Example.COM "
    )
    assert decision.action is Action.UPDATE
    assert decision.keep_our_email is False


def test_linked_record_with_another_email_is_an_email_mismatch_and_not_updated():
    decision = decide_for(
        pms_resident(email="ana.new@example.com"),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
    )
    assert decision.action is Action.ALERT_EMAIL_MISMATCH
    assert decision.outcome == Outcome.EMAIL_MISMATCH
    assert decision.resident_id == OUR_ID
    assert decision.detail == (
        "the PMS email changed to ana.new@example.com (ours: ana.abara@example.com); "
        "resolve the Email Mismatch alert"
    )


def test_linked_record_without_email_of_ours_is_still_a_mismatch_naming_none():
    decision = decide_for(
        pms_resident(email="ana.new@example.com"),
        linked_resident_id=OUR_ID,
        linked_resident_email="",
    )
    assert decision.action is Action.ALERT_EMAIL_MISMATCH
    assert "(ours: none)" in decision.detail


def test_kept_email_updates_everything_but_the_email():
    # Given a manager chose "keep ours" over the PMS's ana.new@example.com
    decision = decide_for(
        pms_resident(email="ana.new@example.com"),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
        kept_emails={"ana.new@example.com"},
    )
    assert decision.action is Action.UPDATE
    assert decision.outcome == Outcome.UPDATED
    assert decision.keep_our_email is True
    assert decision.resident_id == OUR_ID
    assert decision.detail == (
        "kept our email ana.abara@example.com over the PMS's ana.new@example.com (manager's choice)"
    )


def test_kept_email_does_not_cover_a_newer_pms_email():
    decision = decide_for(
        pms_resident(email="ana.third@example.com"),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
        kept_emails={"ana.new@example.com"},
    )
    assert decision.action is Action.ALERT_EMAIL_MISMATCH


def test_linked_record_without_pms_email_updates_and_keeps_ours():
    decision = decide_for(
        pms_resident(email="", raw_email="n/a"),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
    )
    assert decision == Decision(
        Action.UPDATE,
        Outcome.UPDATED,
        "the PMS has no valid email; kept ours",
        resident_id=OUR_ID,
        keep_our_email=True,
    )


def test_linked_residents_are_followed_into_past():
    decision = decide_for(
        pms_resident(lifecycle=Lifecycle.PAST),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
    )
    assert decision.action is Action.UPDATE
    assert decision.resident_id == OUR_ID


def test_linked_residents_are_followed_whatever_the_status_says():
    # Exclusions, guarantors, "ignored" and cancelled leases only stop unlinked records.
    decision = decide_for(
        pms_resident(
            lifecycle=Lifecycle.CANCELLED, raw_status="Denied", role=ResidentRole.GUARANTOR
        ),
        linked_resident_id=OUR_ID,
        linked_resident_email="ana.abara@example.com",
        excluded_statuses={"Denied"},
        ignored=True,
    )
    assert decision.action is Action.UPDATE


# --- 2. unlinked records in scope -------------------------------------------------------


def test_exact_match_is_linked_ignoring_case_and_whitespace():
    decision = decide_for(
        pms_resident(first_name="  ANA ", last_name="abara"),
        candidates=[
            candidate(first_name="ana", last_name=" Abara  ", email="Ana.Abara@example.com")
        ],
    )
    assert decision == Decision(Action.LINK, Outcome.LINKED, "", resident_id=OUR_ID)


def test_exact_match_collapses_inner_whitespace_in_names():
    decision = decide_for(
        pms_resident(first_name="Mary  Ann", last_name="Da Silva"),
        candidates=[candidate(first_name="mary ann", last_name="da  silva")],
    )
    assert decision.action is Action.LINK


def test_email_match_with_another_name_is_a_possible_match():
    decision = decide_for(
        pms_resident(first_name="Anna", last_name="Abara-Smith", email="ana.abara@example.com"),
        candidates=[candidate()],
    )
    assert decision.action is Action.ALERT_POSSIBLE_MATCH
    assert decision.outcome == Outcome.POSSIBLE_MATCH
    assert decision.resident_id == OUR_ID
    assert decision.detail == (
        "ana.abara@example.com belongs to Ana Abara, but the PMS says Anna Abara-Smith"
    )


def test_exact_match_wins_over_a_possible_match():
    decision = decide_for(
        pms_resident(),
        candidates=[candidate(resident_id=1, first_name="Anna"), candidate(resident_id=2)],
    )
    assert decision == Decision(Action.LINK, Outcome.LINKED, "", resident_id=2)


def test_second_record_claiming_an_email_is_a_duplicate():
    # Given R1 (already synced to resident 41) owns the email in this snapshot
    decision = decide_for(
        pms_resident("R2"),
        candidates=[candidate(linked_external_id="R1")],
        duplicate_of="R1",
    )
    assert decision == Decision(
        Action.ALERT_DUPLICATE,
        Outcome.DUPLICATE,
        "PMS record R1 has the same email ana.abara@example.com",
        resident_id=OUR_ID,
    )


def test_second_record_is_a_duplicate_even_before_the_owner_has_a_resident():
    decision = decide_for(pms_resident("R2"), duplicate_of="R1")
    assert decision.action is Action.ALERT_DUPLICATE
    assert decision.resident_id is None


def test_duplicate_beats_an_exact_match():
    decision = decide_for(pms_resident("R2"), candidates=[candidate()], duplicate_of="R1")
    assert decision.action is Action.ALERT_DUPLICATE


def test_email_of_a_resident_linked_to_another_record_is_a_duplicate():
    decision = decide_for(pms_resident("R2"), candidates=[candidate(linked_external_id="R1")])
    assert decision == Decision(
        Action.ALERT_DUPLICATE,
        Outcome.DUPLICATE,
        "ana.abara@example.com already belongs to a resident synced from PMS record R1",
        resident_id=OUR_ID,
    )


def test_no_match_creates():
    assert decide_for(pms_resident()) == Decision(Action.CREATE, Outcome.CREATED)


# --- 3. skipped records -------------------------------------------------------------------


def test_no_valid_email_is_skipped_with_what_the_pms_sent():
    decision = decide_for(pms_resident(email="", raw_email="ana@"))
    assert decision == Decision(
        Action.SKIP, Outcome.SKIPPED_NO_EMAIL, "the PMS record has no valid email (“ana@”)"
    )


def test_no_email_at_all_is_skipped():
    decision = decide_for(pms_resident(email="", raw_email=""))
    assert decision.outcome == Outcome.SKIPPED_NO_EMAIL
    assert decision.detail == "the PMS record has no valid email"


def test_excluded_raw_status_is_skipped():
    decision = decide_for(
        pms_resident(lifecycle=Lifecycle.NOTICE, raw_status="Eviction"),
        excluded_statuses={"Eviction"},
        candidates=[candidate()],
    )
    assert decision == Decision(
        Action.SKIP,
        Outcome.SKIPPED_EXCLUDED,
        "lease status “Eviction” is excluded in Manage Settings",
    )


def test_applicant_past_and_cancelled_are_out_of_scope():
    for lifecycle, raw in (
        (Lifecycle.APPLICANT, "Applicant"),
        (Lifecycle.PAST, "Past"),
        (Lifecycle.CANCELLED, "Canceled"),
    ):
        decision = decide_for(pms_resident(lifecycle=lifecycle), candidates=[candidate()])
        assert decision == Decision(
            Action.SKIP,
            Outcome.SKIPPED_LIFECYCLE,
            f"lease status “{raw}” ({lifecycle.value}) is not pending or current",
        ), lifecycle


def test_future_current_and_notice_are_in_scope():
    for lifecycle in (Lifecycle.FUTURE, Lifecycle.CURRENT, Lifecycle.NOTICE):
        assert decide_for(pms_resident(lifecycle=lifecycle)).action is Action.CREATE


def test_guarantor_is_skipped():
    decision = decide_for(pms_resident(role=ResidentRole.GUARANTOR), candidates=[candidate()])
    assert decision == Decision(
        Action.SKIP, Outcome.SKIPPED_GUARANTOR, "guarantors do not live in the unit"
    )


def test_roommates_and_occupants_are_synced():
    for role in (ResidentRole.ROOMMATE, ResidentRole.OCCUPANT):
        assert decide_for(pms_resident(role=role)).action is Action.CREATE


def test_ignored_record_stays_ignored():
    decision = decide_for(pms_resident(), candidates=[candidate()], ignored=True)
    assert decision == Decision(
        Action.SKIP, Outcome.IGNORED, "a manager chose to ignore this PMS record"
    )


# --- properties over arbitrary input ---------------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
emails = st.one_of(st.just(""), st.emails(), st.sampled_from(["ana@x.io", "ANA@X.IO ", "b@x.io"]))
statuses = st.sampled_from(["Current", "Past", "Eviction", "Denied", "", "Notice"])
records = st.builds(
    pms_resident,
    st.sampled_from(["R1", "R2", "R3"]),
    first_name=names,
    last_name=names,
    email=emails,
    lifecycle=st.sampled_from(list(Lifecycle)),
    raw_status=statuses,
    role=st.sampled_from(list(ResidentRole)),
    raw_email=st.one_of(st.just(""), names),
)
candidates = st.lists(
    st.builds(
        Candidate,
        resident_id=st.integers(1, 5),
        first_name=names,
        last_name=names,
        email=emails,
        linked_external_id=st.one_of(st.none(), st.sampled_from(["R1", "R2", "R9"])),
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(
    record=records,
    linked_resident_id=st.one_of(st.none(), st.integers(1, 5)),
    linked_resident_email=st.one_of(st.none(), emails),
    excluded=st.sets(statuses, max_size=2),
    candidates=candidates,
    duplicate_of=st.one_of(st.none(), st.sampled_from(["R1", "R9"])),
    ignored=st.booleans(),
    kept=st.sets(emails, max_size=2),
)
def test_decide_never_raises_and_never_creates_or_links_a_linked_record(
    record, linked_resident_id, linked_resident_email, excluded, candidates, duplicate_of,
    ignored, kept,
):  # fmt: skip
    decision = decide_for(
        record,
        linked_resident_id=linked_resident_id,
        linked_resident_email=linked_resident_email,
        excluded_statuses=excluded,
        candidates=candidates,
        duplicate_of=duplicate_of,
        ignored=ignored,
        kept_emails=kept,
    )
    assert decision.outcome in Outcome.values
    if linked_resident_id is not None:
        # A linked record is updated, or held back for the manager; never created or re-linked.
        assert decision.action in (Action.UPDATE, Action.ALERT_EMAIL_MISMATCH)
        assert decision.resident_id == linked_resident_id
        return
    assert decision.action is not Action.UPDATE
    if decision.action is Action.LINK:
        unlinked = {c.resident_id for c in candidates if c.linked_external_id is None}
        assert decision.resident_id in unlinked
    if decision.action in (Action.CREATE, Action.LINK):
        # Only in-scope records with a valid email ever make or join a resident.
        assert record.email
        assert not ignored
        assert not record.is_guarantor
        assert record.raw_status not in excluded
        assert record.lifecycle in (Lifecycle.FUTURE, Lifecycle.CURRENT, Lifecycle.NOTICE)
        assert duplicate_of is None
    if decision.action is Action.CREATE:
        assert not candidates
