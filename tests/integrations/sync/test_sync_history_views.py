"""Sync History, run detail, "Why isn't this resident syncing?", the People page's staleness
banner and the alert window's sync-alert resolutions — through the views, as a manager sees
them, with what the database then holds."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.automation import suggestions_pending
from integrations.models import (
    Outcome,
    PMSIntegration,
    PMSRecord,
    PMSUnit,
    SyncAlert,
    SyncOutcome,
    SyncRun,
)
from integrations.pms.types import Lifecycle, ResidentRole
from residents.models import Resident
from tests.factories import ResidentFactory, UserFactory
from tests.integrations.sync.conftest import integration_create
from tests.integrations.sync.fake_pms import FakePMS, many_residents, pms_resident

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- helpers ------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _rows(page: str, testid: str) -> list[str]:
    """The text of each body row of the table marked ``data-testid=testid``."""
    table = re.search(rf'data-testid="{testid}".*?</table>', page, re.S)
    assert table, f"no table {testid}"
    body = table.group(0).split("<tbody>", 1)[1]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _history_url(prop, **params) -> str:
    url = reverse("integrations-manage", args=[prop.id, "sync-history"])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def _history(client, prop, **params) -> str:
    response = client.get(_history_url(prop, **params))
    assert response.status_code == 200
    return response.content.decode()


def _run_url(prop, run) -> str:
    return reverse("integrations-sync-run", args=[prop.id, run.id])


def _detail(client, prop, run, **params) -> str:
    response = client.get(_run_url(prop, run), params)
    assert response.status_code == 200
    return response.content.decode()


def _finished_run(integration, *, minutes_ago: int, **fields) -> SyncRun:
    started = timezone.now() - timedelta(minutes=minutes_ago)
    fields.setdefault("state", SyncRun.State.SUCCEEDED)
    fields.setdefault("trigger", SyncRun.Trigger.SCHEDULE)
    return SyncRun.objects.create(
        integration=integration, started_at=started, finished_at=started + timedelta(seconds=12.5),
        **fields,
    )  # fmt: skip


def _why(client, prop, query: str) -> list[str]:
    """The lookup's answers, one text per PMS record (or the nothing-found message)."""
    page = _history(client, prop, why=query)
    section = re.search(r'data-testid="why-lookup".*?</section>', page, re.S)
    assert section
    results = re.findall(r'<div class="why-result">(.*?)</div>', section.group(0), re.S)
    if results:
        return [_text(r) for r in results]
    return [_text(m) for m in re.findall(r'<p class="msg warning">(.*?)</p>', section.group(0))]


# --- 1. the Sync History tab ---------------------------------------------------------------


def test_sync_history_lists_runs_newest_first_with_trigger_who_state_duration_counts_and_error(
    alice_client, alice, prop_a, integration
):
    support = UserFactory(username="support", first_name="", last_name="")
    _finished_run(
        integration,
        minutes_ago=300,
        trigger=SyncRun.Trigger.SETUP,
        requested_by=alice,
        counts={"created": 40, "skipped_no_email": 2},
    )
    _finished_run(
        integration,
        minutes_ago=200,
        counts={"updated": 1, "unchanged": 41, "email_mismatch": 1},
    )
    _finished_run(
        integration,
        minutes_ago=100,
        trigger=SyncRun.Trigger.SYNC_NOW,
        requested_by=alice,
        state=SyncRun.State.FAILED,
        error="Yardi refused the credential (HTTP 401). Nothing was changed.",
    )
    SyncRun.objects.create(
        integration=integration, trigger=SyncRun.Trigger.SUPPORT, requested_by=support
    )

    rows = _rows(_history(alice_client, prop_a), "sync-runs")

    assert len(rows) == 4
    queued, failed, scheduled, setup = rows
    assert "Support (admin) by support Queued — Details" in queued
    assert "Sync Now by Alice Ames Failed" in failed
    assert "Yardi refused the credential (HTTP 401). Nothing was changed." in failed
    assert "12.5 s" in failed
    assert "Schedule Succeeded 12.5 s" in scheduled
    assert " by " not in scheduled
    # Counts per outcome, largest first, "unchanged" last; an alert the run opened is
    # named without "waiting", which would be untrue once it is resolved
    assert scheduled.index("Email mismatch: 1") < scheduled.index("Unchanged: 41")
    assert "waiting" not in scheduled
    assert "Updated: 1" in scheduled
    assert "Set-up (first sync) by Alice Ames Succeeded 12.5 s" in setup
    assert "Created: 40 Skipped: no valid email: 2" in setup


