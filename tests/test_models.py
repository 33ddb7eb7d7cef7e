import datetime

import django.db.models
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from relations import services
from relations.models import (
    Country,
    CountryKind,
    DateClaim,
    Era,
    Event,
    Mission,
    MissionDirection,
    MissionStatus,
    Publication,
    RelationPeriod,
    RelationStatus,
)
from tests.factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    cite,
    date_claim,
)

pytestmark = pytest.mark.django_db

D = datetime.date


# --- database constraints refuse bad rows, whatever path they come by ---


def test_database_refuses_a_period_that_ends_before_it_starts():
    country = CountryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationPeriod.objects.create(
            country=country, status="diplomatic", starts_on=D(1950, 1, 1), ends_on=D(1940, 1, 1)
        )


def test_database_refuses_duplicate_slugs_and_iso_codes():
    CountryFactory(slug="ruritania", iso2="RU", iso3="RUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(slug="ruritania")
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(iso2="RU")
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(iso3="RUR")


def test_database_refuses_lowercase_iso_codes_and_codes_on_organisations():
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(iso2="ru")
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(kind=CountryKind.ORGANISATION, iso2="UN")


def test_database_refuses_two_preferred_claims_for_one_date():
    event = EventFactory()
    date_claim(event, "date", D(1950, 6, 1), preferred=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        date_claim(event, "date", D(1951, 1, 1), "year", preferred=True)


def test_database_refuses_a_closing_date_on_an_open_mission():
    with pytest.raises(IntegrityError), transaction.atomic():
        MissionFactory(status=MissionStatus.OPEN, closed_on=D(1989, 1, 30))


# --- model validation gives editors readable errors ---


def test_precision_mismatch_is_a_field_error():
    period = RelationPeriodFactory.build(country=CountryFactory(), starts_on=D(1921, 3, 5), starts_on_precision="year")
    with pytest.raises(ValidationError) as error:
        period.full_clean()
    assert "starts_on" in error.value.message_dict


def test_overlapping_status_periods_of_one_country_are_refused():
    country = CountryFactory()
    RelationPeriodFactory(country=country, starts_on=D(1920, 1, 1), ends_on=D(1950, 1, 1))
    overlapping = RelationPeriod(country=country, status="severed", starts_on=D(1949, 1, 1), starts_on_precision="year")
    with pytest.raises(ValidationError, match="may not overlap"):
        overlapping.full_clean()
    adjoining = RelationPeriod(country=country, status="severed", starts_on=D(1950, 1, 1), starts_on_precision="year")
    adjoining.full_clean()


def test_overlapping_eras_are_refused():
    EraFactory(starts_on=D(1919, 8, 8), ends_on=D(1978, 4, 27))
    era = Era(slug="x", name="X", starts_on=D(1970, 1, 1), starts_on_precision="year", summary="s", narrative="n")
    with pytest.raises(ValidationError, match="may not overlap"):
        era.full_clean()


def test_an_afghan_mission_cannot_be_in_afghanistan():
    mission = MissionFactory.build(country=CountryFactory(), direction=MissionDirection.OF_AFGHANISTAN, city="Kabul")
    with pytest.raises(ValidationError) as error:
        mission.full_clean()
    assert "city" in error.value.message_dict


def test_afghanistan_is_not_a_counterpart():
    with pytest.raises(ValidationError) as error:
        Country(slug="afghanistan", name="Afghanistan", kind="state", iso2="AF").full_clean()
    assert "iso2" in error.value.message_dict


def test_unverified_record_cannot_be_published():
    event = EventFactory.build(unverified=True, publication=Publication.PUBLISHED)
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "publication" in error.value.message_dict


def test_every_save_increments_the_version():
    country = CountryFactory()
    assert country.version == 1
    country.name = "Renamed"
    country.save()
    country.refresh_from_db()
    assert country.version == 2


# --- derived values: era of a date, status on a date, establishment ---


@pytest.fixture
def eras():
    first = EraFactory(slug="first", starts_on=D(1919, 8, 8), ends_on=D(1978, 4, 27))
    second = EraFactory(slug="second", starts_on=D(1978, 4, 27), ends_on=None)
    return first, second


def test_a_date_belongs_to_the_era_that_contains_it_boundaries_half_open(eras):
    first, second = eras
    assert Era.objects.containing(D(1919, 8, 7)).first() is None
    assert Era.objects.containing(D(1919, 8, 8)).get() == first
    assert Era.objects.containing(D(1978, 4, 26)).get() == first
    assert Era.objects.containing(D(1978, 4, 27)).get() == second
    assert Era.objects.containing(D(2100, 1, 1)).get() == second


def test_events_are_annotated_with_their_era_by_date(eras):
    EventFactory(slug="before", date=D(1978, 4, 26))
    EventFactory(slug="on", date=D(1978, 4, 27))
    annotated = {e.slug: e.era_slug for e in Event.objects.with_era()}
    assert annotated == {"before": "first", "on": "second"}
    assert list(Event.objects.in_era(eras[1]).values_list("slug", flat=True)) == ["on"]


def test_status_on_a_date_follows_the_period_in_force():
    country = CountryFactory()
    RelationPeriodFactory(country=country, starts_on=D(1920, 1, 1), ends_on=D(1980, 1, 1), status="diplomatic")
    RelationPeriodFactory(country=country, starts_on=D(1980, 1, 1), status="severed")

    def status(day):
        return Country.objects.with_status_on(day).get(pk=country.pk).status_on

    assert status(D(1919, 12, 31)) is None
    assert status(D(1979, 12, 31)) == RelationStatus.DIPLOMATIC
    assert status(D(1980, 1, 1)) == RelationStatus.SEVERED


def test_periods_in_force_are_found_by_the_last_start_and_agree_with_the_interval_test():
    """``RelationPeriod.objects.on()`` looks only at each country's last period to start by the date."""
    from relations.querysets import IntervalQuerySet

    gap, draft, ongoing = CountryFactory(), CountryFactory(), CountryFactory()
    RelationPeriodFactory(country=gap, starts_on=D(1920, 1, 1), ends_on=D(1950, 1, 1), status="diplomatic")
    RelationPeriodFactory(country=gap, starts_on=D(1960, 1, 1), ends_on=D(1980, 1, 1), status="suspended")
    RelationPeriodFactory(country=draft, starts_on=D(1930, 6, 1), ends_on=D(1990, 1, 1), status="diplomatic")
    RelationPeriodFactory(
        country=draft, starts_on=D(1990, 1, 1), status="severed", publication=Publication.DRAFT, unverified=True
    )
    RelationPeriodFactory(country=ongoing, starts_on=D(1921, 1, 1), status="diplomatic")
    days = [D(1919, 1, 1), D(1920, 1, 1), D(1949, 12, 31), D(1950, 1, 1), D(1955, 1, 1), D(1960, 1, 1)]
    days += [D(1979, 12, 31), D(1980, 1, 1), D(1989, 12, 31), D(1990, 1, 1), D(2026, 1, 1)]
    for day in days:
        for periods in (RelationPeriod.objects.all(), RelationPeriod.objects.published()):
            assert set(periods.on(day)) == set(IntervalQuerySet.on(periods, day)), day
        statuses = {c.pk: c.status_on for c in Country.objects.with_status_on(day)}
        expected = {p.country_id: p.status for p in IntervalQuerySet.on(RelationPeriod.objects.published(), day)}
        assert {pk: s for pk, s in statuses.items() if s} == expected, day
    assert Country.objects.with_status_on(D(1995, 1, 1)).get(pk=draft.pk).status_on is None  # the draft is not shown


def test_relations_established_is_the_first_published_diplomatic_period():
    country = CountryFactory()
    RelationPeriodFactory(country=country, starts_on=D(1900, 1, 1), status="informal", ends_on=D(1921, 1, 1))
    RelationPeriodFactory(country=country, starts_on=D(1921, 3, 1), starts_on_precision="month", ends_on=D(1930, 1, 1))
    RelationPeriodFactory(
        country=country,
        starts_on=D(1910, 1, 1),
        status="diplomatic",
        ends_on=D(1911, 1, 1),
        publication=Publication.DRAFT,
    )
    annotated = Country.objects.with_establishment().get(pk=country.pk)
    assert annotated.relations_established_on == D(1921, 3, 1)
    assert annotated.relations_established_on_precision == "month"


# --- disputed dates ---


def test_a_disputed_date_keeps_every_cited_claim_and_marks_one_preferred():
    period = RelationPeriodFactory(starts_on=D(1921, 1, 1), starts_on_precision="year")
    first = date_claim(period, "starts_on", D(1921, 1, 1), "year", preferred=True, source=SourceFactory(slug="a"))
    second = date_claim(period, "starts_on", D(1919, 5, 27), "day", source=SourceFactory(slug="b"))
    claims = DateClaim.objects.filter(object_id=period.pk, field="starts_on")
    assert claims.count() == 2
    assert [c.citations.get().source.slug for c in claims] == ["a", "b"]

    services.prefer_claim(claim=second)
    period.refresh_from_db()
    first.refresh_from_db()
    assert (period.starts_on, period.starts_on_precision) == (D(1919, 5, 27), "day")
    assert not first.is_preferred
    assert DateClaim.objects.get(pk=second.pk).is_preferred


def test_a_claim_about_a_date_the_record_does_not_have_is_refused():
    event = EventFactory()
    claim = DateClaim(content_object=event, field="ends_on", date=D(1950, 1, 1), precision="day")
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "field" in error.value.message_dict


# --- published / draft ---


def test_drafts_are_excluded_by_published_for_every_content_model():
    for factory in (CountryFactory, EventFactory, MissionFactory, RelationPeriodFactory, EraFactory, SourceFactory):
        published = factory()
        draft = factory(publication=Publication.DRAFT)
        visible = set(type(published).objects.published().values_list("pk", flat=True))
        assert published.pk in visible and draft.pk not in visible


def test_staff_see_drafts_and_readers_do_not(django_user_model):
    draft = EventFactory(publication=Publication.DRAFT)
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    reader = django_user_model.objects.create_user("reader")
    assert draft in Event.objects.visible_to(staff)
    assert draft not in Event.objects.visible_to(reader)


def test_publishing_an_uncited_claim_is_refused():
    mission = MissionFactory(publication=Publication.DRAFT, cited=False)
    with pytest.raises(ValidationError, match="no citation"):
        services.publish(obj=mission)
    cite(mission)
    services.publish(obj=mission)
    assert Mission.objects.published().filter(pk=mission.pk).exists()


def test_every_change_is_kept_in_history():
    event = EventFactory(title="First title")
    event.title = "Second title"
    event.save()
    assert [h.title for h in event.history.order_by("history_date")] == ["First title", "Second title"]


@pytest.mark.parametrize("kind", ["year", "month", "day"])
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_dates_match_djangos_own_on_every_database(kind, order):
    """The admin's date hierarchy lists years with ``dates()``, which we compute natively on SQLite."""
    for day in (D(1919, 8, 8), D(1919, 8, 19), D(1919, 9, 1), D(2001, 12, 22), D(2001, 12, 22), D(2021, 8, 15)):
        EventFactory(date=day)
    MissionFactory(opened_on=None)
    MissionFactory(opened_on=D(2002, 1, 3))
    ours = list(Event.objects.filter(date__year__gte=1919).dates("date", kind, order))
    djangos = list(django.db.models.QuerySet.dates(Event.objects.all(), "date", kind, order))
    assert ours == djangos and len(ours) == {"year": 3, "month": 4, "day": 5}[kind]
    # A record without the date is not a date.
    assert list(Mission.objects.dates("opened_on", kind, order)) == [D(2002, 1, 3 if kind == "day" else 1)]


def test_a_source_is_filed_by_first_author_or_title_whatever_writes_it():
    from relations.models.base import bibliography_key

    assert bibliography_key("Ćwik, Jan", "Title") == "cwik, jan"
    assert bibliography_key("  ", "“Quoted” headline") == "quoted” headline"
    assert bibliography_key("", "¿Qué pasa?") == "que pasa?"
    assert bibliography_key("", "") == ""
    source = SourceFactory(authors="", title="Zeta")
    assert source.sort_key == "zeta"
    source.authors = "Adamec, Ludwig W."
    source.save(update_fields=["authors"])  # the key is written with the field it follows
    source.refresh_from_db()
    assert source.sort_key == "adamec, ludwig w."
