"""factory_boy factories for the test suite."""

import factory
from django.contrib.auth import get_user_model

from galena.accounts.models import Profile, Role, Team
from galena.leads.models import (
    Campaign,
    Channel,
    ContactKind,
    ContactPoint,
    Lead,
    Source,
    Stage,
    Task,
    TaskKind,
)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a profile; pass role= and team= for the profile."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")

    @classmethod
    def _create(cls, model_class, *args, role=Role.SALES_MANAGER, team=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        Profile.objects.update_or_create(user=user, defaults={"role": role, "team": team})
        return user


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Source {n}")
    channel = Channel.LANDING_PAGE


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    source = factory.SubFactory(SourceFactory)
    currency = "EUR"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written directly (no events): for reads; use services to test writes."""

    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    display_name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}")
    company_name = factory.Faker("company")
    stage = factory.LazyFunction(lambda: Stage.objects.get(is_initial=True))
    channel = Channel.LANDING_PAGE
    search_text = factory.LazyAttribute(
        lambda o: f"{o.first_name} {o.last_name} {o.company_name}".casefold()
    )


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    lead = factory.SubFactory(LeadFactory)
    kind = ContactKind.EMAIL
    value_raw = factory.Sequence(lambda n: f"person{n}@example.com")
    value = factory.LazyAttribute(lambda o: o.value_raw.lower())
    is_primary = True


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    lead = factory.SubFactory(LeadFactory)
    kind = TaskKind.CALL
    title = "Call back"