def test_sync_history_shows_start_times_in_the_property_time_zone(
    alice_client, prop_a, integration
):
    SyncRun.objects.create(
        integration=integration,
        trigger=SyncRun.Trigger.SCHEDULE,
        state=SyncRun.State.SUCCEEDED,
        started_at=datetime(2025, 6, 1, 15, 30, tzinfo=UTC),
        finished_at=datetime(2025, 6, 1, 15, 31, tzinfo=UTC),
    )

    (row,) = _rows(_history(alice_client, prop_a), "sync-runs")

    assert row.startswith("Jun 1, 2025 11:30 AM EDT")  # prop_a is in New York


def test_sync_history_without_runs_says_so(alice_client, prop_a, integration):
    assert _rows(_history(alice_client, prop_a), "sync-runs") == ["No syncs yet."]


def test_sync_history_pages_by_25(alice_client, prop_a, integration):
    runs = [_finished_run(integration, minutes_ago=60 - n) for n in range(30)]

    first = _history(alice_client, prop_a)
    second = _history(alice_client, prop_a, page=2)

    assert len(_rows(first, "sync-runs")) == 25
    assert "Page 1 of 2 · 30 in all" in _text(first)
    assert len(_rows(second, "sync-runs")) == 5
    # The oldest five are on page 2
    for run in runs[:5]:
        assert _run_url(prop_a, run) in second
        assert _run_url(prop_a, run) not in first
    # A page past the end or not a number lands on a real page
    assert len(_rows(_history(alice_client, prop_a, page=99), "sync-runs")) == 5
    assert len(_rows(_history(alice_client, prop_a, page="x"), "sync-runs")) == 25


def _history_queries(client, prop) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _history(client, prop)
    return len(ctx.captured_queries)


def test_sync_history_query_count_does_not_grow_with_the_runs_on_a_page(
    alice_client, prop_a, integration
):
    for n in range(2):
        _finished_run(integration, minutes_ago=n, requested_by=UserFactory(), counts={"x": 1})
    few = _history_queries(alice_client, prop_a)

    for n in range(23):
        _finished_run(integration, minutes_ago=n, requested_by=UserFactory(), counts={"x": 1})
    full_page = _history_queries(alice_client, prop_a)

    assert full_page == few


def test_sync_history_query_count_is_pinned(alice_client, prop_a, integration):
    for n in range(25):
        _finished_run(integration, minutes_ago=n, requested_by=UserFactory())

    # session, user, property, integration, run count, switcher, alert count, runs page
    assert _history_queries(alice_client, prop_a) == 8


def test_sync_history_of_another_organization_is_404(bob_client, prop_a, integration):
    response = bob_client.get(_history_url(prop_a))

    assert response.status_code == 404


# --- 2. run detail -------------------------------------------------------------------------


@pytest.fixture
def mixed_run(pms: FakePMS, integration: PMSIntegration) -> SyncRun:
    integration.excluded_statuses = ["Current - Eviction"]
    integration.save()
    pms.put(
        pms_resident("R1", first_name="Ana", last_name="Abara"),
        pms_resident("R2", first_name="Ben", last_name="Bolt"),
        pms_resident("R3", first_name="Cy", last_name="Chan", email="", raw_email="cy@"),
        pms_resident("R4", first_name="Di", last_name="Dane", raw_status="Current - Eviction"),
        pms_resident("R5", first_name="Ed", last_name="Eng", role=ResidentRole.GUARANTOR),
    )
    return pms.sync()


def test_run_detail_lists_each_record_with_its_outcome_and_reason(alice_client, prop_a, mixed_run):
    page = _detail(alice_client, prop_a, mixed_run)
    rows = _rows(page, "sync-outcomes")

    unknown_unit = "PMS unit A-101 is unknown (not in the PMS unit list), so no unit was assigned"
    assert rows == [
        f"R1 Ana Abara ana.abara@example.com Current Created {unknown_unit}",
        f"R2 Ben Bolt ben.bolt@example.com Current Created {unknown_unit}",
        "R3 Cy Chan — Current Skipped: no valid email the PMS record has no valid email (“cy@”)",
        "R4 Di Dane di.dane@example.com Current - Eviction Skipped: excluded lease status "
        "lease status “Current - Eviction” is excluded in Manage Settings",
        "R5 Ed Eng ed.eng@example.com Current Skipped: guarantor (does not live here) "
        "guarantors do not live in the unit",
    ]
    ana = Resident.objects.get(email="ana.abara@example.com")
    assert reverse("resident-detail", args=[prop_a.id, ana.id]) in page
    assert f"Sync #{mixed_run.id} — Succeeded" in _text(page)
    assert "Created: 2" in _text(page)


