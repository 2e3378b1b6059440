"""The shared transport: retries, backoff, Retry-After, size cap, redaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from integrations.pms import (
    CredentialRejected,
    HttpOptions,
    PMSError,
    RateLimited,
    RequestRejected,
    ResponseTooLarge,
    VendorUnavailable,
)
from integrations.pms.http import HttpTransport, parse_retry_after
from integrations.pms.redact import MASK, Redactor

URL = "https://pms.example.com/api"


def transport(
    handler, sleeps, *, secrets=(), jitter=0.0, classify=None, **overrides
) -> HttpTransport:
    options = HttpOptions(
        sleep=sleeps, jitter=lambda: jitter, transport=httpx.MockTransport(handler), **overrides
    )
    return HttpTransport(vendor="Acme PMS", options=options, secrets=secrets, classify=classify)


def sequence(*responses):
    """A handler answering with each response (or raising each exception) in turn."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def test_retries_5xx_with_exponential_backoff(sleeps):
    handler = sequence(
        httpx.Response(503),
        httpx.Response(502),
        httpx.Response(500),
        httpx.Response(200, content=b"ok"),
    )
    response = transport(handler, sleeps).request("GET", URL, call="ping")
    assert response.content == b"ok"
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_jitter_spreads_but_never_below_half_the_step(sleeps):
    handler = sequence(httpx.Response(503), httpx.Response(503), httpx.Response(200))
    transport(handler, sleeps, jitter=1.0).request("GET", URL, call="ping")
    assert sleeps.calls == [1.0, 2.0]


def test_backoff_is_capped(sleeps):
    handler = sequence(*[httpx.Response(503)] * 5, httpx.Response(200))
    transport(handler, sleeps, jitter=1.0, max_attempts=6, backoff_max=3.0).request(
        "GET", URL, call="ping"
    )
    assert sleeps.calls == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_network_errors_are_retried(sleeps):
    handler = sequence(
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200),
    )
    assert transport(handler, sleeps).request("GET", URL, call="ping").status_code == 200
    assert len(sleeps.calls) == 2


def test_retries_are_bounded(sleeps):
    handler = sequence(*[httpx.ConnectError("refused")] * 4)
    with pytest.raises(VendorUnavailable) as caught:
        transport(handler, sleeps).request("GET", URL, call="ping")
    assert len(sleeps.calls) == 3
    assert caught.value.detail == "ConnectError: refused"
    assert str(caught.value).startswith("Acme PMS is not answering properly (ping: ConnectError")


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_are_not_retried(sleeps, status):
    with pytest.raises(CredentialRejected):
        transport(sequence(httpx.Response(status)), sleeps).request("GET", URL, call="ping")
    assert sleeps.calls == []


def test_other_4xx_and_redirects_are_rejected_at_once(sleeps):
    with pytest.raises(RequestRejected, match="HTTP 404"):
        transport(sequence(httpx.Response(404)), sleeps).request("GET", URL, call="ping")
    moved = httpx.Response(301, headers={"Location": "https://elsewhere.example.com/"})
    with pytest.raises(RequestRejected, match=r"redirect to https://elsewhere\.example\.com/"):
        transport(sequence(moved), sleeps).request("GET", URL, call="ping")
    assert sleeps.calls == []


def test_retry_after_seconds_and_http_date(sleeps):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    handler = sequence(
        httpx.Response(429, headers={"Retry-After": "12"}),
        httpx.Response(429, headers={"Retry-After": later}),
        httpx.Response(429),  # no header: plain backoff
        httpx.Response(200),
    )
    transport(handler, sleeps).request("GET", URL, call="ping")
    assert sleeps.calls[0] == 12.0
    assert 25 <= sleeps.calls[1] <= 30
    assert sleeps.calls[2] == 2.0


def test_retry_after_over_the_cap_raises_at_once(sleeps):
    handler = sequence(httpx.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(RateLimited) as caught:
        transport(handler, sleeps, retry_after_max=120).request("GET", URL, call="ping")
    assert caught.value.retry_after == 600 and caught.value.transient
    assert sleeps.calls == []


def test_parse_retry_after():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("5", now=now) == 5
    assert parse_retry_after("-3", now=now) == 0
    assert parse_retry_after("Wed, 01 Jan 2025 12:01:00 GMT", now=now) == 60
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_declared_length_over_the_cap(sleeps):
    big = httpx.Response(200, content=b"x" * 2000)
    with pytest.raises(ResponseTooLarge, match="over 1,000 bytes"):
        transport(sequence(big), sleeps, max_response_bytes=1000).request("GET", URL, call="ping")


def test_streamed_body_over_the_cap_without_content_length(sleeps):
    def chunks():
        for _ in range(100):
            yield b"y" * 100

    def handler(request):
        return httpx.Response(200, content=chunks())  # chunked: no Content-Length

    with pytest.raises(ResponseTooLarge):
        transport(handler, sleeps, max_response_bytes=1000).request("GET", URL, call="ping")
    with (
        pytest.raises(ResponseTooLarge),
        transport(handler, sleeps, max_response_bytes=1000).stream("GET", URL, call="ping") as body,
    ):
        body.read()


def test_stream_hands_over_a_file_and_peeks_without_consuming(sleeps):
    handler = sequence(httpx.Response(503), httpx.Response(200, content=b"<a>hello</a>"))
    with transport(handler, sleeps).stream("GET", URL, call="ping") as body:
        assert body.peek(3) == b"<a>"
        assert body.read() == b"<a>hello</a>"
    assert sleeps.calls == [0.5]


def test_classifier_decides_before_the_status_code(sleeps):
    def classify(response, call):
        if b"license expired" in response.content:
            return CredentialRejected(vendor="Acme PMS", call=call)
        return None

    handler = sequence(httpx.Response(500, content=b"<fault>license expired</fault>"))
    with pytest.raises(CredentialRejected):
        transport(handler, sleeps, classify=classify).request("GET", URL, call="ping")
    assert sleeps.calls == []


def test_secrets_are_redacted_from_errors_and_logs(sleeps, caplog):
    secret = 'p&ss<"w0rd">'
    # A vendor (or a proxy) echoing the request, secret in its XML-escaped form, in an error.
    escaped = "p&amp;ss&lt;&quot;w0rd&quot;&gt;"
    handler = sequence(
        *[httpx.ConnectError(f"refused while sending <Password>{escaped}</Password> ({secret})")]
        * 4
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VendorUnavailable) as caught:
        transport(handler, sleeps, secrets=(secret,)).request("POST", URL, call="login")
    error = caught.value
    for text in (str(error), repr(error), error.detail, caplog.text):
        assert secret not in text and escaped not in text
    assert MASK in error.detail and MASK in caplog.text


def test_errors_survive_pickling():
    import pickle

    error = RateLimited(vendor="Entrata", call="getLeases", detail="HTTP 429", retry_after=30)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 — our own bytes, round-tripped
    assert isinstance(copy, RateLimited) and copy.retry_after == 30 and str(copy) == str(error)
    assert isinstance(copy, PMSError)


def test_redactor_masks_every_encoding():
    redact = Redactor(["a b&c"], literals=[Redactor.basic_auth_literal("user", "a b&c")])
    text = "raw a b&c, xml a b&amp;c, url a%20b%26c, form a+b%26c, basic dXNlcjphIGImYw=="
    assert redact(text) == f"raw {MASK}, xml {MASK}, url {MASK}, form {MASK}, basic {MASK}"
