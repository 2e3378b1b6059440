"""A sync that keeps failing is emailed to the property's managers once per streak."""

from __future__ import annotations

import pytest

from integrations.models import SyncRun
from integrations.pms.errors import CredentialRejected
from integrations.sync import service
from notices.models import NoticeKind, NoticeSent
from notices.services import notices_after_sync_run
from tests.integrations.sync.fake_pms import pms_resident

pytestmark = pytest.mark.django_db


def refuse(*, run: SyncRun) -> None:
    raise CredentialRejected(vendor="Yardi", call="GetResidents", detail="Login failed.")


def fail(pms) -> SyncRun:
    """One real run that fails: the PMS refuses the login (not retried), then the check
    the finished run queues."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "snapshot_fetch", refuse)
        run = pms.sync()
    assert run.state == SyncRun.State.FAILED
    notices_after_sync_run(run_id=run.id)
    return run


def test_third_failure_in_a_row_emails_every_manager_of_the_property(
    pms, outbox, alice, carol, bob, prop_a
):
    # Given two failed runs: nothing yet (a passing outage is not worth an email)
    fail(pms)
    fail(pms)
    assert outbox == []

    # When the third fails
    fail(pms)

    # Then Alice (whole organization) and Carol (this property) each get one email; Bob,
    # of another organization, none
    assert sorted(m.to[0] for m in outbox) == ["alice@example.com", "carol@example.com"]
    message = outbox[0]
    assert message.subject == "PMS sync failing at Harborview: 3 runs in a row"
    assert "Yardi rejected the credential (GetResidents)" in message.body
    # It says what to do and links to the pages
    assert (
        f"https://console.example.com/p/{prop_a.id}/settings/integrations/manage/sync-history/"
        in message.body
    )
    assert f"https://console.example.com/p/{prop_a.id}/people/" in message.body
    assert f"https://console.example.com/p/{prop_a.id}/settings/notices/" in message.body
    assert "Last successful sync: never" in message.body


def test_a_streak_is_emailed_once_and_a_new_streak_again(pms, outbox, alice):
    for _ in range(5):
        fail(pms)
    assert len(outbox) == 1

    # A success ends the streak; three more failures are a new one
    pms.put(pms_resident())
    assert pms.sync().state == SyncRun.State.SUCCEEDED
    for _ in range(3):
        fail(pms)
    assert len(outbox) == 2
    assert "Last successful sync: " in outbox[1].body
    assert "Last successful sync: never" not in outbox[1].body
    assert NoticeSent.objects.filter(kind=NoticeKind.SYNC_FAILING).count() == 2


def test_the_finished_run_queues_the_check_after_commit(
    pms, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from notices import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.notices_after_sync_run_task, "delay", queued.append)
    pms.put(pms_resident())
    with django_capture_on_commit_callbacks(execute=True):
        run = pms.sync()
    assert queued == [run.id]


def test_a_mail_server_that_fails_loses_nothing(pms, outbox, alice, monkeypatch):
    # Given the third failure, while the mail server refuses the message
    fail(pms)
    fail(pms)
    from notices import services

    def down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP is down")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_send", down)
        with pytest.raises(ConnectionRefusedError):
            fail(pms)
    # Then the notice is not recorded as sent …
    assert not NoticeSent.objects.exists()
    # … so the next check (the hourly one) sends it
    assert services.notices_hourly() == 1
    assert len(outbox) == 1