def test_run_detail_filters_by_outcome(alice_client, prop_a, mixed_run):
    page = _detail(alice_client, prop_a, mixed_run, outcome="skipped_no_email")

    assert [r.split()[0] for r in _rows(page, "sync-outcomes")] == ["R3"]
    assert '<option value="skipped_no_email" selected>' in page


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("bolt", ["R2"]),  # name, any case
        ("DI.DANE@example", ["R4"]),  # part of an email
        ("R5", ["R5"]),  # PMS id
        ("example.com", ["R1", "R2", "R4", "R5"]),
        ("nobody", []),
    ],
)
def test_run_detail_searches_name_email_and_pms_id(alice_client, prop_a, mixed_run, q, expected):
    rows = _rows(_detail(alice_client, prop_a, mixed_run, q=q), "sync-outcomes")

    if expected:
        assert [r.split()[0] for r in rows] == expected
    else:
        assert rows == ["No records listed with this outcome."]


def test_a_later_run_counts_skipped_records_and_says_where_they_are_listed(
    alice_client, prop_a, pms, mixed_run
):
    again = pms.sync()

    # Skipped records still count as skipped, not as "unchanged"
    assert again.counts == {
        "unchanged": 2,
        "skipped_no_email": 1,
        "skipped_excluded": 1,
        "skipped_guarantor": 1,
    }
    page = _detail(alice_client, prop_a, again, outcome="skipped_no_email")
    assert _rows(page, "sync-outcomes") == ["No records listed with this outcome."]
    assert (
        "1 more record was counted here without being listed: its outcome is the same as in "
        "an earlier sync, which lists it."
    ) in _text(page)
    # The first run lists everything it counted: no such note
    assert 'data-testid="not-listed"' not in _detail(alice_client, prop_a, mixed_run)


def test_run_detail_combines_outcome_and_search(alice_client, prop_a, mixed_run):
    rows = _rows(
        _detail(alice_client, prop_a, mixed_run, outcome="created", q="ana"), "sync-outcomes"
    )

    assert [r.split()[0] for r in rows] == ["R1"]


@pytest.mark.parametrize("bogus", ["drop table", "unchanged'--", "CREATED", "x" * 500])
def test_run_detail_ignores_an_unknown_outcome_filter(alice_client, prop_a, mixed_run, bogus):
    page = _detail(alice_client, prop_a, mixed_run, outcome=bogus)

    assert len(_rows(page, "sync-outcomes")) == 5
    assert '<option value="" >' in page or '<option value="">All outcomes' in page
    assert " selected>" not in page.split('name="outcome"')[1].split("</select>")[0]


def test_run_detail_pages_by_100_and_keeps_the_filter_in_page_links(
    alice_client, prop_a, pms, integration
):
    pms.put(*many_residents(130))
    run = pms.sync()

    first = _detail(alice_client, prop_a, run, outcome="created")
    second = _detail(alice_client, prop_a, run, outcome="created", page=2)

    assert len(_rows(first, "sync-outcomes")) == 100
    assert len(_rows(second, "sync-outcomes")) == 30
    assert "Page 1 of 2 · 130 in all" in _text(first)
    assert 'href="?outcome=created&page=2"' in first


