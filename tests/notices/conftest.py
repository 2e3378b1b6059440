"""A set-up integration of prop_a over a hand-written PMS (FakePMS): real sync runs, no
vendor calls, so each notice is driven through the path production takes."""

from __future__ import annotations

import pytest
from django.core import mail

from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration
from integrations.simulator.credentials import demo_fields
from tests.integrations.sync.conftest import integration_create
from tests.integrations.sync.fake_pms import FakePMS


@pytest.fixture
def integration(prop_a, org_a) -> PMSIntegration:
    credential = pms_credential_create(
        organization=org_a, vendor="yardi", label="Yardi", values=demo_fields("yardi")
    )
    return integration_create(prop_a, credential, ["1001"])


@pytest.fixture
def pms(integration, monkeypatch) -> FakePMS:
    return FakePMS(integration, monkeypatch)


@pytest.fixture
def outbox(settings) -> list[mail.EmailMessage]:
    settings.SITE_URL = "https://console.example.com"
    mail.outbox = []
    return mail.outbox
