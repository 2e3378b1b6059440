from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from access.services import common_area_keys_ensure
from properties.models import Membership, Organization, Property

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Portfolio {n}")


class PropertyFactory(factory.django.DjangoModelFactory):
    """A property as property_create makes it: with its common-area keys."""

    class Meta:
        model = Property
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Building {n}")
    address = factory.Faker("street_address")
    time_zone = "America/New_York"

    @factory.post_generation
    def common_keys(obj, create, extracted, **kwargs):
        if create:
            common_area_keys_ensure(property=obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    property = None
    role = Membership.Role.PORTFOLIO_MANAGER
