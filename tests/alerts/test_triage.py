"""Triage after a first sync: categories counted first, approved whole at that count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.automation import suggestion_counts
from access.models import AccessSuggestion, KeyGrant
from alerts.selectors import TriageCategory, triage_categories
from tests.alerts.conftest import suggest

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def window(client, prop, **params):
    return client.get(reverse("alerts", args=[prop.id]), params, headers=HTMX)


def approve(client, prop, **data):
    return client.post(reverse("suggestions-approve-category", args=[prop.id]), data, headers=HTMX)


def test_categories_are_counted_by_kind_and_transition_red_first(prop_a, first_sync):
    assert triage_categories(property=prop_a) == [
        TriageCategory("revoke", "Current → Past", 3),
        TriageCategory("grant", "Future → Current", 12),
        TriageCategory("none", "Future → Current", 5),
    ]


def test_the_window_shows_the_counts_before_anything_is_applied(alice_client, prop_a, first_sync):
    page = window(alice_client, prop_a).content.decode()
    assert 'data-testid="triage"' in page
    assert "Approve all 12" in page
    assert "Grant 12 keys (Future → Current) now?" in page
    assert "Clear all 5" in page
    assert AccessSuggestion.objects.filter(state="pending").count() == 20


def test_approving_a_category_applies_exactly_it(alice_client, prop_a, first_sync):
    response = approve(alice_client, prop_a, kind="grant", label="Future → Current", expected="12")
    assert "Access updated: 12 keys granted." in response.content.decode()
    assert KeyGrant.objects.filter(granted_by__isnull=False).count() == 12
    assert suggestion_counts(property=prop_a) == {"revoke": 3, "none": 5, "all": 8}


def test_clearing_the_no_change_rows_changes_no_key(alice_client, prop_a, first_sync):
    response = approve(alice_client, prop_a, kind="none", label="Future → Current", expected="5")
    assert "5 no-change suggestions cleared" in response.content.decode()
    assert KeyGrant.objects.count() == 3  # the revokes' keys, still held
    assert suggestion_counts(property=prop_a)["all"] == 15


def test_a_count_that_changed_since_it_was_shown_applies_nothing(alice_client, prop_a, first_sync):
    # Given the manager was shown 12 grants, and a sync has added one since
    suggest(prop_a, "grant", "Future → Current", 1)

    response = approve(alice_client, prop_a, kind="grant", label="Future → Current", expected="12")

    page = response.content.decode()
    assert "now holds 13 suggestions, not the 12 you were shown" in page
    assert KeyGrant.objects.count() == 3  # the revokes' keys only: nothing granted
    assert "Approve all 13" in page  # the new count, to choose again


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "everything", "label": "", "expected": "1"},
        {"kind": "grant", "label": "Future → Current"},
        {"kind": "grant", "label": "Future → Current", "expected": "-3"},
    ],
)
def test_bad_category_requests_are_named_and_change_nothing(alice_client, prop_a, first_sync, data):
    response = approve(alice_client, prop_a, **data)
    assert response.status_code == 200
    assert 'class="msg error"' in response.content.decode()
    assert AccessSuggestion.objects.filter(state="pending").count() == 20


def test_review_narrows_the_window_to_the_category(alice_client, prop_a, first_sync):
    response = window(alice_client, prop_a, kind="revoke", label="Current → Past")
    assert response.context["suggestions_matching"] == 3
    assert {s.kind for g in response.context["suggestion_groups"] for s in g.items} == {"revoke"}
    assert "3 from “Current → Past”" in response.content.decode()


def test_a_page_is_what_select_this_page_may_send(alice_client, prop_a):
    suggest(prop_a, "grant", "Future → Current", 60)
    response = window(alice_client, prop_a)
    assert response.context["suggestions_shown"] == response.context["max_selection"] == 50
    assert "Select this page (50)" in response.content.decode()


def test_approving_another_propertys_category_is_404(bob_client, prop_a, first_sync):
    response = approve(bob_client, prop_a, kind="grant", label="Future → Current", expected="12")
    assert response.status_code == 404
    assert KeyGrant.objects.count() == 3