def _detail_queries(client, prop, run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _detail(client, prop, run)
    return len(ctx.captured_queries)


def test_run_detail_query_count_does_not_grow_with_outcomes(alice_client, prop_a, pms):
    pms.put(*many_residents(3))
    few = pms.sync()
    pms.put(*many_residents(90, start=3))
    many = pms.sync()
    assert SyncOutcome.objects.filter(run=many).count() == 90

    assert _detail_queries(alice_client, prop_a, many) == _detail_queries(alice_client, prop_a, few)


def test_run_detail_query_count_is_pinned(alice_client, prop_a, pms):
    pms.put(*many_residents(100))
    run = pms.sync()

    # session, user, property, run, outcome count, integration, switcher, alert count, page
    assert _detail_queries(alice_client, prop_a, run) == 9


def test_run_detail_of_another_propertys_integration_is_404(
    alice_client, bob_client, prop_a, prop_a2, credential, mixed_run
):
    # alice manages both properties, but the run belongs to prop_a's integration
    integration_create(prop_a2, credential, ["1002"])

    assert alice_client.get(_run_url(prop_a2, mixed_run)).status_code == 404
    assert bob_client.get(_run_url(prop_a, mixed_run)).status_code == 404
    assert (
        alice_client.get(reverse("integrations-sync-run", args=[prop_a.id, 999999])).status_code
        == 404
    )


# --- 3. "Why isn't this resident syncing?" ----------------------------------------------------


@pytest.fixture
def why_scenario(pms: FakePMS, integration: PMSIntegration, prop_a) -> FakePMS:
    """One PMS record per reason, after the two syncs it takes to get there."""
    integration.excluded_statuses = ["Current - Eviction"]
    integration.pms_property_ids = ["1001", "1002"]
    integration.pms_property_names = {"1001": "Harborview PMS", "1002": "Harborview Annex"}
    integration.save()
    PMSUnit.objects.create(
        integration=integration,
        external_id="20002",
        pms_property_id="1001",
        name="B-202",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    ResidentFactory(
        property=prop_a, first_name="Pat", last_name="Parker", email="possible@example.com"
    )
    pms.put(
        pms_resident("E1", first_name="Ezra", last_name="Evict", raw_status="Current - Eviction"),
        pms_resident("N1", first_name="Nia", last_name="Noemail", email="", raw_email="nia@"),
        pms_resident("G1", first_name="Gus", last_name="Guarantor", role=ResidentRole.GUARANTOR),
        pms_resident("P1", first_name="Pia", last_name="Past", lifecycle=Lifecycle.PAST),
        pms_resident("A1", first_name="Ari", last_name="Annex", pms_property_id="1002"),
        pms_resident("M1", first_name="Max", last_name="Mismatch"),
        pms_resident("X1", first_name="Patricia", last_name="Parker", email="possible@example.com"),
        pms_resident("D1", first_name="Dot", last_name="One", email="shared@example.com"),
        pms_resident("D2", first_name="Dot", last_name="Two", email="shared@example.com"),
        pms_resident("U1", first_name="Uma", last_name="Unmapped"),
        pms_resident("L1", first_name="Leo", last_name="Leaving"),
        pms_resident("S1", first_name="Sam", last_name="Synced"),
    )
    pms.sync()
    # Then the PMS moves on: a new email, a move into an unmapped unit, a record deleted,
    # and the annex is detached from the integration.
    pms.change("M1", email="max.new@example.com", raw_email="max.new@example.com")
    pms.change("U1", unit_id="20002", unit_name="B-202")
    pms.remove("L1", "A1")
    integration.pms_property_ids = ["1001"]
    integration.save()
    pms.sync()
    return pms


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "Ezra Evict",
            "Skipped: excluded lease status lease status “Current - Eviction” is excluded in "
            "Manage Settings",
        ),
        ("Nia", "Skipped: no valid email the PMS record has no valid email (“nia@”)"),
        ("Guarantor", "Skipped: guarantor (does not live here) guarantors do not live in the unit"),
        (
            "pia.past@example.com",
            "Skipped: not a pending or current lease lease status “Past” (past) is not pending "
            "or current",
        ),
        ("Annex", "Not in an attached PMS property PMS property 1002 is no longer attached"),
        (
            "Mismatch",
            "Email mismatch — waiting for review the PMS email changed to max.new@example.com "
            "(ours: max.mismatch@example.com); resolve the Email Mismatch alert — Max Mismatch",
        ),
        (
            "Patricia",
            "Possible match — waiting for review possible@example.com belongs to Pat Parker, "
            "but the PMS says Patricia Parker",
        ),
        (
            "Dot Two",
            "Duplicate email — waiting for review PMS record D1 has the same email "
            "shared@example.com",
        ),
        (
            "Uma",
            "Synced, but its PMS unit is not mapped PMS unit B-202 is not mapped, so no unit "
            "was assigned (map it in Unit Mapping) — Uma Unmapped",
        ),
        (
            "leo.leaving@example.com",
            "No longer in the PMS no longer in the PMS; the resident is kept — Leo Leaving",
        ),
        ("Sam Synced", "Created"),
    ],
)
def test_why_lookup_answers_with_the_reason(alice_client, prop_a, why_scenario, query, expected):
    (answer,) = _why(alice_client, prop_a, query)

    assert expected in answer


def test_why_lookup_shows_the_record_status_resident_and_when_it_was_last_seen(
    alice_client, prop_a, why_scenario
):
    (answer,) = _why(alice_client, prop_a, "Leo Leaving")
    page = _history(alice_client, prop_a, why="Leo Leaving")
    leo = Resident.objects.get(email="leo.leaving@example.com")

    assert answer.startswith("Leo Leaving <leo.leaving@example.com> · PMS record L1 · “Current”")
    assert "last seen" in answer
    assert "no longer in the PMS since" in answer
    assert reverse("resident-detail", args=[prop_a.id, leo.id]) in page
    # Never deleted
    assert Resident.objects.filter(id=leo.id).exists()


