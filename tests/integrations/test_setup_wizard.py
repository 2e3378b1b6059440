"""ePMS set-up as alice sees it: the Integrations card, the wizard (Enter Credentials →
Attach Property IDs → Exclude Lease Statuses → User Sync → Done) and the Manage Settings
tabs that reuse its steps, through the views against the PMS simulator over real HTTP;
then the services of integrations/setup.py on their own. Isolation: bob's organization
gets 404 on every step and tab of alice's property, and nothing changes."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from integrations import setup, views
from integrations.credentials import services as credential_services
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSCredential, PMSIntegration, PMSRecord, SyncRun
from integrations.pms.http import HttpOptions
from integrations.pms.types import PMSProperty
from integrations.setup import (
    integration_attach_properties,
    integration_get_or_create,
    integration_set_credential,
    integration_set_excluded_statuses,
    integration_set_user_sync,
)
from integrations.simulator.credentials import demo_fields
from integrations.simulator.server import SimulatorHandle
from integrations.vendors.entrata.statuses import STATUS_MAP as ENTRATA_STATUSES
from integrations.vendors.yardi.statuses import STATUS_MAP as YARDI_STATUSES
from tests.integrations.sync.conftest import credential_create

pytestmark = pytest.mark.django_db

Step = PMSIntegration.SetupStep
SIM_PROPERTIES = {
    "1001": "Harbor View Apartments",
    "1002": "Maple Court",
    "1003": "The Foundry Lofts",
}
STEPS = ["credentials", "property-ids", "excluded-statuses", "user-sync"]
STEP_TITLES = [
    "Enter Credentials",
    "Attach Property IDs",
    "Exclude Lease Statuses",
    "User Sync Integration",
]
TABS = ["credentials", "property-ids", "excluded-statuses", "user-sync"]
OTHER_TABS = ["unit-mapping", "automate-access", "sync-history"]
FINISH_FIRST = "Finish this step first."


# --- fixtures and helpers ---------------------------------------------------------


class _Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> _Sleeps:
    """The wizard's live PMS calls get an injected sleep: retries never wait on the clock."""
    recorder = _Sleeps()
    real = credential_services.pms_credential_connector

    def connector(*, credential, options=None):
        options = options or HttpOptions(
            sleep=recorder, jitter=lambda: 0.0, connect_timeout=2, read_timeout=10
        )
        return real(credential=credential, options=options)

    monkeypatch.setattr(setup, "pms_credential_connector", connector)
    return recorder


@pytest.fixture
def sim(pms_simulator: SimulatorHandle) -> Iterator[SimulatorHandle]:
    """The session simulator with its faults cleared before and after the test."""
    pms_simulator.state.faults.reset()
    yield pms_simulator
    pms_simulator.state.faults.reset()


@pytest.fixture
def yardi(org_a, sim) -> PMSCredential:
    return credential_create(org_a, sim, "yardi")


@pytest.fixture
def entrata(org_a, sim) -> PMSCredential:
    return credential_create(org_a, sim, "entrata")


@pytest.fixture
def delay() -> Iterator[mock.MagicMock]:
    """The Celery task is never sent: the wizard's first sync is only queued."""
    with mock.patch("integrations.tasks.user_sync_task.delay") as patched:
        yield patched


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


def inputs(response, name: str) -> dict[str, bool]:
    """value → checked, for every input called `name` on the page."""
    parser = _Inputs()
    parser.feed(response.content.decode())
    return {str(i.get("value")): "checked" in i for i in parser.inputs if i.get("name") == name}


def checked(response, name: str) -> set[str]:
    return {value for value, on in inputs(response, name).items() if on}


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def setup_url(prop, step: str | None = None) -> str:
    if step is None:
        return reverse("integrations-setup-start", args=[prop.id])
    return reverse("integrations-setup", args=[prop.id, step])


def manage_url(prop, tab: str | None = None) -> str:
    if tab is None:
        return reverse("integrations-manage-start", args=[prop.id])
    return reverse("integrations-manage", args=[prop.id, tab])


def card(client: Client, prop) -> str:
    page = text(client.get(reverse("integrations", args=[prop.id])))
    start = page.index('data-testid="epms-card"')
    return page[start : page.index("</section>", start)]


def settings_events(prop) -> list[AccessEvent]:
    return list(
        AccessEvent.objects.filter(
            property=prop, action=AccessEvent.Action.SETTING_CHANGED
        ).order_by("id")
    )


def snapshot(prop) -> dict[str, object]:
    """What set-up may change for a property, to prove a refused request changed nothing."""
    integration = PMSIntegration.objects.filter(property=prop).first()
    return {
        "integration": None
        if integration is None
        else (
            integration.credential_id,
            integration.pms_property_ids,
            integration.pms_property_names,
            integration.excluded_statuses,
            integration.user_sync_enabled,
            integration.setup_step,
            integration.setup_completed_at,
        ),
        "events": AccessEvent.objects.filter(property=prop).count(),
        "runs": SyncRun.objects.filter(integration__property=prop).count(),
    }


def integration_at(prop, credential, step: str, **fields) -> PMSIntegration:
    """An integration whose wizard has reached `step`, made the wizard's way."""
    defaults: dict[str, object] = {"credential": credential, "setup_step": step}
    if step in (Step.EXCLUDED_STATUSES, Step.USER_SYNC, Step.DONE):
        defaults["pms_property_ids"] = ["1001"]
        defaults["pms_property_names"] = {"1001": SIM_PROPERTIES["1001"]}
    if step == Step.DONE:
        defaults["user_sync_enabled"] = True
        defaults["setup_completed_at"] = timezone.now()
    defaults.update(fields)
    integration, _ = PMSIntegration.objects.update_or_create(property=prop, defaults=defaults)
    return integration


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the Integrations card ----------------------------------------------------------


