"""The README's few lines of Python verify a real delivery (and refuse a tampered one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webhooks.delivery import delivery_attempt
from webhooks.emit import WebhookEvent, messages_deliveries_create

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    section = README.read_text().split("### Webhooks for integrators", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_snippet_verifies_a_delivery(hook, receiver, enqueued):
    verify = readme_verify()
    event = WebhookEvent(hook.endpoint.organization_id, "access.granted", {"grant_id": 3})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [hook.endpoint])])
    delivery_attempt(delivery_id=delivery_id)
    (request,) = receiver.requests

    assert verify(hook.secret, request.headers, request.body)
    assert not verify(hook.secret, request.headers, request.body.replace(b"3", b"4"))