def test_why_lookup_for_a_synced_resident_links_to_them(alice_client, prop_a, why_scenario):
    page = _history(alice_client, prop_a, why="Sam Synced")
    sam = Resident.objects.get(email="sam.synced@example.com")

    assert reverse("resident-detail", args=[prop_a.id, sam.id]) in page
    assert "Sam Synced" in _why(alice_client, prop_a, "Sam Synced")[0]


@pytest.mark.parametrize(
    "query",
    [
        "sam.synced@example.com",
        "  SAM.Synced@Example.COM  ",
        "Sam",
        "synced",
        "sAm sYnCeD",
        "S1",
        "Synced, Sam",  # as the People list shows names
    ],
)
def test_why_lookup_by_email_any_case_and_spaces_or_by_name(
    alice_client, prop_a, why_scenario, query
):
    answers = _why(alice_client, prop_a, query)

    assert len(answers) == 1
    assert answers[0].startswith("Sam Synced <sam.synced@example.com> · PMS record S1")


def test_why_lookup_by_the_email_doorsync_has_finds_a_record_held_for_a_new_pms_email(
    alice_client, prop_a, why_scenario
):
    # The manager knows the resident by the email shown in doorsync, not the PMS's new one
    for query in ("max.mismatch@example.com", "max.new@example.com"):
        (answer,) = _why(alice_client, prop_a, query)
        assert answer.startswith("Max Mismatch <max.new@example.com> · PMS record M1")
        assert "Email mismatch — waiting for review" in answer


def test_why_lookup_finds_every_record_matching_a_name(alice_client, prop_a, why_scenario):
    answers = _why(alice_client, prop_a, "Dot")

    assert [a.split(" · ")[1] for a in answers] == ["PMS record D1", "PMS record D2"]


def test_why_lookup_that_finds_nothing_says_so_and_what_to_check(
    alice_client, prop_a, why_scenario
):
    (answer,) = _why(alice_client, prop_a, "zed@nowhere.example")

    assert answer == (
        "No PMS record matches “zed@nowhere.example” in the attached PMS properties "
        "(Harborview PMS). Check the spelling, that the resident is in one of these PMS "
        "properties, or attach their PMS property on the Property IDs tab."
    )


def test_why_lookup_without_property_names_falls_back_to_the_ids(alice_client, prop_a, integration):
    # Integrations attached before names were stored have ids only: never say "()".
    (answer,) = _why(alice_client, prop_a, "nobody")

    assert "in the attached PMS properties (1001)." in answer


def test_why_lookup_without_a_query_shows_nothing(alice_client, prop_a, why_scenario):
    page = _history(alice_client, prop_a, why="   ")

    assert "why-result" not in page
    assert "No PMS record matches" not in page


def test_why_lookup_never_shows_another_propertys_records(
    alice_client, prop_a, prop_a2, credential, why_scenario
):
    other = integration_create(prop_a2, credential, ["2001"])
    PMSRecord.objects.create(
        integration=other,
        external_id="Z9",
        pms_property_id="2001",
        first_name="Sam",
        last_name="Synced",
        email="sam.synced@example.com",
        raw_status="Current",
        outcome=Outcome.CREATED,
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )

    for query in ("Sam Synced", "sam.synced@example.com"):
        here = _why(alice_client, prop_a, query)
        there = _why(alice_client, prop_a2, query)
        assert [a.split(" · ")[1] for a in here] == ["PMS record S1"]
        assert [a.split(" · ")[1] for a in there] == ["PMS record Z9"]


# --- 4. staleness on the People page ----------------------------------------------------------

NOW = datetime(2025, 6, 1, 15, 30, tzinfo=UTC)


def _panel(client, prop) -> str:
    response = client.get(reverse("people", args=[prop.id]))
    assert response.status_code == 200
    page = response.content.decode()
    panel = re.search(r'<div id="sync-panel".*?\n</div>', page, re.S)
    assert panel, "no sync panel"
    return panel.group(0)


def _last_success(integration, at) -> None:
    PMSIntegration.objects.filter(id=integration.id).update(last_successful_sync_at=at)