def test_card_says_set_up_first_then_configure_then_manage_settings(
    alice_client, prop_a, yardi, delay
):
    # Given no integration yet: Set Up
    shown = card(alice_client, prop_a)
    assert ">Set Up</a>" in shown and setup_url(prop_a) in shown
    assert "Configure" not in shown and "Manage Settings" not in shown

    # When alice opens the wizard without choosing anything, it is still Set Up
    alice_client.get(setup_url(prop_a))
    assert ">Set Up</a>" in card(alice_client, prop_a)

    # When a credential is chosen: Configure, continuing where she left off
    alice_client.post(setup_url(prop_a, "credentials"), {"credential": yardi.id})
    shown = card(alice_client, prop_a)
    assert ">Configure</a>" in shown and "continue where you left off" in shown
    assert setup_url(prop_a) in shown and "Manage Settings" not in shown

    # When set-up is done: Manage Settings, with what is synced
    alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1001"]})
    alice_client.post(setup_url(prop_a, "excluded-statuses"), {})
    alice_client.post(setup_url(prop_a, "user-sync"), {"user_sync": "on"})
    shown = card(alice_client, prop_a)
    assert ">Manage Settings</a>" in shown and manage_url(prop_a, "credentials") in shown
    assert "User Sync on" in shown and "Harbor View Apartments" in shown
    assert ">Set Up</a>" not in shown and ">Configure</a>" not in shown


def test_set_up_starts_at_the_reached_step(alice_client, prop_a, yardi):
    response = alice_client.get(setup_url(prop_a))
    assert response.status_code == 302
    assert response["Location"] == setup_url(prop_a, "credentials")

    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES)
    response = alice_client.get(setup_url(prop_a))
    assert response["Location"] == setup_url(prop_a, "excluded-statuses")
    # An unknown step is not found, as an unknown Manage Settings tab
    assert alice_client.get(setup_url(prop_a, "nonsense")).status_code == 404
    assert alice_client.post(setup_url(prop_a, "nonsense"), {}).status_code == 404


# --- the wizard's order -------------------------------------------------------------


def test_the_wizard_walks_its_four_steps_in_order(alice_client, prop_a, yardi, delay):
    response = alice_client.get(setup_url(prop_a), follow=True)
    for index, step in enumerate(STEPS):
        assert response.redirect_chain[-1][0] == setup_url(prop_a, step)
        page = text(response)
        assert f"<h2>{STEP_TITLES[index]}</h2>" in page
        steps_list = page[page.index('data-testid="wizard-steps"') : page.index("</ol>")]
        # The steps are listed in order, numbered, this one current
        positions = [steps_list.index(f"{n}. {t}") for n, t in enumerate(STEP_TITLES, 1)]
        assert positions == sorted(positions)
        assert re.search(rf'<li class="current">\s*<span>{index + 1}\. ', steps_list)
        # The next step's button is Continue, the last one's Done
        assert ("Done</button>" if step == "user-sync" else "Continue</button>") in page
        posts = {
            "credentials": {"credential": yardi.id},
            "property-ids": {"pms_property_ids": ["1001"]},
            "excluded-statuses": {"statuses": ["Applicant"]},
            "user-sync": {"user_sync": "on"},
        }
        response = alice_client.post(setup_url(prop_a, step), posts[step], follow=True)

    # Done lands on Integrations
    assert response.redirect_chain[-1][0] == reverse("integrations", args=[prop_a.id])
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.setup_step == Step.DONE
    assert integration.setup_completed_at is not None


