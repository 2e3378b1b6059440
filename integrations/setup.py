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

from access.models import AccessEvent
from access.services import Actor, access_event_record
from integrations.credentials.services import pms_credential_connector
from integrations.models import AccessMode, PMSCredential, PMSIntegration, PMSRecord
from integrations.pms.registry import VENDORS
from integrations.pms.types import PMSProperty
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


@transaction.atomic
def integration_set_credential(
    *, integration: PMSIntegration, credential: PMSCredential, actor: Actor
) -> PMSIntegration:
    if credential.organization_id != integration.property.organization_id:
        raise ValidationError("That credential belongs to another portfolio.")
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
    with pms_credential_connector(credential=integration.credential) as connector:
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
    with pms_credential_connector(credential=integration.credential) as connector:
        return connector.list_lease_statuses()


@transaction.atomic
def integration_attach_properties(
    *,
    integration: PMSIntegration,
    pms_property_ids: Sequence[str],
    available: Sequence[PMSProperty],
    actor: Actor,
) -> PMSIntegration:
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
    chosen = [s for s in available if s in set(statuses)]
    unknown = sorted(set(statuses) - set(available))
    if unknown:
        raise ValidationError(f"These are not lease statuses of this PMS: {', '.join(unknown)}.")
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
    if enabled and (integration.credential is None or not integration.pms_property_ids):
        raise ValidationError(
            "User Sync needs a credential and at least one attached PMS property ID."
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
def integration_set_access_mode(
    *, integration: PMSIntegration, mode: str, actor: Actor
) -> PMSIntegration:
    """Automate Access tab: Off, Approval Required or Automatic (audited)."""
    if mode not in AccessMode.values:
        raise ValidationError("Choose Off, Approval Required or Automatic.")
    if mode != AccessMode.OFF and not integration.user_sync_enabled:
        raise ValidationError(
            "Automated Access needs User Sync: it acts on the lease changes User Sync brings "
            "in. Turn User Sync on first (User Sync tab)."
        )
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