@pytest.mark.parametrize(
    ("age", "banner"),
    [
        (timedelta(minutes=5), None),
        (timedelta(hours=1, minutes=59), None),
        (timedelta(hours=2, minutes=1), "The last successful sync was over 2 hours ago."),
        (timedelta(hours=23, minutes=59), "The last successful sync was over 2 hours ago."),
        (timedelta(days=1, minutes=1), "No successful sync for over a day."),
        (timedelta(days=9), "No successful sync for over a day."),
    ],
)
def test_people_page_flags_a_stale_sync(alice_client, prop_a, integration, age, banner):
    _last_success(integration, NOW - age)

    with time_machine.travel(NOW, tick=False):
        panel = _panel(alice_client, prop_a)

    if banner is None:
        assert 'data-testid="stale-banner"' not in panel
    else:
        assert banner in _text(panel)
        level = "error" if "a day" in banner else "warning"
        assert f'<div class="msg {level}" role="alert" data-testid="stale-banner">' in panel


def test_people_page_says_never_and_flags_an_integration_that_never_synced(
    alice_client, prop_a, integration
):
    PMSIntegration.objects.filter(id=integration.id).update(
        setup_completed_at=NOW - timedelta(days=2), last_successful_sync_at=None
    )

    with time_machine.travel(NOW, tick=False):
        panel = _text(_panel(alice_client, prop_a))

    assert "Last successful sync: never" in panel
    assert "No successful sync for over a day." in panel


def test_a_just_set_up_integration_says_never_without_a_banner(alice_client, prop_a, integration):
    PMSIntegration.objects.filter(id=integration.id).update(
        setup_completed_at=NOW - timedelta(minutes=10), last_successful_sync_at=None
    )

    with time_machine.travel(NOW, tick=False):
        panel = _panel(alice_client, prop_a)

    assert "Last successful sync: never" in _text(panel)
    assert "stale-banner" not in panel


def test_last_successful_sync_is_shown_in_each_propertys_time_zone(
    alice_client, prop_a, prop_a2, integration, credential
):
    other = integration_create(prop_a2, credential, ["1002"])
    _last_success(integration, NOW)
    _last_success(other, NOW)

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        harborview = _text(_panel(alice_client, prop_a))
        maple = _text(_panel(alice_client, prop_a2))

    assert "Last successful sync: Jun 1, 2025 11:30 AM EDT" in harborview
    assert "Last successful sync: Jun 1, 2025 10:30 AM CDT" in maple


def test_a_real_sync_resets_the_staleness(alice_client, prop_a, pms, integration):
    PMSIntegration.objects.filter(id=integration.id).update(
        last_successful_sync_at=NOW - timedelta(days=3)
    )
    pms.put(pms_resident("R1"))

    with time_machine.travel(NOW, tick=False):
        assert "No successful sync for over a day." in _text(_panel(alice_client, prop_a))
        pms.sync()
        panel = _text(_panel(alice_client, prop_a))

    assert "No successful sync for over a day." not in panel
    assert "over 2 hours ago" not in panel
    assert "Last successful sync: Jun 1, 2025 11:30 AM EDT" in panel
    assert "Last sync finished Jun 1, 11:30 AM EDT: Created: 1" in panel


# --- 6. resolving sync alerts through the alert window ----------------------------------------


def _resolve(client, prop, alert, resolution, **extra):
    return client.post(
        reverse("alerts-sync-resolve", args=[prop.id, alert.id]),
        {"resolution": resolution},
        **{**HTMX, **extra},
    )


def _flash(response) -> str:
    match = re.search(r'data-testid="alert-flash">(.*?)</div>', response.content.decode(), re.S)
    assert match, "no flash in the alert window"
    return _text(match.group(1))


def _open(kind: str) -> SyncAlert:
    return SyncAlert.objects.get(kind=kind, state=SyncAlert.State.OPEN)


def test_an_email_mismatch_says_when_the_lease_status_changed_too(alice_client, prop_a, pms):
    # A move-out in the PMS that comes with a new email is held like the email: say so
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara"))
    pms.sync()
    pms.change("R1", email="ana.new@example.com", lifecycle=Lifecycle.PAST, raw_status="Past")
    pms.sync()

    window = _text(alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode())

    assert (
        "Nothing of this resident syncs until you choose — the PMS lease status is now Past "
        "(was Current), and that waits too."
    ) in window


@pytest.fixture
def mismatch(pms: FakePMS) -> SyncAlert:
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara"))
    pms.sync()
    pms.change("R1", email="ana.new@example.com", phone="+14155550999")
    pms.sync()
    return _open(SyncAlert.Kind.EMAIL_MISMATCH)