@pytest.mark.parametrize(
    ("reached", "later"),
    [
        (Step.CREDENTIALS, "property-ids"),
        (Step.CREDENTIALS, "excluded-statuses"),
        (Step.CREDENTIALS, "user-sync"),
        (Step.PROPERTY_IDS, "excluded-statuses"),
        (Step.PROPERTY_IDS, "user-sync"),
        (Step.EXCLUDED_STATUSES, "user-sync"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_later_step_before_its_turn_goes_back_to_the_reached_one(
    alice_client, prop_a, yardi, delay, reached, later, method
):
    integration_at(prop_a, None if reached == Step.CREDENTIALS else yardi, reached)
    before = snapshot(prop_a)
    post = {"pms_property_ids": ["1001"], "statuses": ["Past"], "user_sync": "on"}
    response = getattr(alice_client, method)(
        setup_url(prop_a, later), post if method == "post" else {}, follow=True
    )
    reached_slug = {
        Step.CREDENTIALS: "credentials",
        Step.PROPERTY_IDS: "property-ids",
        Step.EXCLUDED_STATUSES: "excluded-statuses",
    }[reached]
    assert response.redirect_chain == [(setup_url(prop_a, reached_slug), 302)]
    assert FINISH_FIRST in shown_messages(response)
    assert snapshot(prop_a) == before
    delay.assert_not_called()


def test_back_and_reload_keep_what_was_chosen(alice_client, prop_a, yardi, entrata, delay):
    alice_client.post(setup_url(prop_a, "credentials"), {"credential": entrata.id})
    alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1001", "1003"]})
    alice_client.post(setup_url(prop_a, "excluded-statuses"), {"statuses": ["Applicant"]})

    # Back to each earlier step, and reload it: what was chosen is checked
    for _ in range(2):
        page = alice_client.get(setup_url(prop_a, "credentials"))
        assert checked(page, "credential") == {str(entrata.id)}
        assert set(inputs(page, "credential")) == {str(yardi.id), str(entrata.id)}
        assert checked(alice_client.get(setup_url(prop_a, "property-ids")), "pms_property_ids") == {
            "1001",
            "1003",
        }
        statuses = alice_client.get(setup_url(prop_a, "excluded-statuses"))
        assert checked(statuses, "statuses") == {"Applicant"}
        # The step list links back to every reached step
        page = text(alice_client.get(setup_url(prop_a, "user-sync")))
        for step in STEPS[:3]:
            assert f'href="{setup_url(prop_a, step)}"' in page

    # Continuing again through Back with the same choice keeps the later steps' choices
    alice_client.post(setup_url(prop_a, "credentials"), {"credential": entrata.id})
    alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1001", "1003"]})
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.excluded_statuses == ["Applicant"]
    assert integration.setup_step == Step.USER_SYNC


def test_user_sync_toggle_is_on_by_default_in_the_wizard(alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.USER_SYNC)
    page = alice_client.get(setup_url(prop_a, "user-sync"))
    assert checked(page, "user_sync") == {"None"}  # the checkbox carries no value
    assert "Harbor View Apartments" in text(page) and "Yardi" in text(page)


# --- Enter Credentials ------------------------------------------------------------


def test_credentials_step_lists_the_organizations_credentials_only(
    alice_client, prop_a, org_b, yardi, entrata, sim
):
    theirs = credential_create(org_b, sim, "mri")
    page = alice_client.get(setup_url(prop_a, "credentials"))
    assert set(inputs(page, "credential")) == {str(yardi.id), str(entrata.id)}
    assert checked(page, "credential") == set()
    assert "yardi demo" in text(page) and "entrata demo" in text(page)
    assert theirs.label not in text(page)
    assert reverse("integrations-credential-create", args=[prop_a.id]) in text(page)


@pytest.mark.parametrize("posted", [{}, {"credential": ""}, {"credential": "abc"}])
def test_credentials_step_without_a_choice_says_so(alice_client, prop_a, yardi, posted):
    response = alice_client.post(setup_url(prop_a, "credentials"), posted)
    assert response.status_code == 200
    assert "Choose a credential, or add one with “Add credential”." in shown_messages(response)
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.credential is None and integration.setup_step == Step.CREDENTIALS
    assert settings_events(prop_a) == []


def test_credentials_step_refuses_another_organizations_credential(
    alice_client, prop_a, org_b, sim
):
    theirs = credential_create(org_b, sim, "yardi")
    response = alice_client.post(setup_url(prop_a, "credentials"), {"credential": theirs.id})
    assert response.status_code == 200
    assert "Choose a credential, or add one with “Add credential”." in shown_messages(response)
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.credential is None and integration.setup_step == Step.CREDENTIALS
    assert settings_events(prop_a) == []
    # Nor can it be reached by skipping ahead
    assert alice_client.get(setup_url(prop_a, "property-ids")).status_code == 302


def test_choosing_a_credential_advances_and_is_audited(alice, alice_client, prop_a, yardi):
    response = alice_client.post(setup_url(prop_a, "credentials"), {"credential": yardi.id})
    assert response.status_code == 302
    assert response["Location"] == setup_url(prop_a, "property-ids")
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.credential == yardi and integration.setup_step == Step.PROPERTY_IDS
    [event] = settings_events(prop_a)
    assert event.actor == alice and event.subject == "ePMS credential set to “yardi demo”"
    assert event.data == {"credential": yardi.id}


# --- Attach Property IDs --------------------------------------------------------------


@pytest.mark.parametrize(
    "vendor", ["yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager"]
)
def test_property_ids_are_listed_live_from_the_pms(alice_client, prop_a, org_a, sim, vendor):
    integration_at(prop_a, credential_create(org_a, sim, vendor), Step.PROPERTY_IDS)
    response = alice_client.get(setup_url(prop_a, "property-ids"))
    page = text(response)
    assert response.status_code == 200
    assert set(inputs(response, "pms_property_ids")) == set(SIM_PROPERTIES)
    assert checked(response, "pms_property_ids") == set()
    for pms_id, name in SIM_PROPERTIES.items():
        assert f"<code>{pms_id}</code>" in page
        assert f'<label for="pp-{pms_id}">{name}</label>' in page
    assert "Harborview" in page  # the property they sync into


def test_property_ids_follow_the_pms_when_it_changes(alice_client, prop_a, yardi, monkeypatch):
    # The list is asked of the PMS on every visit, not cached at set-up
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    monkeypatch.setattr(
        views,
        "pms_properties_available",
        lambda *, integration: [PMSProperty(id="77", name="Riverside", address="")],
    )
    response = alice_client.get(setup_url(prop_a, "property-ids"))
    assert set(inputs(response, "pms_property_ids")) == {"77"}
    assert "Riverside" in text(response)


def test_attaching_nothing_says_so_and_saves_nothing(alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    before = snapshot(prop_a)
    response = alice_client.post(setup_url(prop_a, "property-ids"), {})
    assert response.status_code == 200
    assert shown_messages(response) == [
        "Choose at least one PMS property to sync into this property."
    ]
    assert set(inputs(response, "pms_property_ids")) == set(SIM_PROPERTIES)  # still offered
    assert snapshot(prop_a) == before


def test_attaching_chosen_ids_saves_names_and_advances(alice, alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    response = alice_client.post(
        setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1003", "1001", "1003"]}
    )
    assert response["Location"] == setup_url(prop_a, "excluded-statuses")
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.pms_property_ids == ["1003", "1001"]
    assert integration.pms_property_names == {
        "1003": "The Foundry Lofts",
        "1001": "Harbor View Apartments",
    }
    assert integration.setup_step == Step.EXCLUDED_STATUSES
    [event] = settings_events(prop_a)
    assert event.actor == alice
    assert event.subject == (
        "PMS property IDs attached: The Foundry Lofts (1003), Harbor View Apartments (1001)"
    )
    assert event.data == {"pms_property_ids": ["1003", "1001"]}


@pytest.mark.parametrize("forged", [["9999"], ["1001", "9999"], ["<b>x</b>"]])
def test_an_id_the_pms_does_not_offer_is_refused(alice_client, prop_a, yardi, forged):
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    before = snapshot(prop_a)
    response = alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": forged})
    assert response.status_code == 200
    unknown = [i for i in forged if i not in SIM_PROPERTIES]
    assert shown_messages(response) == [
        f"The PMS does not list these property IDs for this credential: {', '.join(unknown)}."
    ]
    assert "<b>x</b>" not in response.content.decode()  # escaped when shown
    assert snapshot(prop_a) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_rejected_credential_names_the_problem_and_changes_nothing(
    alice_client, prop_a, yardi, sim, sleeps, method
):
    integration_at(prop_a, yardi, Step.PROPERTY_IDS, pms_property_ids=["1002"])
    before = snapshot(prop_a)
    sim.state.faults.set("yardi", {"expired_credential": True})
    response = getattr(alice_client, method)(
        setup_url(prop_a, "property-ids"),
        {"pms_property_ids": ["1001"]} if method == "post" else {},
    )
    assert response.status_code == 200
    page = text(response)
    assert "Yardi rejected the credential" in page
    assert "Integrations → PMS credentials" in page
    assert "Choose another credential" in page and "Try again" in page
    assert inputs(response, "pms_property_ids") == {}  # nothing to choose from
    assert "Continue</button>" not in page
    assert snapshot(prop_a) == before
    assert sleeps.calls == []  # a rejected login is not retried


def test_unreachable_pms_names_the_problem_and_changes_nothing(alice_client, prop_a, org_a, sleeps):
    dead = pms_credential_create(
        organization=org_a,
        vendor="entrata",
        label="Entrata (down)",
        values=demo_fields("entrata"),
        endpoint_override=f"http://127.0.0.1:{unused_port()}/entrata",
    )
    integration_at(prop_a, dead, Step.PROPERTY_IDS)
    before = snapshot(prop_a)
    response = alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1001"]})
    assert response.status_code == 200
    page = text(response)
    assert 'role="alert"' in page
    assert "Entrata is not answering properly (getProperties" in page
    # No sync exists yet to "retry on its own": the page says what to check instead.
    assert (
        "check the credential's address in Integrations → PMS credentials, then try again" in page
    )
    assert "the sync will retry" not in page
    assert inputs(response, "pms_property_ids") == {}
    assert snapshot(prop_a) == before
    assert len(sleeps.calls) == 3  # retried, without waiting on the clock


def test_pms_outage_is_retried_then_named(alice_client, prop_a, yardi, sim, sleeps):
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    before = snapshot(prop_a)
    sim.state.faults.set("yardi", {"status_5xx": 50})
    response = alice_client.get(setup_url(prop_a, "property-ids"))
    assert 'role="alert"' in text(response)
    assert "Yardi is not answering properly" in text(response)
    assert snapshot(prop_a) == before
    # A short outage is ridden out: two 503s, then the list
    sim.state.faults.reset()
    sim.state.faults.set("yardi", {"status_5xx": 2})
    response = alice_client.get(setup_url(prop_a, "property-ids"))
    assert set(inputs(response, "pms_property_ids")) == set(SIM_PROPERTIES)


# --- Exclude Lease Statuses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "statuses"), [("yardi", YARDI_STATUSES), ("entrata", ENTRATA_STATUSES)]
)
def test_the_vendors_own_statuses_are_listed(alice_client, prop_a, request, fixture, statuses):
    integration_at(prop_a, request.getfixturevalue(fixture), Step.EXCLUDED_STATUSES)
    response = alice_client.get(setup_url(prop_a, "excluded-statuses"))
    assert list(inputs(response, "statuses")) == list(statuses)
    assert checked(response, "statuses") == set()


def test_chosen_statuses_are_saved_in_the_vendors_order(alice, alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES)
    response = alice_client.post(
        setup_url(prop_a, "excluded-statuses"), {"statuses": ["Denied", "Applicant", "Wait List"]}
    )
    assert response["Location"] == setup_url(prop_a, "user-sync")
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.excluded_statuses == ["Applicant", "Wait List", "Denied"]
    assert integration.setup_step == Step.USER_SYNC
    [event] = settings_events(prop_a)
    assert event.actor == alice
    assert event.subject == "Excluded lease statuses: Applicant, Wait List, Denied"
    assert checked(alice_client.get(setup_url(prop_a, "excluded-statuses")), "statuses") == {
        "Applicant",
        "Wait List",
        "Denied",
    }


def test_excluding_nothing_is_a_choice(alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES)
    response = alice_client.post(setup_url(prop_a, "excluded-statuses"), {})
    assert response["Location"] == setup_url(prop_a, "user-sync")
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.excluded_statuses == [] and integration.setup_step == Step.USER_SYNC
    assert settings_events(prop_a) == []  # nothing changed, nothing audited


@pytest.mark.parametrize("forged", [["Lapsed"], ["Past", "Former"], ["past"]])
def test_a_status_the_vendor_does_not_have_is_refused(alice_client, prop_a, yardi, forged):
    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES, excluded_statuses=["Applicant"])
    before = snapshot(prop_a)
    response = alice_client.post(setup_url(prop_a, "excluded-statuses"), {"statuses": forged})
    assert response.status_code == 200
    unknown = sorted(set(forged) - set(YARDI_STATUSES))
    assert shown_messages(response) == [
        f"These are not lease statuses of this PMS: {', '.join(unknown)}."
    ]
    assert checked(response, "statuses") == {"Applicant"}  # the saved choice, untouched
    assert snapshot(prop_a) == before


# --- User Sync and Done ---------------------------------------------------------------


def test_done_with_user_sync_on_starts_the_first_sync(
    alice, alice_client, prop_a, yardi, delay, django_capture_on_commit_callbacks
):
    integration_at(prop_a, yardi, Step.USER_SYNC)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(setup_url(prop_a, "user-sync"), {"user_sync": "on"})
    assert response["Location"] == reverse("integrations", args=[prop_a.id])
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.user_sync_enabled and integration.unit_sync_enabled
    assert integration.setup_step == Step.DONE and integration.setup_completed_at is not None
    [run] = SyncRun.objects.filter(integration=integration)
    assert run.trigger == SyncRun.Trigger.SETUP and run.requested_by == alice
    assert run.state == SyncRun.State.QUEUED
    delay.assert_called_once_with(run.id)
    [event] = settings_events(prop_a)
    assert event.actor == alice and event.subject == "User Sync turned on"
    assert event.data == {"user_sync_enabled": True}
    page = alice_client.get(response["Location"])
    assert (
        "User Sync is on. The first sync has started; residents appear on the People page, "
        "and the sync repeats every 15 minutes (Manage Settings → Sync Schedule). Next, map "
        "the PMS units it lists (Manage Settings → Unit Mapping) so residents get their unit "
        "keys." in shown_messages(page)
    )


def test_done_again_after_set_up_saves_without_another_first_sync(
    alice_client, prop_a, yardi, delay, django_capture_on_commit_callbacks
):
    # Given a finished set-up whose first sync ran
    integration_at(prop_a, yardi, Step.USER_SYNC)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(setup_url(prop_a, "user-sync"), {"user_sync": "on"})
    assert SyncRun.objects.count() == 1

    # When the manager walks Back through the wizard and presses Done again
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            setup_url(prop_a, "user-sync"), {"user_sync": "on"}, follow=True
        )

    # Then it saves; the hourly sync goes on, and no second "first sync" is queued
    assert SyncRun.objects.count() == 1
    delay.assert_called_once()
    assert "User Sync is on." in shown_messages(response)


def test_done_with_user_sync_off_completes_set_up_without_a_run(
    alice_client, prop_a, yardi, delay, django_capture_on_commit_callbacks
):
    integration_at(prop_a, yardi, Step.USER_SYNC)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(setup_url(prop_a, "user-sync"), {}, follow=True)
    assert response.redirect_chain == [(reverse("integrations", args=[prop_a.id]), 302)]
    assert "User Sync is off." in shown_messages(response)
    integration = PMSIntegration.objects.get(property=prop_a)
    assert not integration.user_sync_enabled
    assert integration.setup_step == Step.DONE and integration.setup_completed_at is not None
    assert not SyncRun.objects.exists()
    delay.assert_not_called()
    assert settings_events(prop_a) == []  # it was off already: no change to audit
    assert "User Sync off" in card(alice_client, prop_a)
    assert ">Manage Settings</a>" in card(alice_client, prop_a)


def test_every_setting_of_a_full_set_up_is_audited(
    alice, alice_client, prop_a, entrata, delay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(setup_url(prop_a, "credentials"), {"credential": entrata.id})
        alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1002"]})
        alice_client.post(setup_url(prop_a, "excluded-statuses"), {"statuses": ["Applicant"]})
        alice_client.post(setup_url(prop_a, "user-sync"), {"user_sync": "on"})
    events = settings_events(prop_a)
    assert [e.subject for e in events] == [
        "ePMS credential set to “entrata demo”",
        "PMS property IDs attached: Maple Court (1002)",
        "Excluded lease statuses: Applicant",
        "User Sync turned on",
    ]
    assert {e.actor for e in events} == {alice}
    assert SyncRun.objects.get().trigger == SyncRun.Trigger.SETUP
    assert delay.call_count == 1


# --- Manage Settings tabs ------------------------------------------------------------


@pytest.fixture
def done(prop_a, yardi) -> PMSIntegration:
    return integration_at(prop_a, yardi, Step.DONE, excluded_statuses=["Past"])


@pytest.mark.parametrize("tab", TABS + OTHER_TABS)
def test_each_tab_renders(alice_client, prop_a, done, tab):
    response = alice_client.get(manage_url(prop_a, tab))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Manage Settings</h1>" in page
    assert 'data-testid="manage-tabs"' in page and 'data-testid="wizard-steps"' not in page
    for other in TABS + OTHER_TABS:
        assert f'href="{manage_url(prop_a, other)}"' in page


def test_the_step_tabs_show_what_is_saved(alice_client, prop_a, done, yardi):
    assert checked(alice_client.get(manage_url(prop_a, "credentials")), "credential") == {
        str(yardi.id)
    }
    assert checked(alice_client.get(manage_url(prop_a, "property-ids")), "pms_property_ids") == {
        "1001"
    }
    assert checked(alice_client.get(manage_url(prop_a, "excluded-statuses")), "statuses") == {
        "Past"
    }
    assert checked(alice_client.get(manage_url(prop_a, "user-sync")), "user_sync") == {"None"}
    for tab in TABS:
        page = text(alice_client.get(manage_url(prop_a, tab)))
        assert "Save</button>" in page and "Continue</button>" not in page
        assert ">Back</a>" not in page


def test_manage_start_is_the_credentials_tab(alice_client, prop_a, done):
    response = alice_client.get(manage_url(prop_a))
    assert response.status_code == 200
    assert 'data-testid="step-credentials"' in text(response)


def test_saving_property_ids_on_the_tab_stays_there(alice, alice_client, prop_a, done):
    response = alice_client.post(
        manage_url(prop_a, "property-ids"), {"pms_property_ids": ["1001", "1002"]}, follow=True
    )
    assert response.redirect_chain == [(manage_url(prop_a, "property-ids"), 302)]
    assert "Property IDs saved. The next sync uses them." in shown_messages(response)
    assert checked(response, "pms_property_ids") == {"1001", "1002"}
    done.refresh_from_db()
    assert done.pms_property_ids == ["1001", "1002"]
    assert done.setup_step == Step.DONE  # saving a tab never moves the wizard back
    assert [e.subject for e in settings_events(prop_a)] == [
        "PMS property IDs attached: Harbor View Apartments (1001), Maple Court (1002)"
    ]


def test_saving_nothing_on_the_property_ids_tab_is_refused(alice_client, prop_a, done):
    before = snapshot(prop_a)
    response = alice_client.post(manage_url(prop_a, "property-ids"), {})
    assert response.status_code == 200
    assert shown_messages(response) == [
        "Choose at least one PMS property to sync into this property."
    ]
    assert snapshot(prop_a) == before


def test_saving_statuses_on_the_tab_stays_there(alice_client, prop_a, done):
    response = alice_client.post(
        manage_url(prop_a, "excluded-statuses"), {"statuses": ["Past", "Canceled"]}, follow=True
    )
    assert response.redirect_chain == [(manage_url(prop_a, "excluded-statuses"), 302)]
    assert "Excluded lease statuses saved. The next sync uses them." in shown_messages(response)
    assert checked(response, "statuses") == {"Past", "Canceled"}
    done.refresh_from_db()
    assert done.excluded_statuses == ["Past", "Canceled"] and done.setup_step == Step.DONE
    assert [e.subject for e in settings_events(prop_a)] == [
        "Excluded lease statuses: Past, Canceled"
    ]


def test_a_forged_status_on_the_tab_is_refused(alice_client, prop_a, done):
    before = snapshot(prop_a)
    response = alice_client.post(manage_url(prop_a, "excluded-statuses"), {"statuses": ["Gone"]})
    assert shown_messages(response) == ["These are not lease statuses of this PMS: Gone."]
    assert snapshot(prop_a) == before


def test_user_sync_tab_turns_it_off_and_on_without_a_setup_run(
    alice, alice_client, prop_a, done, delay, django_capture_on_commit_callbacks
):
    completed = done.setup_completed_at
    with django_capture_on_commit_callbacks(execute=True):
        off = alice_client.post(manage_url(prop_a, "user-sync"), {}, follow=True)
    assert off.redirect_chain == [(manage_url(prop_a, "user-sync"), 302)]
    assert "User Sync is off." in shown_messages(off)
    assert checked(off, "user_sync") == set()
    done.refresh_from_db()
    assert not done.user_sync_enabled

    with django_capture_on_commit_callbacks(execute=True):
        on = alice_client.post(manage_url(prop_a, "user-sync"), {"user_sync": "on"}, follow=True)
    assert "User Sync is on." in shown_messages(on)
    assert checked(on, "user_sync") == {"None"}
    done.refresh_from_db()
    assert done.user_sync_enabled and done.setup_completed_at == completed
    # Turning it back on from Manage Settings leaves the first run to beat / Sync Now
    assert not SyncRun.objects.exists()
    delay.assert_not_called()
    assert [e.subject for e in settings_events(prop_a)] == [
        "User Sync turned off",
        "User Sync turned on",
    ]
    assert {e.actor for e in settings_events(prop_a)} == {alice}


def test_unchanged_save_on_a_tab_is_not_audited(alice_client, prop_a, done, yardi):
    alice_client.post(manage_url(prop_a, "credentials"), {"credential": yardi.id})
    alice_client.post(manage_url(prop_a, "property-ids"), {"pms_property_ids": ["1001"]})
    alice_client.post(manage_url(prop_a, "excluded-statuses"), {"statuses": ["Past"]})
    alice_client.post(manage_url(prop_a, "user-sync"), {"user_sync": "on"})
    assert settings_events(prop_a) == []


def test_pms_trouble_on_the_property_ids_tab_changes_nothing(alice_client, prop_a, done, sim):
    before = snapshot(prop_a)
    sim.state.faults.set("yardi", {"expired_credential": True})
    response = alice_client.post(manage_url(prop_a, "property-ids"), {"pms_property_ids": ["1002"]})
    page = text(response)
    assert "Yardi rejected the credential" in page
    assert f'href="{manage_url(prop_a, "credentials")}"' in page  # choose another, on the tab
    assert snapshot(prop_a) == before


def test_an_unknown_tab_is_404(alice_client, prop_a, done):
    assert alice_client.get(manage_url(prop_a, "nonsense")).status_code == 404
    assert alice_client.post(manage_url(prop_a, "nonsense"), {}).status_code == 404


@pytest.mark.parametrize("tab", [None, *TABS, *OTHER_TABS])
def test_before_set_up_manage_settings_goes_to_the_wizard(alice_client, prop_a, yardi, tab):
    # Neither with no integration nor with set-up half done
    for _ in range(2):
        response = alice_client.get(manage_url(prop_a, tab), follow=True)
        assert response.redirect_chain[0] == (setup_url(prop_a, "credentials"), 302)
        assert "Set up the integration first." in shown_messages(response)
        integration_get_or_create(property=prop_a)
        PMSIntegration.objects.filter(property=prop_a).update(
            credential=yardi, setup_step=Step.PROPERTY_IDS
        )


def test_manage_before_set_up_does_not_save_a_post(alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES)
    before = snapshot(prop_a)
    response = alice_client.post(manage_url(prop_a, "user-sync"), {"user_sync": "on"})
    assert response.status_code == 302
    assert snapshot(prop_a) == before


# --- tenant isolation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        *(("setup", s) for s in [None, *STEPS, "nonsense"]),
        *(("manage", t) for t in [None, *TABS, *OTHER_TABS, "nonsense"]),
    ],
)
def test_another_organization_gets_404_on_every_step_and_tab(
    bob_client, prop_a, done, org_b, sim, delay, url
):
    bobs = credential_create(org_b, sim, "yardi")
    kind, step = url
    target = setup_url(prop_a, step) if kind == "setup" else manage_url(prop_a, step)
    before = snapshot(prop_a)
    assert bob_client.get(target).status_code == 404
    posted = {
        "credential": bobs.id,
        "pms_property_ids": ["1002"],
        "statuses": ["Current"],
        "user_sync": "",
    }
    assert bob_client.post(target, posted).status_code == 404
    assert snapshot(prop_a) == before
    assert AccessEvent.objects.count() == 0
    delay.assert_not_called()


def test_another_organization_gets_404_before_set_up_too(bob_client, prop_a):
    assert bob_client.get(setup_url(prop_a, "credentials")).status_code == 404
    assert bob_client.get(manage_url(prop_a)).status_code == 404
    # Nothing was created for alice's property by looking
    assert not PMSIntegration.objects.filter(property=prop_a).exists()


def test_a_property_manager_of_another_property_gets_404(client, prop_a2, carol, done):
    # carol manages only prop_a; alice's other property is not hers
    client.force_login(carol)
    assert client.get(setup_url(prop_a2, "credentials")).status_code == 404
    assert client.get(manage_url(prop_a2, "credentials")).status_code == 404
    assert not PMSIntegration.objects.filter(property=prop_a2).exists()


# --- the services of integrations/setup.py -------------------------------------------


def _record(integration: PMSIntegration, external_id: str) -> PMSRecord:
    now = timezone.now()
    return PMSRecord.objects.create(
        integration=integration,
        external_id=external_id,
        pms_property_id="1001",
        data_hash="abc123",
        first_seen_at=now,
        last_seen_at=now,
    )


def _hashes(integration: PMSIntegration) -> set[str]:
    return set(
        PMSRecord.objects.filter(integration=integration).values_list("data_hash", flat=True)
    )


AVAILABLE = [PMSProperty(id=i, name=n, address="") for i, n in SIM_PROPERTIES.items()]


def test_service_integration_get_or_create_is_one_per_property(prop_a):
    first = integration_get_or_create(property=prop_a)
    assert integration_get_or_create(property=prop_a) == first
    assert first.setup_step == Step.CREDENTIALS and first.setup_completed_at is None
    assert PMSIntegration.objects.count() == 1


def test_service_set_credential_refuses_another_organizations(prop_a, org_b, alice, sim):
    integration = integration_get_or_create(property=prop_a)
    theirs = credential_create(org_b, sim)
    with pytest.raises(ValidationError, match="another portfolio"):
        integration_set_credential(integration=integration, credential=theirs, actor=alice)
    integration.refresh_from_db()
    assert integration.credential is None and integration.setup_step == Step.CREDENTIALS
    assert settings_events(prop_a) == []


def test_service_another_credential_clears_what_was_attached(prop_a, alice, yardi, entrata):
    integration = integration_at(
        prop_a, yardi, Step.DONE, excluded_statuses=["Past"], pms_property_ids=["1001"]
    )
    _record(integration, "r1")
    # The same credential again changes nothing
    integration_set_credential(integration=integration, credential=yardi, actor=alice)
    integration.refresh_from_db()
    assert integration.pms_property_ids == ["1001"] and _hashes(integration) == {"abc123"}
    assert settings_events(prop_a) == []
    # Another one: ids, names and statuses go (they were the other PMS's); fingerprints clear
    integration_set_credential(integration=integration, credential=entrata, actor=alice)
    integration.refresh_from_db()
    assert integration.credential == entrata
    assert integration.pms_property_ids == [] and integration.pms_property_names == {}
    assert integration.excluded_statuses == []
    assert _hashes(integration) == {""}
    assert integration.setup_step == Step.DONE  # never moved back
    assert [e.subject for e in settings_events(prop_a)] == ["ePMS credential set to “entrata demo”"]


def test_service_attach_properties(prop_a, alice, yardi):
    integration = integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    _record(integration, "r1")
    with pytest.raises(ValidationError, match="at least one"):
        integration_attach_properties(
            integration=integration, pms_property_ids=[], available=AVAILABLE, actor=alice
        )
    with pytest.raises(ValidationError, match="9999"):
        integration_attach_properties(
            integration=integration,
            pms_property_ids=["1001", "9999"],
            available=AVAILABLE,
            actor=alice,
        )
    integration.refresh_from_db()
    assert integration.pms_property_ids == [] and integration.setup_step == Step.PROPERTY_IDS
    assert _hashes(integration) == {"abc123"}

    integration_attach_properties(
        integration=integration,
        pms_property_ids=["1002", "1002", "1001"],
        available=AVAILABLE,
        actor=alice,
    )
    integration.refresh_from_db()
    assert integration.pms_property_ids == ["1002", "1001"]
    assert integration.pms_property_names == {
        "1002": "Maple Court",
        "1001": "Harbor View Apartments",
    }
    assert integration.setup_step == Step.EXCLUDED_STATUSES
    assert _hashes(integration) == {""}  # the next sync looks at every record again
    # The same ids in another order are no change: not audited, fingerprints kept
    PMSRecord.objects.update(data_hash="def456")
    integration_attach_properties(
        integration=integration, pms_property_ids=["1001", "1002"], available=AVAILABLE, actor=alice
    )
    assert _hashes(integration) == {"def456"}
    assert len(settings_events(prop_a)) == 1


def test_service_excluded_statuses(prop_a, alice, yardi):
    integration = integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES, excluded_statuses=["Past"])
    _record(integration, "r1")
    available = list(YARDI_STATUSES)
    with pytest.raises(ValidationError, match="Former, Lapsed"):
        integration_set_excluded_statuses(
            integration=integration,
            statuses=["Lapsed", "Past", "Former"],
            available=available,
            actor=alice,
        )
    integration.refresh_from_db()
    assert integration.excluded_statuses == ["Past"] and _hashes(integration) == {"abc123"}

    integration_set_excluded_statuses(
        integration=integration, statuses=[], available=available, actor=alice
    )
    integration.refresh_from_db()
    assert integration.excluded_statuses == [] and integration.setup_step == Step.USER_SYNC
    assert _hashes(integration) == {""}
    [event] = settings_events(prop_a)
    assert event.subject == "Excluded lease statuses: none"
    assert event.data == {"excluded_statuses": []}


