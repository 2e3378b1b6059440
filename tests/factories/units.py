from __future__ import annotations

import factory

from tests.factories.properties import PropertyFactory
from units.models import Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    property = factory.SubFactory(PropertyFactory)
    name = factory.Sequence(lambda n: f"{100 + n}")
    building = ""
    floor = "1"
