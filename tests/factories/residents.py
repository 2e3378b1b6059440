from __future__ import annotations

import factory

from residents.models import Resident, ResidentStatus
from tests.factories.properties import PropertyFactory


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    property = factory.SubFactory(PropertyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"resident{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1617555{n % 10000:04d}")
    status = ResidentStatus.FUTURE
    unit = None