def test_service_user_sync_needs_a_credential_and_ids(prop_a, alice, yardi):
    integration = integration_at(prop_a, yardi, Step.USER_SYNC, pms_property_ids=[])
    with pytest.raises(ValidationError, match="needs a credential"):
        integration_set_user_sync(integration=integration, enabled=True, actor=alice)
    integration.refresh_from_db()
    assert not integration.user_sync_enabled and integration.setup_completed_at is None
    assert integration.setup_step == Step.USER_SYNC
    # Off is always allowed, and finishes set-up
    integration_set_user_sync(integration=integration, enabled=False, actor=alice)
    integration.refresh_from_db()
    assert integration.setup_step == Step.DONE and integration.setup_completed_at is not None


def test_service_user_sync_on_brings_unit_sync_and_keeps_the_completion_time(prop_a, alice, yardi):
    integration = integration_at(prop_a, yardi, Step.USER_SYNC, unit_sync_enabled=False)
    integration_set_user_sync(integration=integration, enabled=True, actor=alice)
    integration.refresh_from_db()
    completed = integration.setup_completed_at
    assert integration.user_sync_enabled and integration.unit_sync_enabled
    assert completed is not None and integration.setup_step == Step.DONE
    integration_set_user_sync(integration=integration, enabled=False, actor=alice)
    integration.refresh_from_db()
    # Off leaves Unit Sync as it is (only support turns it off) and set-up stays done
    assert not integration.user_sync_enabled and integration.unit_sync_enabled
    assert integration.setup_completed_at == completed
    assert [(e.subject, e.data) for e in settings_events(prop_a)] == [
        ("User Sync turned on", {"user_sync_enabled": True}),
        ("User Sync turned off", {"user_sync_enabled": False}),
    ]


