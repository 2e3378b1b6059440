"""Login throttling per client address and per account, with the real client address.

Limits (settings): AXES_FAILURE_LIMIT (5) for one account from one address,
LOGIN_FAILURES_PER_ADDRESS (20) from one address over any usernames,
LOGIN_FAILURES_PER_ACCOUNT (10) for one account from anywhere, except in a browser that
has logged in to that account before.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from common.client_ip import client_ip
from properties.login_throttle import DEVICE_COOKIE
from tests.factories.properties import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"
PROXY = "10.0.0.1"


def _login(client: Client, username: str, password: str, **extra: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _locked(response) -> bool:
    return response.status_code == 429


def test_password_spraying_from_one_address_is_stopped(alice, settings):
    # Given an attacker trying 4 passwords at each of 25 usernames from one address
    attacker = Client(REMOTE_ADDR=ATTACKER)
    answers = [
        _login(attacker, f"manager{n}", f"Spring2026!{attempt}").status_code
        for n in range(25)
        for attempt in range(4)
    ]

    # Then the failure reaching the per-address limit locks the address, and every try after
    limit = settings.LOGIN_FAILURES_PER_ADDRESS
    assert answers[: limit - 1] == [200] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    # Even alice's right password is refused from that address while the pause lasts...
    assert _locked(_login(attacker, "alice", PASSWORD))
    # ...while alice, elsewhere, logs in as usual.
    assert _login(Client(REMOTE_ADDR=VICTIM), "alice", PASSWORD).status_code == 302


def test_logging_in_to_an_own_account_does_not_clear_the_address_count(alice, bob, settings):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS - 1):
        assert not _locked(_login(attacker, f"manager{n}", "guess"))
    # bob is the attacker's own account: logging in forgets bob's failures, not the address's
    assert _login(attacker, "bob", PASSWORD).status_code == 302
    Client(REMOTE_ADDR=ATTACKER).post(reverse("logout"))
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _login(attacker, "manager99", "guess")
    assert _locked(_login(attacker, "manager100", "guess"))


def test_one_account_guessed_at_from_one_address_is_locked_there(alice, settings):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "alice", "wrong")
    assert _locked(_login(attacker, "alice", PASSWORD))
    assert _login(Client(REMOTE_ADDR=VICTIM), "alice", PASSWORD).status_code == 302


def test_one_account_guessed_at_from_many_addresses_is_locked_for_new_browsers(alice, settings):
    # Given alice has logged in from her own browser before
    own_browser = Client(REMOTE_ADDR=VICTIM)
    assert _login(own_browser, "alice", PASSWORD).status_code == 302
    assert DEVICE_COOKIE in own_browser.cookies
    own_browser.post(reverse("logout"))

    # When her account is guessed at from many addresses, a few tries each
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), "alice", "wrong")

    # Then a new browser is refused even with the right password, from a fresh address...
    assert _locked(_login(Client(REMOTE_ADDR="192.0.2.200"), "alice", PASSWORD))
    # ...but the browser alice logged in with before is not locked out by someone else.
    assert _login(own_browser, "alice", PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_not_trusted(alice, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), "alice", "wrong")
    forger = Client(REMOTE_ADDR="192.0.2.200")
    forger.cookies[DEVICE_COOKIE] = "alice"
    assert _locked(_login(forger, "alice", PASSWORD))


def test_a_spoofed_forwarded_for_neither_locks_out_the_victim_nor_evades_the_limit(alice, settings):
    # Given doorsync is reached directly (no trusted proxy: the header is the client's word)
    assert settings.TRUSTED_PROXY_COUNT == 0
    attacker = Client(REMOTE_ADDR=ATTACKER)

    # When the attacker claims the victim's address while guessing alice's password
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "alice", "wrong", HTTP_X_FORWARDED_FOR=VICTIM)

    # Then alice at her own address still logs in
    assert _login(Client(REMOTE_ADDR=VICTIM), "alice", PASSWORD).status_code == 302

    # And claiming a new address on every try does not escape the per-address limit
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        _login(attacker, f"manager{n}", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _locked(_login(attacker, "manager0", "guess", HTTP_X_FORWARDED_FOR="192.0.2.250"))


def test_behind_a_proxy_each_client_is_throttled_on_its_own_address(alice, settings):
    # Given one trusted proxy: every request comes from it, and it appends the client's address
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(client_address: str, claimed: str = "") -> dict[str, str]:
        chain = f"{claimed}, {client_address}" if claimed else client_address
        return {"HTTP_X_FORWARDED_FOR": chain}

    # When an attacker fails alice's password, claiming to be the victim
    attacker = Client(REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "alice", "wrong", **via_proxy(ATTACKER, claimed=VICTIM))
    assert _locked(_login(attacker, "alice", PASSWORD, **via_proxy(ATTACKER, claimed=VICTIM)))

    # Then alice, through the same proxy, is not locked out by it
    victim = Client(REMOTE_ADDR=PROXY)
    assert _login(victim, "alice", PASSWORD, **via_proxy(VICTIM)).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "", "198.51.100.7"),
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # not behind a proxy: ignored
        (1, PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the entry the proxy added
        (2, PROXY, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, PROXY, "", PROXY),  # the request did not come through the proxy
        (2, PROXY, "198.51.100.7", PROXY),
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "1.2.3.4, 2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