def test_email_mismatch_take_pms_email(alice_client, alice, prop_a, pms, mismatch):
    response = _resolve(alice_client, prop_a, mismatch, "take_pms")

    assert response.status_code == 200
    assert _flash(response) == "Ana Abara's email is now ana.new@example.com."
    assert 'data-testid="alert-flash"' in response.content.decode()
    window = response.content.decode()
    assert 'data-testid="sync-alert"' not in window  # the window refreshed without it
    # ...and the alert icon's count (swapped out of band) now counts the suggestions only
    waiting = suggestions_pending(property=prop_a).count()
    assert f'<span class="badge" data-testid="alert-count">{waiting}</span>' in window
    mismatch.refresh_from_db()
    assert (mismatch.state, mismatch.resolution, mismatch.resolved_by) == (
        "resolved",
        "take_pms",
        alice,
    )
    ana = Resident.objects.get()
    assert ana.email == "ana.new@example.com"
    # The next sync applies the rest of the record and opens no new alert
    run = pms.sync()
    ana.refresh_from_db()
    assert ana.phone == "+14155550999"
    assert run.counts.get("email_mismatch", 0) == 0
    assert not SyncAlert.objects.filter(state=SyncAlert.State.OPEN).exists()


def test_email_mismatch_keep_ours(alice_client, prop_a, pms, mismatch):
    response = _resolve(alice_client, prop_a, mismatch, "keep_ours")

    assert _flash(response) == (
        "Kept ana.abara@example.com for Ana Abara; later syncs update the other fields and "
        "leave the email alone."
    )
    run = pms.sync()
    ana = Resident.objects.get()
    assert (ana.email, ana.phone) == ("ana.abara@example.com", "+14155550999")
    assert run.counts.get("email_mismatch", 0) == 0
    assert not SyncAlert.objects.filter(state=SyncAlert.State.OPEN).exists()


@pytest.fixture
def possible_match(pms: FakePMS, prop_a) -> SyncAlert:
    ResidentFactory(property=prop_a, first_name="Pat", last_name="Parker", email="pp@example.com")
    pms.put(pms_resident("X1", first_name="Patricia", last_name="Parker", email="pp@example.com"))
    pms.sync()
    return _open(SyncAlert.Kind.POSSIBLE_MATCH)


def test_possible_match_link(alice_client, prop_a, pms, possible_match):
    response = _resolve(alice_client, prop_a, possible_match, "link")

    assert _flash(response) == "PMS record X1 is now linked to Pat Parker."
    pat = Resident.objects.get()
    assert PMSRecord.objects.get(external_id="X1").resident == pat
    # The next sync updates the linked resident from the PMS
    pms.sync()
    pat.refresh_from_db()
    assert (pat.first_name, Resident.objects.count()) == ("Patricia", 1)


def test_possible_match_create_new(alice_client, prop_a, pms, possible_match):
    response = _resolve(alice_client, prop_a, possible_match, "create")

    assert _flash(response) == "Patricia Parker was added from the PMS."
    assert sorted(Resident.objects.values_list("first_name", flat=True)) == ["Pat", "Patricia"]
    patricia = Resident.objects.get(first_name="Patricia")
    assert PMSRecord.objects.get(external_id="X1").resident == patricia
    run = pms.sync()
    assert Resident.objects.count() == 2
    assert run.counts.get("possible_match", 0) == 0


def test_possible_match_ignore(alice_client, prop_a, pms, possible_match):
    response = _resolve(alice_client, prop_a, possible_match, "ignore")

    assert _flash(response) == "PMS record X1 (Patricia Parker) will be ignored."
    possible_match.refresh_from_db()
    assert possible_match.state == SyncAlert.State.IGNORED
    run = pms.sync()
    assert Resident.objects.count() == 1
    assert PMSRecord.objects.get(external_id="X1").outcome == Outcome.IGNORED
    assert run.counts.get("possible_match", 0) == 0
    assert not SyncAlert.objects.filter(state=SyncAlert.State.OPEN).exists()


@pytest.fixture
def duplicate(pms: FakePMS) -> SyncAlert:
    pms.put(
        pms_resident("D1", first_name="Dot", last_name="One", email="shared@example.com"),
        pms_resident("D2", first_name="Dot", last_name="Two", email="shared@example.com"),
    )
    pms.sync()
    return _open(SyncAlert.Kind.DUPLICATE)