def test_service_pms_calls_need_a_credential(prop_a):
    integration = integration_get_or_create(property=prop_a)
    with pytest.raises(ValidationError, match="Choose a credential first"):
        setup.pms_properties_available(integration=integration)
    with pytest.raises(ValidationError, match="Choose a credential first"):
        setup.pms_lease_statuses(integration=integration)


def test_service_pms_calls_ask_the_simulator(prop_a, yardi):
    integration = integration_at(prop_a, yardi, Step.PROPERTY_IDS)
    found = setup.pms_properties_available(integration=integration)
    assert {p.id: p.name for p in found} == SIM_PROPERTIES
    assert setup.pms_lease_statuses(integration=integration) == list(YARDI_STATUSES)


def test_another_credential_on_the_tab_says_to_attach_property_ids_again(
    alice_client, prop_a, done, entrata
):
    # Another credential is another PMS login: its property IDs and statuses are cleared.
    # The manager is told so and taken to Property IDs, rather than left on Credentials
    # with User Sync on, nothing attached, and every hourly sync failing.
    response = alice_client.post(
        manage_url(prop_a, "credentials"), {"credential": entrata.id}, follow=True
    )
    assert response.redirect_chain == [(manage_url(prop_a, "property-ids"), 302)]
    assert shown_messages(response) == [
        "Credential saved. Its PMS property IDs and excluded lease statuses were cleared: "
        "attach the PMS property IDs to sync again."
    ]
    assert checked(response, "pms_property_ids") == set()
    done.refresh_from_db()
    assert done.credential == entrata and done.pms_property_ids == []


