"""A sync that runs out of rate-limit budget waits for it: the run goes back to the queue,
due when the budget allows (retry_at), instead of failing or burning its retries on 429s."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.models import SyncRun
from integrations.pms import budget as budget_module
from integrations.pms.budget import LocalBudgetStore
from integrations.pms.errors import BudgetExhausted
from integrations.pms.registry import VENDORS
from integrations.pms.vendor import RateLimit
from integrations.sync import service
from integrations.sync.service import MAX_PACED_ATTEMPTS, user_sync_execute
from integrations.tasks import user_sync_task
from tests.integrations.sync.conftest import credential_create, integration_create
from tests.integrations.sync.fake_pms import FakePMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(org_a, prop_a, pms_simulator):
    return integration_create(prop_a, credential_create(org_a, pms_simulator), ["1001"])


@pytest.fixture
def pms(integration, monkeypatch) -> FakePMS:
    return FakePMS(integration, monkeypatch)


@pytest.fixture
def one_call_an_hour(settings, monkeypatch):
    """Yardi allows one call an hour; a call never waits more than a second for budget.
    Counted in a store of this test's own."""
    settings.PMS_RATE_BUDGETS = True
    settings.PMS_BUDGET_WAIT_MAX_SECONDS = 1
    settings.REDIS_URL = ""
    monkeypatch.setattr(budget_module, "_local_store", LocalBudgetStore())
    yardi = VENDORS["yardi"]
    monkeypatch.setitem(
        VENDORS, "yardi", dataclasses.replace(yardi, rate_limits=(RateLimit(1, 3600),))
    )


def test_a_real_sync_out_of_budget_is_requeued_for_when_the_budget_allows(
    integration, one_call_an_hour, monkeypatch
):
    # Given an integration whose sync makes two calls (residents, then units)
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    requeued: list[tuple[tuple[int], int]] = []
    monkeypatch.setattr(
        user_sync_task,
        "apply_async",
        lambda args, countdown: requeued.append((args, countdown)),
    )

    # When the worker runs it: the first call takes the hour's budget
    with time_machine.travel(timezone.now(), tick=False):
        state = user_sync_task.apply(args=(run.id,)).get()
        now = timezone.now()

    # Then the run waits in the queue, said so, nothing applied, and a new message is due
    # in half an hour at most (it looks again then; not a Celery retry: waiting for budget
    # is not a failure)
    run.refresh_from_db()
    assert state == SyncRun.State.QUEUED
    assert run.state == SyncRun.State.QUEUED
    assert run.phase == "Waiting for API rate limit"
    assert "keeping within Yardi's API rate limit (GetUnitInformation)" in run.error
    assert run.retry_at == now + timedelta(minutes=30)
    assert requeued == [((run.id,), 1800)]
    assert not integration.records.exists()


def test_a_paced_run_does_not_spend_the_transient_failure_retries(pms, integration, monkeypatch):
    """Waiting for budget is not one of the four tries a vendor that is down gets."""

    def out_of_budget(*, run):
        raise BudgetExhausted(vendor="Yardi Voyager", call="GetResidents", retry_after=42.4)

    monkeypatch.setattr(service, "snapshot_fetch", out_of_budget)
    run = pms.start_run()
    result = user_sync_execute(run_id=run.id)
    assert (result.state, result.retry_in, result.paced) == (SyncRun.State.QUEUED, 43, True)


def test_a_sync_that_never_fits_the_budget_fails_after_waiting_a_bounded_number_of_times(
    pms, integration, monkeypatch
):
    def out_of_budget(*, run):
        raise BudgetExhausted(vendor="Yardi Voyager", call="GetResidents", retry_after=600)

    monkeypatch.setattr(service, "snapshot_fetch", out_of_budget)
    run = pms.start_run()
    for _ in range(MAX_PACED_ATTEMPTS - 1):
        assert user_sync_execute(run_id=run.id).paced
    result = user_sync_execute(run_id=run.id)

    run.refresh_from_db()
    assert result.state == run.state == SyncRun.State.FAILED
    assert run.error.startswith(
        "This sync needs more calls than Yardi Voyager's API rate limit allows in a row "
        f"(doorsync waited for it {MAX_PACED_ATTEMPTS} times). Nothing was changed."
    )


def test_the_sync_now_panel_says_the_run_waits_for_the_rate_limit(
    alice_client, prop_a, integration, one_call_an_hour, monkeypatch
):
    from django.urls import reverse

    monkeypatch.setattr(user_sync_task, "apply_async", lambda args, countdown: None)
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
    user_sync_task.apply(args=(run.id,)).get()

    panel = alice_client.get(
        reverse("people-sync-status", args=[prop_a.id]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Sync with Yardi Voyager continues at" in panel
    assert "(waiting for the API rate limit)" in panel
    assert "did not go through" not in panel