def test_duplicate_use_this_record(alice_client, prop_a, pms, duplicate):
    assert duplicate.external_id == "D2"
    dot = Resident.objects.get()

    response = _resolve(alice_client, prop_a, duplicate, "use_this")

    assert _flash(response) == "PMS record D2 is now linked to Dot One."
    assert PMSRecord.objects.get(external_id="D2").resident == dot
    d1 = PMSRecord.objects.get(external_id="D1")
    assert (d1.resident, d1.outcome) == (None, Outcome.IGNORED)
    pms.sync()
    dot.refresh_from_db()
    assert (dot.last_name, Resident.objects.count()) == ("Two", 1)
    assert not SyncAlert.objects.filter(state=SyncAlert.State.OPEN).exists()


def test_duplicate_offers_ignore_first_and_asks_before_relinking(
    alice_client, prop_a, pms, duplicate
):
    html_ = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    buttons = re.findall(r"<button class=\"btn( primary)?\"([^>]*)>([^<]+)</button>", html_)
    alert_buttons = [
        (bool(p), label) for p, _, label in buttons if label in ("Ignore", "Use this PMS record")
    ]
    assert alert_buttons == [(True, "Ignore"), (False, "Use this PMS record")]
    # Relinking renames the resident after the other record: it says so before doing it
    assert html.unescape(
        'data-confirm="Use PMS record D2 (Dot Two) for Dot One? Dot&#x27;s name and details '
        "will follow this record from the next sync, and the PMS record linked until now "
        'will be ignored."'
    ) in html.unescape(html_)


def test_duplicate_ignore(alice_client, prop_a, pms, duplicate):
    response = _resolve(alice_client, prop_a, duplicate, "ignore")

    assert _flash(response) == "PMS record D2 (Dot Two) will be ignored."
    pms.sync()
    dot = Resident.objects.get()
    assert dot.last_name == "One"
    assert PMSRecord.objects.get(external_id="D1").resident == dot
    assert not SyncAlert.objects.filter(state=SyncAlert.State.OPEN).exists()


@pytest.mark.parametrize("resolution", ["", "link", "delete_everything"])
def test_an_unknown_resolution_says_what_to_choose_and_changes_nothing(
    alice_client, prop_a, mismatch, resolution
):
    before = Resident.objects.values().get()

    response = _resolve(alice_client, prop_a, mismatch, resolution)

    assert response.status_code == 200
    assert _flash(response) == "Choose one of: Take the PMS email, Keep ours."
    assert 'class="msg error"' in response.content.decode()
    mismatch.refresh_from_db()
    assert (mismatch.state, mismatch.resolution) == ("open", "")
    assert Resident.objects.values().get() == before
    # The alert is still offered in the refreshed window
    assert 'data-testid="sync-alert"' in response.content.decode()


def test_an_already_resolved_alert_says_so_and_changes_nothing(alice_client, prop_a, mismatch):
    _resolve(alice_client, prop_a, mismatch, "keep_ours")
    before = Resident.objects.values().get()

    response = _resolve(alice_client, prop_a, mismatch, "take_pms")

    assert _flash(response) == "This alert was already resolved."
    mismatch.refresh_from_db()
    assert mismatch.resolution == "keep_ours"
    assert Resident.objects.values().get() == before


def test_resolving_without_htmx_redirects_to_people_with_the_message(
    alice_client, prop_a, mismatch
):
    response = alice_client.post(
        reverse("alerts-sync-resolve", args=[prop_a.id, mismatch.id]), {"resolution": "take_pms"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people", args=[prop_a.id])
    people = _text(alice_client.get(response["Location"]).content.decode())
    assert "Ana Abara's email is now ana.new@example.com." in people


def test_resolve_refuses_get_and_changes_nothing(alice_client, prop_a, mismatch):
    response = alice_client.get(reverse("alerts-sync-resolve", args=[prop_a.id, mismatch.id]))

    assert response.status_code == 405
    mismatch.refresh_from_db()
    assert mismatch.state == SyncAlert.State.OPEN


def test_resolve_of_another_organizations_alert_is_404(
    bob_client, alice_client, prop_a, prop_a2, mismatch
):
    assert _resolve(bob_client, prop_a, mismatch, "take_pms").status_code == 404
    # alice's other property does not reach it either
    assert _resolve(alice_client, prop_a2, mismatch, "take_pms").status_code == 404
    mismatch.refresh_from_db()
    assert mismatch.state == SyncAlert.State.OPEN
    assert Resident.objects.get().email == "ana.abara@example.com"


def test_run_detail_rows_name_alerts_without_waiting():
    # The run's record of what it saw: "waiting for review" would be untrue once resolved
    assert SyncOutcome(outcome="email_mismatch").outcome_label == "Email mismatch"
    assert SyncOutcome(outcome="duplicate").outcome_label == "Duplicate email"
    assert SyncOutcome(outcome="created").outcome_label == "Created"