def test_the_same_credential_on_the_tab_is_saved_and_stays(alice_client, prop_a, done, yardi):
    response = alice_client.post(
        manage_url(prop_a, "credentials"), {"credential": yardi.id}, follow=True
    )
    assert response.redirect_chain == [(manage_url(prop_a, "credentials"), 302)]
    assert shown_messages(response) == ["Credential saved."]
    done.refresh_from_db()
    assert done.pms_property_ids == ["1001"] and done.excluded_statuses == ["Past"]


# --- A PMS property feeds one doorsync property ----------------------------------------------


def test_a_pms_property_synced_elsewhere_is_shown_taken_and_refused(
    alice_client, prop_a, prop_a2, yardi, delay
):
    integration_at(prop_a2, yardi, Step.DONE)  # prop_a2 already syncs 1001
    integration_at(prop_a, yardi, Step.PROPERTY_IDS)

    page = alice_client.get(setup_url(prop_a, "property-ids"))
    assert f"Already attached to {prop_a2.name}" in text(page)
    parser = _Inputs()
    parser.feed(page.content.decode())
    disabled = {i["value"] for i in parser.inputs if "disabled" in i}
    assert disabled == {"1001"}

    # A forged post is refused by the service, naming both and what to do.
    before = snapshot(prop_a)
    response = alice_client.post(
        setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1001", "1002"]}, follow=True
    )
    [message] = shown_messages(response)
    assert message.startswith(
        f"{SIM_PROPERTIES['1001']} (1001) is already attached to {prop_a2.name}."
    )
    assert "detach it there first (Integrations → Manage Settings → Property IDs)" in message
    assert snapshot(prop_a) == before

    alice_client.post(setup_url(prop_a, "property-ids"), {"pms_property_ids": ["1002"]})
    assert PMSIntegration.objects.get(property=prop_a).pms_property_ids == ["1002"]


