"""schemathesis against the live OpenAPI document: every operation, with a token, gets
generated requests (valid and not) through the WSGI app; no answer is a 500, and every
answer — status, content type, headers, body — is one the document describes.

Deterministic for CI: hypothesis derandomized with a fixed number of examples per
operation (API_SCHEMATHESIS_EXAMPLES, default 12). The property id in the path is the
token's own property (another's is a 404, walked in tests/properties/); other ids are the
real objects' half of the time, so writes are exercised too.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import token_client
from tests.factories.api import api_token
from tests.properties.test_tenant_isolation import objects_of

EXAMPLES = int(os.environ.get("API_SCHEMATHESIS_EXAMPLES", "12"))


def _document() -> dict:
    """The document /api/schema/ serves, generated in-process (no request, no database)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_document())
WSGI = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(prop_a, unit_a, alice, settings):
    settings.API_TOKEN_RATE = "100000/minute"
    settings.ALLOWED_HOSTS = ["*"]
    ids = objects_of(prop_a, unit_a, alice)
    secret = api_token(prop_a.organization, name="schemathesis").secret
    # As Django's test client does: the WSGI app would close the test's connection (and
    # its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield ids, secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, world):
    ids, secret = world
    for name, value in list((case.path_parameters or {}).items()):
        if name == "property_id":
            case.path_parameters[name] = ids["property_id"]
        elif name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]
    case.call_and_validate(app=WSGI, headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)


def test_the_document_is_the_one_served(acme, prop_a):
    served = token_client(acme.secret).get("/api/schema/", {"format": "json"})
    assert served.status_code == 200
    assert set(json.loads(served.content)["paths"]) == set(_document()["paths"])
