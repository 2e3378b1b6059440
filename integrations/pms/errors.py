"""Errors a connector raises.

Each error carries the vendor, the vendor call that failed, a technical `detail` (already
redacted of secrets) for logs and support, and `message`: one sentence a property manager
can act on. `str(error)` is the manager-facing message.
"""

from __future__ import annotations

# Where a manager edits a credential's fields and address (the Integrations page).
_SETTINGS = "Integrations → PMS credentials"


class CredentialFieldsInvalid(ValueError):
    """The fields cannot make a credential; the message names fields, never values."""


class PMSError(Exception):
    """Base of every connector failure; a fetch that raises is a failed fetch, whole."""

    # Whether the same call may succeed later without anyone changing anything.
    transient: bool = False

    def __init__(self, *, vendor: str, call: str, detail: str = "") -> None:
        self.vendor = vendor
        self.call = call
        self.detail = detail
        self.message = self._compose()
        super().__init__(self.message)

    def _compose(self) -> str:
        return (
            f"{self.vendor} request failed ({self.call}{self._detail_suffix()}) — "
            "try again later; if this repeats, contact doorsync support."
        )

    @property
    def setup_message(self) -> str:
        """The message while setting up or testing a credential, before any sync runs:
        "the sync will retry" would promise what is not there yet."""
        return self.message

    def _detail_suffix(self) -> str:
        return f": {self.detail}" if self.detail else ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vendor={self.vendor!r}, call={self.call!r}, "
            f"detail={self.detail!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only __init__ would break pickling (Celery results, multiprocessing).
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[PMSError], state: dict[str, object]) -> PMSError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.message)
    return error


class CredentialRejected(PMSError):
    def __init__(
        self, *, vendor: str, call: str, detail: str = "", fields_hint: str = "credential"
    ) -> None:
        self.fields_hint = fields_hint
        super().__init__(vendor=vendor, call=call, detail=detail)

    def _compose(self) -> str:
        return (
            f"{self.vendor} rejected the credential ({self.call}) — "
            f"check the {self.fields_hint} in {_SETTINGS}."
        )


class RateLimited(PMSError):
    transient = True

    def __init__(
        self, *, vendor: str, call: str, detail: str = "", retry_after: float | None = None
    ) -> None:
        # Seconds the vendor asked us to wait, when it said; the task layer reschedules on it.
        self.retry_after = retry_after
        super().__init__(vendor=vendor, call=call, detail=detail)

    def _compose(self) -> str:
        wait = f" for {self.retry_after:.0f}s" if self.retry_after else ""
        return (
            f"{self.vendor} is limiting requests{wait} ({self.call}) — the sync will retry "
            "on its own; if this repeats every hour, ask the vendor to raise the API limit."
        )

    @property
    def setup_message(self) -> str:
        wait = f" for {self.retry_after:.0f}s" if self.retry_after else ""
        return (
            f"{self.vendor} is limiting requests{wait} ({self.call}) — wait a minute, then "
            "try again."
        )


class BudgetExhausted(RateLimited):
    """doorsync's own pacing: the credential's rate-limit budget (pms/budget.py) allows the
    next call only after `retry_after` seconds, longer than a sync waits in place. Nothing
    was sent; a sync is retried when the budget allows instead of failing."""

    def _compose(self) -> str:
        wait = f" in {self.retry_after:.0f}s" if self.retry_after else " shortly"
        return (
            f"doorsync is keeping within {self.vendor}'s API rate limit ({self.call}): the next "
            f"call is allowed{wait}, and the sync will retry on its own then. If this happens "
            "every sync, choose a longer sync interval in Manage Settings → Sync Schedule."
        )

    @property
    def setup_message(self) -> str:
        wait = f" {self.retry_after:.0f}s" if self.retry_after else " a minute"
        return (
            f"doorsync is keeping within {self.vendor}'s API rate limit ({self.call}) — wait"
            f"{wait}, then try again."
        )


class VendorUnavailable(PMSError):
    transient = True

    def _compose(self) -> str:
        return (
            f"{self.vendor} is not answering properly ({self.call}{self._detail_suffix()}) — "
            f"the sync will retry on its own; if this lasts for hours, check {self.vendor}'s "
            "status page or contact their support."
        )

    @property
    def setup_message(self) -> str:
        return (
            f"{self.vendor} is not answering properly ({self.call}{self._detail_suffix()}) — "
            f"check the credential's address in {_SETTINGS}, then try again; if it lasts, check "
            f"{self.vendor}'s status page or contact their support."
        )


class MalformedResponse(PMSError):
    def _compose(self) -> str:
        return (
            f"{self.vendor} sent a response doorsync could not read "
            f"({self.call}{self._detail_suffix()}) — nothing was changed; "
            "if this repeats, contact doorsync support."
        )


class ResponseTooLarge(MalformedResponse):
    def _compose(self) -> str:
        return (
            f"{self.vendor} sent a response larger than doorsync accepts "
            f"({self.call}{self._detail_suffix()}) — nothing was changed; "
            "contact doorsync support."
        )


class PMSPropertyNotFound(PMSError):
    def __init__(
        self, *, vendor: str, call: str, pms_property_id: str = "", detail: str = ""
    ) -> None:
        self.pms_property_id = pms_property_id
        super().__init__(vendor=vendor, call=call, detail=detail)

    def _compose(self) -> str:
        which = f" {self.pms_property_id}" if self.pms_property_id else ""
        # Without the id (one call for several properties), the vendor's words name them.
        said = "" if self.pms_property_id else self._detail_suffix()
        return (
            f"{self.vendor} has no property{which} that this credential can see "
            f"({self.call}{said}) — check the Property IDs in Manage Settings → Property IDs, "
            f"or the credential's access in {self.vendor}."
        )


class RequestRejected(PMSError):
    """The vendor refused the request for a reason we do not classify more precisely."""

    def _compose(self) -> str:
        return (
            f"{self.vendor} refused the request ({self.call}{self._detail_suffix()}) — "
            f"check the address and fields in {_SETTINGS}; "
            "if they are right, contact doorsync support."
        )


class AddressRefused(PMSError):
    """doorsync refused to connect: the address is private, loopback or reserved."""

    def _compose(self) -> str:
        return (
            f"doorsync does not connect to {self.vendor} at this address "
            f"({self.call}{self._detail_suffix()}) — a PMS is on the public internet: check "
            f"the address fields in {_SETTINGS}."
        )


class CredentialNeedsFixing(PMSError):
    """The stored credential's fields are refused before any request (``call`` is the
    credential's label, ``detail`` names the fields, never their values)."""

    def _compose(self) -> str:
        return (
            f"The {self.vendor} credential “{self.call}” needs fixing: {self.detail} — edit "
            f"it in {_SETTINGS}. Nothing was changed."
        )