def test_another_pms_account_or_portfolio_does_not_take_the_id(
    prop_a, prop_a2, prop_b, org_a, org_b, alice, yardi, sim
):
    # The same id in another Yardi database is another PMS property…
    other_db = pms_credential_create(
        organization=org_a,
        vendor="yardi",
        label="yardi other database",
        values={**demo_fields("yardi"), "database": "other_db"},
        endpoint_override=sim.vendor_url("yardi"),
    )
    integration_at(prop_a2, other_db, Step.DONE)
    # …and another portfolio's integration is none of this one's business.
    theirs = credential_create(org_b, sim, "yardi")
    integration_at(prop_b, theirs, Step.DONE)
    integration = integration_at(prop_a, yardi, Step.PROPERTY_IDS)

    assert setup.pms_property_ids_taken(integration=integration) == {}
    integration_attach_properties(
        integration=integration, pms_property_ids=["1001"], available=AVAILABLE, actor=alice
    )
    assert PMSIntegration.objects.get(property=prop_a).pms_property_ids == ["1001"]


def test_another_login_to_the_same_pms_account_takes_the_id_too(
    prop_a, prop_a2, org_a, alice, yardi, sim
):
    # Another user name, the URL in another case with a slash: the same Yardi database
    other_login = pms_credential_create(
        organization=org_a,
        vendor="yardi",
        label="yardi second login",
        values={
            **demo_fields("yardi"),
            "username": "someone_else",
            "url": demo_fields("yardi")["url"].upper() + "/",
        },
        endpoint_override=sim.vendor_url("yardi"),
    )
    integration_at(prop_a2, other_login, Step.DONE)
    integration = integration_at(prop_a, yardi, Step.PROPERTY_IDS)

    assert setup.pms_property_ids_taken(integration=integration) == {"1001": prop_a2.name}
    with pytest.raises(ValidationError, match="is already attached to"):
        integration_attach_properties(
            integration=integration, pms_property_ids=["1001"], available=AVAILABLE, actor=alice
        )


