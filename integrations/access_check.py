"""The nightly access check: the access invariant (access/invariant.py) for a property with
a PMS integration, and a sync alert naming every key no rule justifies.

The check never revokes anything: a key without a reason may be a manager's intent the
rules cannot see (a cleaner's storage key given by hand is fine; another unit's key is
not). The alert names each key and why it is not justified; the manager revokes them
(audited, as on the resident's page) or keeps them, and a kept grant is not raised again.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.invariant import Finding, Violation, access_invariant_check
from access.models import KeyGrant
from access.services import key_grant_revoke
from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from common.text import plural
from integrations.models import PMSIntegration, PMSRecord, PMSUnit, SyncAlert

KIND = SyncAlert.Kind.UNJUSTIFIED_KEY
# Alerts are keyed by resident, not by PMS record: a resident added by hand has none.
EXTERNAL_ID = "resident-{}"


def residents_unplaced(*, integration: PMSIntegration) -> set[int]:
    """Residents whose unit Unit Sync cannot say: their PMS unit is not mapped (or unknown),
    or a mapping saved since the last sync waits for the next one. Two queries."""
    if not integration.unit_sync_enabled:
        return set()  # keys follow the unit a manager gives them
    mapped = set(
        PMSUnit.objects.filter(integration=integration, unit__isnull=False).values_list(
            "external_id", flat=True
        )
    )
    return {
        rid
        for rid, pms_unit_id in PMSRecord.objects.filter(
            integration=integration, resident__isnull=False, gone_from_pms_at__isnull=True
        ).values_list("resident_id", "pms_unit_id")
        if pms_unit_id not in mapped
    }


def kept_grant_ids(*, integration: PMSIntegration) -> set[int]:
    """Grants a manager chose to keep when this check raised them."""
    kept: set[int] = set()
    for data in SyncAlert.objects.filter(
        integration=integration, kind=KIND, state=SyncAlert.State.RESOLVED, resolution="keep"
    ).values_list("pms_data", flat=True):
        kept.update(int(k["grant"]) for k in data.get("keys", []) if k.get("grant"))
    return kept


def access_invariant_violations(*, integration: PMSIntegration) -> list[Violation]:
    """The access invariant for the integration's property, with what the integration
    knows: kept grants and residents Unit Sync cannot place."""
    return access_invariant_check(
        property=integration.property,
        kept_grant_ids=kept_grant_ids(integration=integration),
        unplaced_resident_ids=residents_unplaced(integration=integration),
    )


@transaction.atomic
def access_invariant_alerts_raise(*, integration: PMSIntegration) -> int:
    """Open (or refresh) one alert per resident holding keys no rule justifies; settle
    the alerts whose keys are justified or gone since. Returns the open alerts' count."""
    unjustified: dict[int, list[Violation]] = defaultdict(list)
    for v in access_invariant_violations(integration=integration):
        if v.finding is Finding.UNJUSTIFIED:
            unjustified[v.resident_id].append(v)
    open_alerts = {
        a.resident_id: a
        for a in SyncAlert.objects.select_for_update().filter(
            integration=integration, kind=KIND, state=SyncAlert.State.OPEN
        )
    }
    now = timezone.now()
    for resident_id, violations in unjustified.items():
        keys = [
            {"grant": v.grant_id, "key": v.key_id, "name": v.key_name, "why": v.reason}
            for v in violations
        ]
        name = violations[0].resident_name
        detail = "; ".join(f"“{v.key_name}”: {v.reason}" for v in violations)
        data = {
            "keys": keys,
            "detail": f"{name} holds {plural(len(keys), 'key')} no rule justifies — {detail}.",
        }
        alert = open_alerts.pop(resident_id, None)
        if alert is None:
            SyncAlert.objects.create(
                integration=integration,
                kind=KIND,
                external_id=EXTERNAL_ID.format(resident_id),
                resident_id=resident_id,
                pms_name=name[:210],
                pms_data=data,
            )
        elif alert.pms_data != data:
            alert.pms_data = data
            alert.save(update_fields=["pms_data", "updated_at"])
    # Justified since (a sync revoked them, a manager acted): nothing left to decide.
    SyncAlert.objects.filter(id__in=[a.id for a in open_alerts.values()]).update(
        state=SyncAlert.State.RESOLVED, resolution="settled", resolved_at=now, updated_at=now
    )
    return len(unjustified)


@transaction.atomic
def unjustified_key_alert_resolve(*, alert: SyncAlert, resolution: str, actor: Actor) -> str:
    """Revoke the keys the alert names (each audited), or keep them: never raised again."""
    locked = (
        SyncAlert.objects.select_for_update(of=("self",))
        .select_related("integration__property", "resident")
        .get(id=alert.id)
    )
    if locked.state != SyncAlert.State.OPEN:
        raise ValidationError("This alert was already resolved.")
    from integrations.sync.alerts import RESOLUTIONS

    allowed = RESOLUTIONS[KIND]
    if resolution not in allowed:
        raise ValidationError(f"Choose one of: {', '.join(allowed.values())}.")
    grant_ids = [int(k["grant"]) for k in locked.pms_data.get("keys", []) if k.get("grant")]
    if resolution == "revoke":
        # Lock order as every writer: the resident's grants, oldest first.
        grants = list(
            KeyGrant.objects.select_for_update()
            .filter(id__in=grant_ids, revoked_at__isnull=True)
            .order_by("id")
        )
        for grant in grants:
            key_grant_revoke(
                grant=grant, actor=actor, reason="A key no rule justifies (nightly access check)"
            )
        message = f"{plural(len(grants), 'key')} revoked from {locked.pms_name}."
    else:
        message = (
            f"{locked.pms_name} keeps {plural(len(grant_ids), 'key')}; they are not raised again."
        )
    locked.state = SyncAlert.State.RESOLVED
    locked.resolution = resolution
    locked.resolved_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["state", "resolution", "resolved_by", "resolved_at", "updated_at"])
    access_event_record(
        property=locked.integration.property,
        actor=actor,
        action=AccessEvent.Action.SYNC_ALERT_RESOLVED,
        subject=f"{locked.get_kind_display()} for {locked.pms_name}: {allowed[resolution]}",
        resident=locked.resident,
        reason=message,
        data={"alert": locked.id, "kind": locked.kind, "resolution": resolution},
    )
    return message
