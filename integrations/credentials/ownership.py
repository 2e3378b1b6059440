"""Who manages an organization's PMS credentials.

A credential belongs to the organization and may be shared by several of its properties
(one Yardi login for a portfolio). Managing it — opening its edit form, saving, pressing
Test connection, deleting it, choosing it for a property in the set-up wizard — decides
how every property that syncs with it reaches its PMS. So:

- a manager of the whole organization (a membership without a property: the portfolio
  manager) manages all of its credentials;
- a property-scoped manager manages only the credentials used solely by properties they
  manage: their own property's credential when no other property uses it, and unused
  ones (just added, or left over — an unused credential reaches no property's data, and
  its secrets can only ever be sent where they were entered for, see
  services.secrets_rebound_by). A credential that also serves a property they do not
  manage is not theirs: it is absent from their lists, and its URLs answer 404, as
  another organization's do — nothing about it is revealed. Their property's own
  credential, when shared, is shown read-only ("managed by your portfolio manager").

Every credential view, the wizard's credential step and delete ask this module; there is
no other way in.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from integrations.models import PMSCredential, PMSIntegration
from properties.models import Membership, Organization
from properties.selectors import properties_for_user


def manages_whole_organization(*, user: Any, organization_id: int) -> bool:
    return Membership.objects.filter(
        user=user, organization_id=organization_id, property__isnull=True
    ).exists()


def credentials_managed_by(*, user: Any, organization: Organization) -> QuerySet[PMSCredential]:
    """The organization's credentials ``user`` may view, edit, test, delete and choose."""
    credentials = PMSCredential.objects.filter(organization=organization)
    if not getattr(user, "is_authenticated", False):
        return credentials.none()
    if manages_whole_organization(user=user, organization_id=organization.id):
        return credentials
    mine = properties_for_user(user=user).filter(organization=organization)
    # A use by a property outside ``mine`` makes the credential someone else's too.
    used_elsewhere = PMSIntegration.objects.filter(credential=OuterRef("pk")).exclude(
        property__in=mine.values("id")
    )
    return credentials.filter(~Exists(used_elsewhere))


def credential_get_managed(
    *, user: Any, organization: Organization, credential_id: int
) -> PMSCredential | None:
    return (
        credentials_managed_by(user=user, organization=organization)
        .filter(id=credential_id)
        .first()
    )


def credential_lock_managed(
    *, user: Any, organization: Organization, credential_id: int
) -> PMSCredential | None:
    """Inside a transaction: the credential, row-locked, when ``user`` still manages it.

    The lock closes the gap between opening the edit form and saving it: choosing a
    credential for a property writes a foreign key to it, whose check takes a KEY SHARE
    lock on this row (at commit: Django's foreign keys are deferred), so a property that
    starts using it meanwhile either commits after this save — the edit came first — or
    is seen by the check below, taken after the lock."""
    locked = PMSCredential.objects.select_for_update().filter(
        organization=organization, id=credential_id
    )
    if locked.first() is None:
        return None
    return credential_get_managed(user=user, organization=organization, credential_id=credential_id)