def test_an_id_attached_here_before_the_rule_stays_choosable_and_kept(
    alice_client, prop_a, prop_a2, yardi
):
    integration_at(prop_a2, yardi, Step.DONE)  # 1001 there…
    integration_at(prop_a, yardi, Step.DONE)  # …and here, from before the rule

    page = alice_client.get(manage_url(prop_a, "property-ids"))
    assert checked(page, "pms_property_ids") == {"1001"}
    assert "Already attached" not in text(page)
    alice_client.post(manage_url(prop_a, "property-ids"), {"pms_property_ids": ["1001", "1002"]})
    assert PMSIntegration.objects.get(property=prop_a).pms_property_ids == ["1001", "1002"]


def test_excluded_statuses_marks_the_ones_never_pulled_in_anyway(alice_client, prop_a, yardi):
    integration_at(prop_a, yardi, Step.EXCLUDED_STATUSES)

    page = alice_client.get(setup_url(prop_a, "excluded-statuses")).content.decode()

    marked = re.findall(
        r'value="([^"]+)"[^>]*> [^<]+ <span class="muted small" data-testid="never-synced">', page
    )
    assert sorted(marked) == sorted(
        s for s, life in YARDI_STATUSES.items() if life.value in ("applicant", "past", "cancelled")
    )
    assert "a move-out still takes their keys" in page


def test_adding_a_credential_from_the_wizard_comes_back_to_it(alice_client, prop_a, prop_a2, sim):
    integration_at(prop_a, None, Step.CREDENTIALS)
    step = setup_url(prop_a, "credentials")
    add = reverse("integrations-credential-create", args=[prop_a.id])
    assert f'href="{add}?next={step}"' in alice_client.get(step).content.decode()
    values = {
        **demo_fields("entrata"),
        "label": "Entrata demo",
        "vendor": "entrata",
        "endpoint_override": sim.vendor_url("entrata"),
    }

    response = alice_client.post(f"{add}?vendor=entrata", {**values, "next": step})

    assert response.status_code == 302 and response["Location"] == step
    # Anywhere else — another site, another property — goes to Integrations instead
    integrations = reverse("integrations", args=[prop_a.id])
    for elsewhere in [
        "https://evil.example/",
        "//evil.example/",
        setup_url(prop_a2, "credentials"),
    ]:
        values["label"] = f"Entrata {len(elsewhere)}"
        response = alice_client.post(f"{add}?vendor=entrata", {**values, "next": elsewhere})
        assert response["Location"] == integrations, elsewhere


def test_a_stored_credential_the_rules_now_refuse_is_named_on_the_steps_not_a_500(
    alice_client, prop_a, yardi
):
    yardi.fields = {**yardi.fields, "url": "http://www.yardiasp14.com/00000sim"}
    yardi.save(update_fields=["fields"])
    integration_at(prop_a, yardi, Step.DONE)

    for tab in ("property-ids", "excluded-statuses"):
        response = alice_client.get(manage_url(prop_a, tab))
        assert response.status_code == 200, tab
        assert f"The Yardi Voyager credential “{yardi.label}” needs fixing" in text(response)
