"""Seed a demo portfolio: organization, two properties, units, doors, keys, residents, logins.

Idempotent: a second run finds the demo organization and does nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from access.models import Key
from access.services import door_create, key_update
from integrations.credentials.services import pms_credential_create
from integrations.pms.registry import VENDORS
from integrations.simulator.credentials import demo_fields
from properties.models import Membership, Organization
from properties.services import membership_create, organization_create, property_create
from residents.models import ResidentStatus
from residents.services import ResidentData, resident_create
from units.services import unit_create

DEMO_ORG = "Harbor Living"
MANAGER = ("manager", "doorsync-demo")
SUPPORT = ("support", "doorsync-support")

FIRST = [
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Zoe",
    "Ethan",
    "Priya",
    "Lucas",
    "Amara",
    "Diego",
    "Hana",
    "Omar",
    "Chloe",
    "Mateo",
    "Grace",
    "Kenji",
    "Sofia",
    "Isaac",
    "Leila",
    "Jonah",
]
LAST = [
    "Patel",
    "Nguyen",
    "Okafor",
    "Garcia",
    "Kim",
    "Rossi",
    "Cohen",
    "Silva",
    "Murphy",
    "Haddad",
    "Tanaka",
    "Brooks",
    "Novak",
    "Reyes",
    "Larsen",
    "Mensah",
    "Ortiz",
    "Fischer",
]


class Command(BaseCommand):
    help = "Seed the demo organization, properties, units, keys, residents and a manager login."

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.filter(name=DEMO_ORG).exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        with transaction.atomic():
            self._seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo seeded. Console login: {MANAGER[0]} / {MANAGER[1]}; "
                f"admin (support) login: {SUPPORT[0]} / {SUPPORT[1]}"
            )
        )

    def _seed(self) -> None:
        rng = random.Random(7)
        User = get_user_model()
        manager = User.objects.create_user(
            MANAGER[0],
            email="manager@example.com",
            password=MANAGER[1],
            first_name="Morgan",
            last_name="Lee",
        )
        User.objects.create_superuser(SUPPORT[0], email="support@example.com", password=SUPPORT[1])
        org = organization_create(name=DEMO_ORG)
        membership_create(user=manager, organization=org, role=Membership.Role.PORTFOLIO_MANAGER)
        # One credential per vendor, pointed at the PMS simulator that `make run` starts.
        for vendor, info in VENDORS.items():
            pms_credential_create(
                organization=org,
                vendor=vendor,
                label=f"{info.display_name} (simulator)",
                values=demo_fields(vendor),
                endpoint_override=f"{settings.PMS_SIMULATOR_URL}/{vendor}",
                by_support=True,  # the operator's own simulator
            )
        for prop_name, tz, address, buildings, floors in [
            (
                "Harborview Apartments",
                "America/New_York",
                "120 Harbor St, Boston, MA",
                ["A", "B"],
                4,
            ),
            ("Maple Court", "America/Chicago", "45 Maple Ave, Evanston, IL", [""], 3),
        ]:
            prop = property_create(organization=org, name=prop_name, address=address, time_zone=tz)
            lobby = door_create(
                property=prop, name="Main Lobby", location="Ground floor", actor=None
            )
            side = door_create(
                property=prop, name="Side Entrance", location="Ground floor", actor=None
            )
            elevator = door_create(property=prop, name="Elevators", actor=None)
            gym = door_create(property=prop, name="Gym", location="Level 2", actor=None)
            roof = door_create(property=prop, name="Rooftop Lounge", actor=None)
            for key in Key.objects.filter(property=prop, kind=Key.Kind.COMMON):
                doors = (
                    [lobby.id, side.id, elevator.id]
                    if "Entrances" in key.name
                    else [gym.id, roof.id]
                )
                key_update(
                    key=key,
                    name=key.name,
                    kind=key.kind,
                    unit_id=None,
                    door_ids=doors,
                    shareable=key.shareable,
                    share_with_current_residents=True,
                    actor=None,
                )
            units = [
                unit_create(
                    property=prop,
                    name=f"{b}{f}{n:02d}" if b else f"{f}{n:02d}",
                    building=b,
                    floor=str(f),
                    actor=None,
                )
                for b in buildings
                for f in range(1, floors + 1)
                for n in range(1, 6)
            ]
            today = date.today()
            for i in range(int(len(units) * 1.4)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                status = rng.choices(
                    [ResidentStatus.CURRENT, ResidentStatus.FUTURE, ResidentStatus.PAST], [6, 2, 2]
                )[0]
                # Dates that agree with the status, as a manager would expect to see
                # them: current leases are running, past ones ended, future ones start soon.
                start = today - timedelta(days=rng.randint(30, 330))
                if status == ResidentStatus.FUTURE:
                    start = today + timedelta(days=rng.randint(5, 60))
                elif status == ResidentStatus.PAST:
                    start = today - timedelta(days=rng.randint(380, 700))
                unit = units[i % len(units)]
                resident_create(
                    property=prop,
                    status=status,
                    actor=None,
                    data=ResidentData(
                        first_name=first,
                        last_name=last,
                        email=f"{first}.{last}.{i}@example.com".lower(),
                        phone=f"+1617555{1000 + i:04d}",
                        unit_id=unit.id,
                        lease_start=start,
                        lease_end=start + timedelta(days=365),
                        move_in=start,
                        move_out=start + timedelta(days=365)
                        if status == ResidentStatus.PAST
                        else None,
                    ),
                )
