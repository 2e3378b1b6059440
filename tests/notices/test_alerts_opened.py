"""An Email Mismatch or Duplicate alert a sync opens is emailed once, listing them."""

from __future__ import annotations

import pytest

from integrations.models import SyncAlert
from notices.services import notices_after_sync_run
from tests.integrations.sync.fake_pms import pms_resident

pytestmark = pytest.mark.django_db


def test_an_email_mismatch_opened_by_a_sync_is_emailed_with_what_to_do(pms, outbox, alice, prop_a):
    # Given Ana, synced
    pms.put(pms_resident())
    first = pms.sync()
    assert notices_after_sync_run(run_id=first.id) == 0
    # When the PMS changes her email: the sync opens an Email Mismatch
    pms.change("R1", email="ana.new@example.com")
    run = pms.sync()
    assert SyncAlert.objects.filter(kind=SyncAlert.Kind.EMAIL_MISMATCH).count() == 1

    assert notices_after_sync_run(run_id=run.id) == 1

    # Then one email names the alert and says where to act
    (message,) = outbox
    assert message.subject == "1 PMS alert to review at Harborview"
    assert "Email Mismatch: Ana Abara <ana.new@example.com>" in message.body
    assert "press the alert icon (top right)" in message.body
    assert f"https://console.example.com/p/{prop_a.id}/people/" in message.body
    # Run again (a redelivered task): nothing more
    assert notices_after_sync_run(run_id=run.id) == 0
    # And the next sync, which opens nothing new, sends nothing
    assert notices_after_sync_run(run_id=pms.sync().id) == 0
    assert len(outbox) == 1


def test_a_possible_match_is_not_emailed(pms, outbox, alice, integration):
    # A Possible Match waits harmlessly (nobody is linked or changed); only the kinds that
    # hold a known resident's changes back are emailed.
    run = pms.sync()
    SyncAlert.objects.create(
        integration=integration, kind=SyncAlert.Kind.POSSIBLE_MATCH, external_id="R9"
    )
    assert notices_after_sync_run(run_id=run.id) == 0
    assert outbox == []
