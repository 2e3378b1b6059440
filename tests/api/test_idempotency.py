"""Idempotency-Key on POST: the same key and body get the first answer (the work is done
once); another body with the key is a 409; keys are per token; a failed request is not
remembered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from access.models import KeyGrant
from api.models import IdempotencyRecord
from residents.models import ResidentStatus
from tests.factories import KeyFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant_request(prop_a):
    resident = ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)
    key = KeyFactory(property=prop_a, name="Gym")
    return reverse("api-key-grants", args=[prop_a.id]), {"resident": resident.id, "key": key.id}


def _post(client, url, body, key):
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer(acme_client, grant_request):
    url, body = grant_request

    first = _post(acme_client, url, body, "k-1")
    retry = _post(acme_client, url, body, "k-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert KeyGrant.objects.filter(key__name="Gym").count() == 1
    # Without the key the same body runs again: the console's rule refuses a second grant.
    again = acme_client.post(url, body, content_type="application/json")
    assert again.status_code == 400


def test_the_same_key_with_another_body_is_a_409(acme_client, grant_request, prop_a):
    url, body = grant_request
    _post(acme_client, url, body, "k-1")
    other = {**body, "key": KeyFactory(property=prop_a, name="Pool").id}

    response = _post(acme_client, url, other, "k-1")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "another request body" in response.json()["detail"]
    assert not KeyGrant.objects.filter(key__name="Pool").exists()


def test_keys_are_per_token(acme_client, org_a, grant_request):
    from tests.api.conftest import token_client
    from tests.factories.api import api_token

    url, body = grant_request
    _post(acme_client, url, body, "k-1")
    other = token_client(api_token(org_a, name="Other").secret)

    response = _post(other, url, body, "k-1")

    assert response.status_code == 400  # ran (and refused: the key is held), not replayed
    assert "Idempotent-Replayed" not in response


def test_a_failed_request_is_not_remembered(acme_client, grant_request):
    url, body = grant_request
    bad = _post(acme_client, url, {**body, "key": 999_999}, "k-1")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    assert _post(acme_client, url, body, "k-2").status_code == 201


def test_a_first_request_still_running_answers_409(acme, acme_client, grant_request):
    url, body = grant_request

    first = _post(acme_client, url, body, "k-1")
    IdempotencyRecord.objects.filter(key="k-1").update(status=None, body=None)

    response = _post(acme_client, url, body, "k-1")

    assert first.status_code == 201
    assert response.status_code == 409
    assert "still running" in response.json()["detail"]


def test_keys_expire(acme_client, grant_request, settings):
    url, body = grant_request
    _post(acme_client, url, body, "k-1")

    later = timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = _post(acme_client, url, body, "k-1")

    assert response.status_code == 400  # run again: the key is already held
    assert "already holds" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "bad\x01"])
def test_a_bad_key_is_a_400_naming_the_header(acme_client, grant_request, key):
    url, body = grant_request
    response = _post(acme_client, url, body, key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not KeyGrant.objects.filter(key__name="Gym").exists()


def test_answers_past_their_time_are_purged(acme_client, grant_request, settings):
    from api.tasks import idempotency_records_purge_task

    url, body = grant_request
    _post(acme_client, url, body, "k-1")
    assert idempotency_records_purge_task() == 0

    later = timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert idempotency_records_purge_task() == 1
    assert not IdempotencyRecord.objects.exists()
