from __future__ import annotations

import factory
from django.utils import timezone

from access.models import Door, Key, KeyGrant
from tests.factories.properties import PropertyFactory
from tests.factories.residents import ResidentFactory


class DoorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Door

    property = factory.SubFactory(PropertyFactory)
    name = factory.Sequence(lambda n: f"Door {n}")


class KeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Key

    property = factory.SubFactory(PropertyFactory)
    name = factory.Sequence(lambda n: f"Key {n}")
    kind = Key.Kind.OTHER


class KeyGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyGrant

    key = factory.SubFactory(KeyFactory)
    resident = factory.SubFactory(ResidentFactory, property=factory.SelfAttribute("..key.property"))
    starts_at = factory.LazyFunction(timezone.now)
    source = KeyGrant.Source.MANUAL
