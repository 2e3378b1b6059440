"""Login throttling: per client address, per account, and per account at one address.

django-axes records each failed login (username, address); this handler decides with
three limits instead of Axes's one:

- per address (any usernames): ``LOGIN_FAILURES_PER_ADDRESS`` — password spraying, a few
  tries at many names, is stopped here (keyed on username + address, 25 names, 4 tries each,
  never tripped anything);
- per account at one address: ``AXES_FAILURE_LIMIT`` — someone guessing one manager's
  password;
- per account from anywhere: ``LOGIN_FAILURES_PER_ACCOUNT`` — the same guessing spread
  over many addresses. A lock anyone can trip would let one client lock a named manager
  out, so a browser that has logged in to that account before (it holds a signed
  ``login_device`` cookie set at login) is not held by this limit, only by the two above.

The address is the real client's (common/client_ip.py, TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE = "login_device"
DEVICE_SALT = "doorsync.login-device"
DEVICE_MAX_AGE = 180 * 24 * 60 * 60

# AXES_LOCKOUT_PARAMETERS, in this order; the limits below follow it.
LOCKOUT_PARAMETERS: list[Any] = [["username", "ip_address"], "ip_address", "username"]


def device_remember(response: HttpResponse, *, username: str) -> None:
    """After a successful login: this browser is one the account's owner uses."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        username.lower(),
        salt=DEVICE_SALT,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
    )


def _known_device(request: HttpRequest, username: str | None) -> bool:
    if not username:
        return False
    owner = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE
    )
    return owner is not None and owner == username.lower()


class LoginThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures of the limit nearest to locking, scaled to AXES_FAILURE_LIMIT, so Axes's
        own check (failures >= AXES_FAILURE_LIMIT) locks when any of the three is reached."""
        base = int(settings.AXES_FAILURE_LIMIT)
        limits = [base, settings.LOGIN_FAILURES_PER_ADDRESS, settings.LOGIN_FAILURES_PER_ACCOUNT]
        username = get_client_username(request, credentials)
        worst = 0
        for index, attempts in enumerate(self.get_user_attempts(request, credentials)):
            if index == 2 and _known_device(request, username):
                continue
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, failures * base // limits[index])
        return worst

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A successful login forgets this account's failures, not the address's: an
        attacker who owns one account must not clear their spraying count by logging in."""
        attempts = self.filter_user_attempts(request, credentials)
        count = 0
        for index in (0, 2):  # username at this address, username from anywhere
            deleted, _ = attempts[index].delete()
            count += deleted
        return count
