"""ePMS set-up and Manage Settings: the services behind the wizard and the tabs.

Every change is audited; a change to what is synced (PMS property IDs,
excluded statuses) clears the stored fingerprints so the next run looks at
every record again instead of trusting "unchanged".
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.credentials.services import pms_credential_connector
from integrations.models import AccessMode, PMSCredential, PMSIntegration, PMSRecord, SyncRun
from integrations.pms.registry import VENDORS
from integrations.pms.types import PMSProperty
from integrations.sync.runs import sync_run_start
from properties.models import Property

Step = PMSIntegration.SetupStep


def integration_get_or_create(*, property: Property) -> PMSIntegration:
    integration, _ = PMSIntegration.objects.get_or_create(property=property)
    return integration


def _audit(
    integration: PMSIntegration, actor: Actor, subject: str, data: dict[str, object]
) -> None:
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.SETTING_CHANGED,
        subject=subject,
        data=data,
    )


def _advance(integration: PMSIntegration, to: str) -> None:
    order = list(Step.values)
    if order.index(to) > order.index(integration.setup_step):
        integration.setup_step = to


# --- Checks: the one set of rules the console and support's admin both apply ------------


def settings_list_check(value: object, *, what: str, example: str) -> list[str]:
    """A list of non-empty strings, or ValidationError naming what was given.

    Support types these as JSON in admin: a bare string "1001" is not a list of one id
    (iterated, it would read as "1", "0", "0", "1"), nor is {"a": 1} a list of statuses.
    """
    if not isinstance(value, list | tuple):
        kind = next(
            (
                name
                for t, name in ((str, "a single text"), (dict, "an object"), (int, "a number"))
                if isinstance(value, t)
            ),
            type(value).__name__,
        )
        raise ValidationError(f"Enter the {what} as a list, e.g. {example} (got {kind}).")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(
                f"Each of the {what} must be a non-empty text in quotes, e.g. {example}; "
                f"{item!r} is not."
            )
        items.append(item.strip())
    return items


def integration_credential_check(*, property: Property, credential: PMSCredential) -> None:
    if credential.organization_id != property.organization_id:
        raise ValidationError("That credential belongs to another portfolio.")


def integration_property_ids_check(
    *,
    integration: PMSIntegration,
    pms_property_ids: Sequence[str],
    available: Sequence[PMSProperty],
) -> list[str]:
    """The ids to attach, deduplicated in order: each listed by the PMS for this credential
    and not attached to another property of the same PMS account."""
    if isinstance(pms_property_ids, str):
        raise ValidationError("Choose PMS property IDs as a list, not a single text.")
    ids = list(dict.fromkeys(str(i) for i in pms_property_ids))
    if not ids:
        raise ValidationError("Choose at least one PMS property to sync into this property.")
    names = {p.id: p.name for p in available}
    unknown = [i for i in ids if i not in names]
    if unknown:
        raise ValidationError(
            f"The PMS does not list these property IDs for this credential: {', '.join(unknown)}."
        )
    taken = pms_property_ids_taken(integration=integration)
    # An id attached here already (before this rule) may stay: saving must not drop it.
    clashes = [
        f"{names[i]} ({i}) is already attached to {taken[i]}"
        for i in ids
        if i in taken and i not in integration.pms_property_ids
    ]
    if clashes:
        raise ValidationError(
            f"{'; '.join(clashes)}. A PMS property feeds one doorsync property: detach it "
            "there first (Integrations → Manage Settings → Property IDs)."
        )
    return ids


def integration_excluded_statuses_check(
    *, statuses: Sequence[str], available: Sequence[str]
) -> list[str]:
    """The statuses to exclude, in the PMS's order; each must be one of the PMS's own."""
    if isinstance(statuses, str):
        raise ValidationError("Choose lease statuses as a list, not a single text.")
    unknown = sorted(set(statuses) - set(available))
    if unknown:
        raise ValidationError(f"These are not lease statuses of this PMS: {', '.join(unknown)}.")
    return [s for s in available if s in set(statuses)]


def integration_user_sync_check(
    *, enabled: bool, credential: PMSCredential | None, pms_property_ids: Sequence[str]
) -> None:
    if enabled and (credential is None or not pms_property_ids):
        raise ValidationError(
            "User Sync needs a credential and at least one attached PMS property ID."
        )


def integration_access_mode_check(*, mode: str, user_sync_enabled: bool) -> None:
    if mode not in AccessMode.values:
        raise ValidationError("Choose Off, Approval Required or Automatic.")
    if mode != AccessMode.OFF and not user_sync_enabled:
        raise ValidationError(
            "Automated Access needs User Sync: it acts on the lease changes User Sync brings "
            "in. Turn User Sync on first (User Sync tab)."
        )


# --- Services -------------------------------------------------------------------------


@transaction.atomic
def integration_set_credential(
    *, integration: PMSIntegration, credential: PMSCredential, actor: Actor
) -> PMSIntegration:
    integration_credential_check(property=integration.property, credential=credential)
    changed = integration.credential_id != credential.id
    if changed and integration.credential_id is not None:
        # Another PMS (or login) means other PMS property IDs: attach them again.
        integration.pms_property_ids = []
        integration.pms_property_names = {}
        integration.excluded_statuses = []
        PMSRecord.objects.filter(integration=integration).update(data_hash="")
    integration.credential = credential
    _advance(integration, Step.PROPERTY_IDS)
    integration.save()
    if changed:
        _audit(
            integration,
            actor,
            f"ePMS credential set to “{credential.label}”",
            {"credential": credential.id},
        )
    return integration


def pms_properties_available(*, integration: PMSIntegration) -> list[PMSProperty]:
    """Listed live from the PMS; raises PMSError with a message for the manager."""
    if integration.credential is None:
        raise ValidationError("Choose a credential first.")
    return pms_properties_of_credential(credential=integration.credential)


def pms_properties_of_credential(*, credential: PMSCredential) -> list[PMSProperty]:
    with pms_credential_connector(credential=credential) as connector:
        return connector.list_properties()


def _pms_account(credential: PMSCredential) -> tuple[str, ...]:
    """Which PMS account a credential reaches, whoever logs in: the vendor, the address
    override and the vendor's account fields (Yardi URL and database, Entrata
    subdomain, RealPage PMC ID, …), compared without case or a trailing slash."""
    names = VENDORS[credential.vendor].account_fields if credential.vendor in VENDORS else ()
    return (
        credential.vendor,
        credential.endpoint_override.strip().rstrip("/").casefold(),
        *(str(credential.fields.get(n, "")).strip().rstrip("/").casefold() for n in names),
    )


def pms_property_ids_taken(*, integration: PMSIntegration) -> dict[str, str]:
    """PMS property id → the name of the other doorsync property of the portfolio that
    has it attached, from the same PMS account (set up or not yet). Each PMS property feeds one doorsync
    property: two would each get every resident, and give them keys in both."""
    credential = integration.credential
    if credential is None:
        return {}
    others = (
        PMSIntegration.objects.filter(
            property__organization_id=integration.property.organization_id,
            credential__vendor=credential.vendor,
        )
        .exclude(id=integration.id)
        .select_related("credential", "property")
    )
    account = _pms_account(credential)
    return {
        pms_id: other.property.name
        for other in others
        if other.credential is not None and _pms_account(other.credential) == account
        for pms_id in other.pms_property_ids
    }


def pms_lease_statuses(*, integration: PMSIntegration) -> list[str]:
    if integration.credential is None:
        raise ValidationError("Choose a credential first.")
    return pms_lease_statuses_of_credential(credential=integration.credential)


def pms_lease_statuses_of_credential(*, credential: PMSCredential) -> list[str]:
    with pms_credential_connector(credential=credential) as connector:
        return connector.list_lease_statuses()


@transaction.atomic
def integration_attach_properties(
    *,
    integration: PMSIntegration,
    pms_property_ids: Sequence[str],
    available: Sequence[PMSProperty],
    actor: Actor,
) -> PMSIntegration:
    ids = integration_property_ids_check(
        integration=integration, pms_property_ids=pms_property_ids, available=available
    )
    names = {p.id: p.name for p in available}
    changed = sorted(ids) != sorted(integration.pms_property_ids)
    integration.pms_property_ids = ids
    integration.pms_property_names = {i: names[i] for i in ids}
    _advance(integration, Step.EXCLUDED_STATUSES)
    integration.save()
    if changed:
        PMSRecord.objects.filter(integration=integration).update(data_hash="")
        _audit(
            integration,
            actor,
            f"PMS property IDs attached: {', '.join(f'{names[i]} ({i})' for i in ids)}",
            {"pms_property_ids": ids},
        )
    return integration


@transaction.atomic
def integration_set_excluded_statuses(
    *,
    integration: PMSIntegration,
    statuses: Sequence[str],
    available: Sequence[str],
    actor: Actor,
) -> PMSIntegration:
    chosen = integration_excluded_statuses_check(statuses=statuses, available=available)
    changed = sorted(chosen) != sorted(integration.excluded_statuses)
    integration.excluded_statuses = chosen
    _advance(integration, Step.USER_SYNC)
    integration.save()
    if changed:
        PMSRecord.objects.filter(integration=integration).update(data_hash="")
        _audit(
            integration,
            actor,
            "Excluded lease statuses: " + (", ".join(chosen) or "none"),
            {"excluded_statuses": chosen},
        )
    return integration


@transaction.atomic
def integration_set_user_sync(
    *, integration: PMSIntegration, enabled: bool, actor: Actor
) -> PMSIntegration:
    integration_user_sync_check(
        enabled=enabled,
        credential=integration.credential,
        pms_property_ids=integration.pms_property_ids,
    )
    changed = integration.user_sync_enabled != enabled
    integration.user_sync_enabled = enabled
    if enabled:
        # Unit Sync comes on with User Sync; only support turns it off.
        integration.unit_sync_enabled = True
    if integration.setup_completed_at is None:
        integration.setup_completed_at = timezone.now()
    integration.setup_step = Step.DONE
    integration.save()
    if changed:
        _audit(
            integration,
            actor,
            f"User Sync turned {'on' if enabled else 'off'}",
            {"user_sync_enabled": enabled},
        )
    return integration


@transaction.atomic
def integration_user_sync_step_save(
    *, integration: PMSIntegration, enabled: bool, actor: Actor, wizard: bool
) -> bool:
    """The set-up's User Sync step; True when this save started the first sync.

    The first time User Sync is turned on in the wizard, the first sync starts now
    rather than at the next beat tick. Done again (Back through a finished wizard, or
    Manage Settings) is a save, not another first sync.
    """
    first_time = integration.setup_completed_at is None
    integration_set_user_sync(integration=integration, enabled=enabled, actor=actor)
    if not (enabled and wizard and first_time):
        return False
    sync_run_start(integration=integration, trigger=SyncRun.Trigger.SETUP, user=actor)
    return True


@transaction.atomic
def integration_set_access_mode(
    *, integration: PMSIntegration, mode: str, actor: Actor
) -> PMSIntegration:
    """Automate Access tab: Off, Approval Required or Automatic (audited)."""
    integration_access_mode_check(mode=mode, user_sync_enabled=integration.user_sync_enabled)
    if integration.access_mode == mode:
        return integration
    previous = integration.get_access_mode_display()
    integration.access_mode = mode
    integration.save(update_fields=["access_mode", "updated_at"])
    _audit(
        integration,
        actor,
        f"Automated Access: {previous} → {integration.get_access_mode_display()}",
        {"access_mode": mode},
    )
    return integration
