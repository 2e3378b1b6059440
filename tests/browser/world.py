"""A demo-like property for the page walks: what a manager sees a week after set-up.

Harborview (``prop_a``) has an Entrata integration on the test's PMS simulator, synced
twice: residents of every status in units, PMS units half mapped, sync runs with their
records, keys held, access suggestions of each colour waiting in Approval Required, one
sync alert of each kind a manager answers, and an uploaded unit CSV waiting for
confirmation. Maple Court (``prop_a2``) is half-way through the set-up wizard, so every
wizard step can be opened. Built through the real sync and services where they exist, so
the pages show what production shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from access.models import Door, Key
from api.tokens import api_token_create
from integrations.credentials.services import pms_credential_create
from integrations.models import AccessMode, PMSIntegration, PMSUnit, SyncAlert, SyncRun
from integrations.simulator.credentials import demo_fields
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import units_map_identical_names
from properties.models import Property
from residents.models import Resident, ResidentStatus
from units.services import unit_create, unit_import_preview
from webhooks.services import endpoint_create

PMS_PROPERTY = "1001"


@dataclass(frozen=True)
class World:
    """The ids the console's URLs name."""

    property_id: int
    wizard_property_id: int
    resident_id: int
    key_id: int
    door_id: int
    credential_id: int
    run_id: int
    import_id: int
    endpoint_id: int

    def ids(self) -> dict[str, int]:
        return {
            "p": self.property_id,
            "p2": self.wizard_property_id,
            "resident": self.resident_id,
            "key": self.key_id,
            "door": self.door_id,
            "credential": self.credential_id,
            "run": self.run_id,
            "import": self.import_id,
            "endpoint": self.endpoint_id,
        }


def _sync(integration: PMSIntegration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SUPPORT)
    done = user_sync_execute(run_id=run.id)
    assert done.state == SyncRun.State.SUCCEEDED, done.error
    return run


def build_world(*, prop: Property, wizard_prop: Property, pms_sim) -> World:
    credential = pms_credential_create(
        organization=prop.organization,
        vendor="entrata",
        label="Entrata (simulator)",
        values=demo_fields("entrata"),
        endpoint_override=pms_sim.vendor_url("entrata"),
    )
    integration = PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=[PMS_PROPERTY],
        pms_property_names={PMS_PROPERTY: "Harbor View Apartments"},
        user_sync_enabled=True,
        access_mode=AccessMode.APPROVAL_REQUIRED,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    _sync(integration)
    # Half the PMS units get a doorsync unit and a mapping; the rest wait in Unit Mapping.
    pms_units = list(PMSUnit.objects.filter(integration=integration).order_by("name"))
    for pms_unit in pms_units[::2]:
        unit_create(property=prop, name=pms_unit.name, actor=None)
    units_map_identical_names(integration=integration, actor=None)
    run = _sync(integration)

    residents = list(Resident.objects.filter(property=prop).order_by("id"))
    current = [r for r in residents if r.status == ResidentStatus.CURRENT]
    resident = next((r for r in current if r.unit_id), current[0])
    alerts = [
        (SyncAlert.Kind.EMAIL_MISMATCH, current[1], "a.new.address.for.this.resident@example.org"),
        (SyncAlert.Kind.POSSIBLE_MATCH, current[2], current[2].email),
        (SyncAlert.Kind.DUPLICATE, current[3], current[3].email),
    ]
    for n, (kind, who, email) in enumerate(alerts):
        SyncAlert.objects.create(
            integration=integration,
            kind=kind,
            external_id=f"90{n}",
            resident=who,
            pms_email=email,
            pms_name=f"{who.first_name} {who.last_name}-Whitfield",
            pms_data={"raw_status": "Notice"},
        )
    SyncAlert.objects.create(
        integration=integration,
        kind=SyncAlert.Kind.UNKNOWN_STATUS,
        external_id="status:Month-to-Month Holdover",
        pms_name="Month-to-Month Holdover",
        pms_data={"detail": "3 PMS records have the lease status “Month-to-Month Holdover”."},
    )
    SyncAlert.objects.create(
        integration=integration,
        kind=SyncAlert.Kind.UNJUSTIFIED_KEY,
        external_id=f"resident:{current[4].id}",
        resident=current[4],
        pms_name=current[4].full_name,
        pms_data={
            "keys": [{"grant": 0, "key": 0, "name": "Rooftop Terrace", "why": "lease ended"}],
            "detail": "",
        },
    )

    key = Key.objects.filter(property=prop).order_by("id").first()
    door = Door.objects.filter(property=prop).order_by("id").first()
    assert key is not None and door is not None
    upload, _ = unit_import_preview(
        property=prop,
        filename="new-wing.csv",
        raw=b"name,building,floor\n301,B,3\n302,B,3\n303,B,3\n",
        actor=None,
    )

    # Maple Court: a credential chosen, property attached, half-way through the wizard.
    wizard_credential = pms_credential_create(
        organization=wizard_prop.organization,
        vendor="entrata",
        label="Entrata Maple (simulator)",
        values=demo_fields("entrata"),
        endpoint_override=pms_sim.vendor_url("entrata"),
    )
    PMSIntegration.objects.create(
        property=wizard_prop,
        credential=wizard_credential,
        pms_property_ids=["1002"],
        pms_property_names={"1002": "Maple Court"},
        setup_step=PMSIntegration.SetupStep.USER_SYNC,
    )
    # An integrator's webhook endpoint and API token (Manage Settings → Webhooks, API).
    endpoint = endpoint_create(
        organization=prop.organization,
        url="https://hooks.example.com/doorsync",
        events=["access.granted", "access.revoked"],
    ).endpoint
    api_token_create(
        organization=prop.organization,
        name="Acme locks",
        scopes=["read", "write"],
        properties=[],
        created_by=None,
    )
    return World(
        property_id=prop.id,
        wizard_property_id=wizard_prop.id,
        resident_id=resident.id,
        key_id=key.id,
        door_id=door.id,
        credential_id=credential.id,
        run_id=run.id,
        import_id=upload.id,
        endpoint_id=endpoint.id,
    )
