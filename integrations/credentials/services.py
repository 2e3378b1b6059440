"""Creating, editing and testing PMS credentials."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from integrations.credentials.crypto import secrets_decrypt, secrets_encrypt, secrets_rotate
from integrations.credentials.endpoints import endpoint_override_clean
from integrations.models import PMSCredential
from integrations.pms.base import Connector
from integrations.pms.budget import credential_budget
from integrations.pms.errors import CredentialFieldsInvalid, CredentialNeedsFixing, PMSError
from integrations.pms.http import HttpOptions
from integrations.pms.registry import VENDORS, clean_fields, get_connector, vendor_info
from properties.models import Organization

logger = logging.getLogger(__name__)

# A console "Test connection" waits at most this long on the vendor.
TEST_OPTIONS = HttpOptions(connect_timeout=5.0, read_timeout=20.0, max_attempts=2)


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def _split(vendor: str, values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    secret_names = vendor_info(vendor).secret_field_names
    plain = {k: v for k, v in values.items() if k not in secret_names}
    secret = {k: v for k, v in values.items() if k in secret_names and v}
    return plain, secret


def _validate(
    *, organization: Organization, vendor: str, label: str, exclude_id: int | None = None
) -> None:
    errors: dict[str, str] = {}
    if vendor not in VENDORS:
        errors["vendor"] = "Choose one of Yardi, RealPage, Entrata, MRI or AppFolio."
    if not label.strip():
        errors["label"] = "Name this credential, e.g. “Yardi — Boston portfolio”."
    else:
        clash = PMSCredential.objects.filter(organization=organization, label__iexact=label.strip())
        if exclude_id:
            clash = clash.exclude(id=exclude_id)
        if clash.exists():
            errors["label"] = f"A credential named “{label.strip()}” already exists."
    if errors:
        raise ValidationError(errors)


def _endpoint(url: str, *, by_support: bool) -> str:
    try:
        return endpoint_override_clean(url, by_support=by_support)
    except ValidationError as exc:
        raise ValidationError({"endpoint_override": exc.messages}) from exc


# No vendor's password, key or license comes near these; a 100,000-character "secret"
# would be encrypted, stored and sent with every request. Named messages, per field.
MAX_SECRET_LENGTH = 1_000
MAX_FIELD_LENGTH = 300


def too_long_message(label: str, limit: int) -> str:
    return f"{label} is too long: at most {limit:,} characters. Check what was pasted."


def _check_lengths(vendor: str, values: Mapping[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    for f in vendor_info(vendor).fields:
        limit = MAX_SECRET_LENGTH if f.secret else MAX_FIELD_LENGTH
        if len(values.get(f.name) or "") > limit:
            errors[f.name] = [too_long_message(f.label, limit)]
    if errors:
        raise ValidationError(errors)


def _clean_all(vendor: str, values: Mapping[str, str]) -> dict[str, str]:
    _check_lengths(vendor, values)
    try:
        cleaned = clean_fields(vendor, values)
    except CredentialFieldsInvalid as exc:
        raise ValidationError(str(exc)) from exc
    if (
        vendor == "entrata"
        and not cleaned.get("api_key")
        and not (cleaned.get("username") and cleaned.get("password"))
    ):
        raise ValidationError("Entrata needs either an API key, or a username and a password.")
    return cleaned


@transaction.atomic
def pms_credential_create(
    *,
    organization: Organization,
    vendor: str,
    label: str,
    values: Mapping[str, str],
    endpoint_override: str = "",
    by_support: bool = False,
) -> PMSCredential:
    _validate(organization=organization, vendor=vendor, label=label)
    endpoint = _endpoint(endpoint_override, by_support=by_support)
    cleaned = _clean_all(vendor, values)
    plain, secret = _split(vendor, cleaned)
    credential = PMSCredential(
        organization=organization,
        vendor=vendor,
        label=label.strip(),
        fields=plain,
        secrets_encrypted=secrets_encrypt(secret),
        endpoint_override=endpoint,
    )
    credential.full_clean()
    credential.save()
    return credential


# --- A stored secret is bound to where it was entered for ------------------------------
# Secrets are write-only, and a blank secret field on edit keeps the stored one. Were that
# to hold whatever else changed, anyone who may edit a credential could point it at a host
# of their choosing (an address override, Yardi's Voyager URL, RealPage's gateway) and
# have Save or Test connection deliver the stored password there — or open another PMS
# account with it (another Yardi database, Entrata subdomain, MRI client). So changing the
# vendor, the address override, or any field naming where requests go or which account
# they open drops every stored secret: they must all be entered again, with the new
# address, by someone who knows them.


def binding_field_names(vendor: str) -> tuple[str, ...]:
    """The vendor's fields a stored secret is bound to: every address it builds requests
    from (``url`` and host-label fields) and the fields naming the PMS account."""
    info = vendor_info(vendor)
    return tuple(
        f.name
        for f in info.fields
        if not f.secret and (f.kind in ("url", "label") or f.name in info.account_fields)
    )


def binding_labels(vendor: str, *, override: bool = True) -> list[str]:
    """What the person editing reads: the labels of those fields, and the address
    override where they can see it."""
    names = set(binding_field_names(vendor))
    labels = [f.label for f in vendor_info(vendor).fields if f.name in names]
    return [*labels, "API address override"] if override else labels


def binding_phrase(vendor: str, *, override: bool = True) -> str:
    """Those labels as a sentence reads them: "Voyager URL, Database or API address override"."""
    bound = binding_labels(vendor, override=override)
    return f"{', '.join(bound[:-1])} or {bound[-1]}" if len(bound) > 1 else bound[0]


def _bound_value(value: str | None, default: str = "") -> str:
    return ((value or "").strip() or default).rstrip("/")


def secrets_rebound_by(
    *,
    credential: PMSCredential,
    values: Mapping[str, str],
    endpoint_override: str | None,
    vendor: str | None = None,
) -> list[str]:
    """The labels of what an edit changes among the things the stored secrets are bound
    to (empty: the stored secrets may be kept). ``values`` absent a field keeps it;
    ``endpoint_override`` None keeps the stored address."""
    if vendor is not None and vendor != credential.vendor:
        return ["PMS"]
    changed: list[str] = []
    for f in vendor_info(credential.vendor).fields:
        if f.name not in binding_field_names(credential.vendor) or f.name not in values:
            continue
        before = _bound_value(credential.fields.get(f.name), f.default)
        if _bound_value(values[f.name], f.default) != before:
            changed.append(f.label)
    if endpoint_override is not None and _bound_value(endpoint_override) != _bound_value(
        credential.endpoint_override
    ):
        changed.append("API address override")
    return changed


def rebinding_message(changed: list[str]) -> str:
    return (
        f"You changed {', '.join(changed)}: enter the passwords and keys again. A saved "
        "secret is only ever sent to the address and account it was entered for."
    )


def _require_secrets_again(vendor: str, values: Mapping[str, str], changed: list[str]) -> None:
    info = vendor_info(vendor)
    typed = {n for n in info.secret_field_names if (values.get(n) or "").strip()}
    errors: dict[str, list[str]] = {}
    for f in info.fields:
        if f.secret and f.required and f.name not in typed:
            errors[f.name] = [f"Enter the {f.label.lower()} again (see above)."]
    if errors or not typed:
        errors[NON_FIELD_ERRORS] = [rebinding_message(changed)]
        raise ValidationError(errors)


@transaction.atomic
def pms_credential_update(
    *,
    credential: PMSCredential,
    label: str,
    values: Mapping[str, str],
    endpoint_override: str | None = None,
    by_support: bool = False,
) -> PMSCredential:
    """Secret fields left blank keep their stored value (secrets are write-only) — unless
    the edit changes what they are bound to (secrets_rebound_by): then every secret must
    be entered again, and none of the stored ones is kept. ``endpoint_override`` None
    keeps the stored address; the stored address itself is accepted unchanged (support may
    have set one a manager could not)."""
    _validate(
        organization=credential.organization,
        vendor=credential.vendor,
        label=label,
        exclude_id=credential.id,
    )
    if endpoint_override is None or endpoint_override.strip() == credential.endpoint_override:
        endpoint = credential.endpoint_override
    else:
        endpoint = _endpoint(endpoint_override, by_support=by_support)
    changed = secrets_rebound_by(credential=credential, values=values, endpoint_override=endpoint)
    if changed:
        _require_secrets_again(credential.vendor, values, changed)
        stored: dict[str, str] = {}  # never decrypted: none of them goes anywhere new
    else:
        stored = secrets_decrypt(credential.secrets_encrypted)
    merged = {**credential.fields, **stored}
    for name, value in values.items():
        if name in vendor_info(credential.vendor).secret_field_names and not value:
            continue
        merged[name] = value
    cleaned = _clean_all(credential.vendor, merged)
    plain, secret = _split(credential.vendor, cleaned)
    credential.label = label.strip()
    credential.fields = plain
    credential.secrets_encrypted = secrets_encrypt(secret)
    credential.endpoint_override = endpoint
    credential.full_clean()
    credential.save(
        update_fields=["label", "fields", "secrets_encrypted", "endpoint_override", "updated_at"]
    )
    return credential


def pms_credential_connector(
    *, credential: PMSCredential, options: HttpOptions | None = None
) -> Connector:
    """A connector with the decrypted secrets; they live only in this object's memory.

    A stored credential the vendor's rules no longer accept (saved before a rule, or
    edited in admin) raises CredentialNeedsFixing, a PMSError: every caller — a sync, the
    wizard — already turns those into a message, and a sync fails rather than hangs."""
    values = {**credential.fields, **secrets_decrypt(credential.secrets_encrypted)}
    # Every call made with a stored credential takes its rate-limit budget (pms/budget.py).
    budget = credential_budget(credential_id=credential.id, vendor=credential.vendor)
    if budget is not None:
        options = replace(options or HttpOptions(), budget=budget)
    try:
        return get_connector(
            credential.vendor,
            values,
            options=options,
            base_url=credential.endpoint_override or None,
        )
    except CredentialFieldsInvalid as exc:
        raise CredentialNeedsFixing(
            vendor=credential.get_vendor_display(), call=credential.label, detail=str(exc)
        ) from None


def pms_credential_test(
    *, credential: PMSCredential, options: HttpOptions | None = None
) -> TestResult:
    """Log in and list the PMS properties; record and return what happened."""
    try:
        with pms_credential_connector(
            credential=credential, options=options or TEST_OPTIONS
        ) as connector:
            connector.check_credential()
            properties = connector.list_properties()
    except PMSError as exc:
        # PMSError messages are already redacted and say what to do.
        result = TestResult(ok=False, message=exc.setup_message)
    except (CredentialFieldsInvalid, ValueError) as exc:
        result = TestResult(ok=False, message=f"The credential is incomplete: {exc}")
    else:
        result = TestResult(
            ok=True,
            message=f"Connected to {credential.get_vendor_display()}: "
            f"{len(properties)} PMS propert{'y' if len(properties) == 1 else 'ies'} visible.",
        )
    credential.last_tested_at = timezone.now()
    credential.last_test_ok = result.ok
    credential.last_test_message = result.message[:500]
    credential.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message"])
    logger.info("PMS credential %s (%s) test: %s", credential.id, credential.vendor, result.ok)
    return result


def pms_credentials_rotate() -> int:
    """Re-encrypt every stored secret under the newest FERNET_KEYS key; returns the count."""
    count = 0
    for credential in PMSCredential.objects.exclude(secrets_encrypted="").iterator():
        with transaction.atomic():
            locked = PMSCredential.objects.select_for_update().get(id=credential.id)
            locked.secrets_encrypted = secrets_rotate(locked.secrets_encrypted)
            locked.save(update_fields=["secrets_encrypted"])
        count += 1
    return count


@transaction.atomic
def pms_credential_delete(*, credential: PMSCredential) -> None:
    """Remove a credential no property uses (a mistyped one, an old login). One in use is
    refused, naming the properties: switch them to another credential first."""
    locked = PMSCredential.objects.select_for_update().get(id=credential.id)
    users = sorted(locked.integrations.values_list("property__name", flat=True))
    if users:
        raise ValidationError(
            f"“{locked.label}” is used by {', '.join(users)}. Choose another credential "
            "there first (Manage Settings → Credentials), then delete this one."
        )
    try:
        locked.delete()
    except ProtectedError:  # attached meanwhile
        raise ValidationError(
            f"“{locked.label}” was just chosen for a property; it was not deleted."
        ) from None
