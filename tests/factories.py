"""Test data. Names and dates here are placeholders for tests, never content."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from relations import models


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"source-{n}")
    kind = models.SourceKind.BOOK
    authors = "Author, Test"
    title = factory.Sequence(lambda n: f"Test source {n}")
    publisher = "Test Press"
    publication = models.Publication.PUBLISHED


class EraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Era

    slug = factory.Sequence(lambda n: f"era-{n}")
    name = factory.Sequence(lambda n: f"Era {n}")
    starts_on = datetime.date(1919, 8, 8)
    ends_on = datetime.date(1978, 4, 27)
    summary = "A test era."
    narrative = "A test narrative."
    publication = models.Publication.PUBLISHED


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Country

    slug = factory.Sequence(lambda n: f"country-{n}")
    name = factory.Sequence(lambda n: f"Country {n}")
    kind = models.CountryKind.STATE
    iso2 = None
    iso3 = None
    region = models.Region.ASIA
    publication = models.Publication.PUBLISHED


def cite(obj, source=None, locator="p. 1"):
    """Attach a citation to ``obj`` and return it."""
    return models.Citation.objects.create(
        content_object=obj,
        source=source or SourceFactory(),
        locator=locator,
    )


class CitedFactory(factory.django.DjangoModelFactory):
    """Published claims must be cited; these factories cite them once by default."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def cited(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            cite(obj)


class RelationPeriodFactory(CitedFactory):
    class Meta:
        model = models.RelationPeriod

    country = factory.SubFactory(CountryFactory)
    status = models.RelationStatus.DIPLOMATIC
    starts_on = datetime.date(1920, 1, 1)
    starts_on_precision = "year"
    ends_on = None
    publication = models.Publication.PUBLISHED


class MissionFactory(CitedFactory):
    class Meta:
        model = models.Mission

    slug = factory.Sequence(lambda n: f"mission-{n}")
    country = factory.SubFactory(CountryFactory)
    direction = models.MissionDirection.IN_AFGHANISTAN
    kind = models.MissionKind.EMBASSY
    city = "Kabul"
    opened_on = datetime.date(1950, 1, 1)
    opened_on_precision = "year"
    status = models.MissionStatus.OPEN
    publication = models.Publication.PUBLISHED


class HeadOfMissionFactory(CitedFactory):
    class Meta:
        model = models.HeadOfMission

    mission = factory.SubFactory(MissionFactory)
    name = factory.Sequence(lambda n: f"Envoy {n}")
    title = "Ambassador"
    started_on = datetime.date(1960, 1, 1)
    started_on_precision = "year"
    publication = models.Publication.PUBLISHED


class EventFactory(CitedFactory):
    class Meta:
        model = models.Event
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Event {n}")
    date = datetime.date(1950, 6, 1)
    date_precision = "day"
    kind = models.EventKind.TREATY
    summary = "Something happened."
    publication = models.Publication.PUBLISHED

    @factory.post_generation
    def countries(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.countries.set(extracted)


def date_claim(obj, field, date, precision="day", preferred=False, source=None):
    claim = models.DateClaim.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        date=date,
        precision=precision,
        is_preferred=preferred,
    )
    cite(claim, source)
    return claim


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                obj.groups.add(Group.objects.get_or_create(name=name)[0])
            obj.save()


PASSWORD = "correct-horse-battery-staple"
