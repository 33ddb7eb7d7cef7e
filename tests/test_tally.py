"""The row counts the database keeps (relations/tally.py) stay exact through every kind of write."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from relations import tally
from relations.models import Country, Event, HeadOfMission, Mission, Publication, RelationPeriod, Source
from relations.paginator import DeferredJoinPaginator
from relations.querysets import count_per_year, mission_visible
from tests.factories import (
    CountryFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def counts_queries(captured, table):
    """The queries that count ``table``'s rows, but for those that only subtract the few hidden ones from a tally."""
    return [
        q["sql"]
        for q in captured
        if "COUNT(" in q["sql"].upper() and f'FROM "{table}"' in q["sql"] and tally.TABLE not in q["sql"]
    ]


def test_every_tallied_table_has_its_triggers_after_every_migration():
    """SQLite rebuilds a table to add a column, dropping its triggers; a migration must put them back."""
    expected = {"insert", "delete", "update"} | ({"truncate"} if connection.vendor == "postgresql" else set())
    present = tally.triggers_present()
    for model in tally.TALLIED:
        table = model._meta.db_table
        assert present.get(table) == sorted(f"{table}_tally_{action}" for action in expected), table


def test_every_kind_of_write_keeps_the_tallies_exact():
    assert tally.verify() == {}
    sources = SourceFactory.create_batch(3)
    event = EventFactory(date=datetime.date(1919, 8, 8))
    EventFactory(date=datetime.date(1921, 2, 28), publication=Publication.DRAFT)
    MissionFactory.create_batch(2)
    assert tally.verify() == {}
    assert tally.stored()["relations_event:published:1919"] >= 1

    # A save that publishes, unpublishes or moves an event to another year.
    event.date = datetime.date(1955, 12, 15)
    event.save()
    sources[0].publication = Publication.DRAFT
    sources[0].save()
    assert tally.verify() == {}

    # Writes that bypass model saves: QuerySet.update, bulk_create, raw SQL, deletes.
    Event.objects.update(publication=Publication.PUBLISHED)
    Source.objects.bulk_create(
        Source(slug=f"bulk-{n}", kind="book", title=f"Bulk {n}", publication=Publication.PUBLISHED) for n in range(25)
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE relations_source SET publication = 'draft' WHERE slug LIKE 'bulk-1%%'")
    assert tally.verify() == {}
    Source.objects.filter(slug__startswith="bulk-2").delete()
    event.delete()
    head = HeadOfMissionFactory()
    HeadOfMissionFactory(mission=head.mission, publication=Publication.DRAFT)
    assert tally.stored()["relations_headofmission:published"] == 1
    HeadOfMission.objects.update(publication=Publication.PUBLISHED)
    assert tally.verify() == {}
    Mission.objects.all().delete()  # and their heads with them
    period = RelationPeriodFactory()
    RelationPeriod.objects.filter(pk=period.pk).update(publication=Publication.DRAFT)
    assert tally.verify() == {}
    period.delete()
    assert tally.verify() == {}


def test_a_rolled_back_write_takes_its_count_back():
    before = tally.stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        SourceFactory.create_batch(4)
        EventFactory()
        raise RuntimeError("abandon the transaction")
    assert tally.stored() == before
    assert tally.verify() == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's (SQLite deletes row by row)")
def test_a_truncated_table_counts_zero():
    EventFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE relations_event CASCADE")
    assert not any(key.startswith("relations_event:") for key in tally.stored())
    assert tally.verify() == {}


def test_rebuild_recounts_from_the_rows():
    SourceFactory.create_batch(2)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE relations_tally SET n = n + 7")
    assert tally.verify() != {}
    tally.rebuild()
    assert tally.verify() == {}


def test_only_every_row_or_every_published_row_is_read_from_the_tally():
    SourceFactory.create_batch(3)
    SourceFactory(publication=Publication.DRAFT, kind="news")
    assert tally.count(Source.objects.all()) == 4
    assert tally.count(Source.objects.published().order_by("title").select_related()) == 3
    # Any other condition, grouping or slice is left to the database.
    assert tally.count(Source.objects.filter(kind="news")) is None
    assert tally.count(Source.objects.published().filter(kind="book")) is None
    assert tally.count(Source.objects.published().distinct()) is None
    assert tally.count(Source.objects.none()) is None
    assert tally.count(Source.objects.published()[:2]) is None
    assert tally.count(Country.objects.all()) is None  # not tallied
    assert tally.count([1, 2]) is None


def test_missions_of_unpublished_countries_are_left_out_of_the_count(django_assert_num_queries):
    shown, hidden = CountryFactory(), CountryFactory(publication=Publication.DRAFT)
    MissionFactory.create_batch(3, country=shown)
    MissionFactory.create_batch(2, country=hidden)
    MissionFactory(country=shown, publication=Publication.DRAFT)
    visible = Mission.objects.published().filter(country__publication=Publication.PUBLISHED)
    with django_assert_num_queries(1):
        assert tally.count(visible.order_by("country__name", "pk")) == 3
    assert visible.count() == 3


def test_heads_of_unpublished_missions_or_countries_are_left_out_of_the_count(django_assert_num_queries):
    shown, hidden = CountryFactory(), CountryFactory(publication=Publication.DRAFT)
    mission = MissionFactory(country=shown)
    HeadOfMissionFactory.create_batch(3, mission=mission)
    HeadOfMissionFactory(mission=mission, publication=Publication.DRAFT)
    HeadOfMissionFactory.create_batch(2, mission=MissionFactory(country=shown, publication=Publication.DRAFT))
    HeadOfMissionFactory.create_batch(2, mission=MissionFactory(country=hidden))
    # Both: a draft mission of a draft country, counted once among those left out.
    HeadOfMissionFactory(mission=MissionFactory(country=hidden, publication=Publication.DRAFT))
    visible = HeadOfMission.objects.published().filter(mission_visible(False))
    with django_assert_num_queries(1):
        assert tally.count(visible.order_by("mission_id", "started_on", "pk")) == 3
    assert visible.count() == 3
    joined = HeadOfMission.objects.published().filter(
        mission__publication=Publication.PUBLISHED, mission__country__publication=Publication.PUBLISHED
    )
    assert sorted(joined.values_list("pk", flat=True)) == sorted(visible.values_list("pk", flat=True))
    # Another subquery in the same place is another list: counted by the database.
    other = HeadOfMission.objects.published().exclude(mission__in=Mission.objects.filter(city="Paris").values("pk"))
    assert tally.count(other) is None


def test_list_pages_and_the_api_take_their_counts_from_the_tally(client):
    SourceFactory.create_batch(5)
    SourceFactory(publication=Publication.DRAFT)
    EventFactory.create_batch(3)
    HeadOfMissionFactory.create_batch(4)
    HeadOfMissionFactory(mission=MissionFactory(publication=Publication.DRAFT))
    RelationPeriodFactory.create_batch(2)
    RelationPeriodFactory(country=CountryFactory(publication=Publication.DRAFT))
    for url, table, expected in [
        ("/api/v1/sources/", "relations_source", Source.objects.published().count()),  # the events' sources too
        ("/api/v1/events/", "relations_event", 3),
        ("/api/v1/heads-of-mission/", "relations_headofmission", 4),
        ("/api/v1/missions/", "relations_mission", 4),  # the draft mission left out
        ("/api/v1/relations/", "relations_relationperiod", 2),  # not the one of a draft country
    ]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["count"] == expected
        assert counts_queries(captured, table) == []
    # A filtered list is counted by the database, and counted right.
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/sources/?kind=news")
    assert response.json()["count"] == 0
    assert counts_queries(captured, "relations_source")


def test_the_paginator_pages_by_the_tallied_count():
    SourceFactory.create_batch(7)
    paginator = DeferredJoinPaginator(Source.objects.published().order_by("title", "pk"), 3)
    assert paginator.count == 7 and paginator.num_pages == 3
    assert [s.pk for s in paginator.page(3)] == list(
        Source.objects.published().order_by("title", "pk").values_list("pk", flat=True)[6:]
    )


def test_events_per_year_from_the_tally_match_a_count_year_by_year():
    for year, publication in [(1919, "published"), (1919, "published"), (1950, "draft"), (2030, "published")]:
        EventFactory(date=datetime.date(year, 5, 1), publication=publication)
    for queryset in (Event.objects.published(), Event.objects.all()):
        tallied = count_per_year(queryset, "date", 1900, 2026)
        counted = count_per_year(queryset.filter(pk__gt=0), "date", 1900, 2026)  # not tallied: counted in SQL
        assert tallied == counted
    assert count_per_year(Event.objects.published(), "date", 1900, 2026) == {1919: 2, 2027: 1}


def test_recount_command_reports_and_repairs_a_wrong_tally():
    SourceFactory.create_batch(2)
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "Every tally matches" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE relations_tally SET n = n + 1 WHERE key = 'relations_source:all'")
    with pytest.raises(CommandError, match="1 tallies differ"):
        call_command("recount", stdout=io.StringIO())
    out = io.StringIO()
    call_command("recount", "--fix", stdout=out)
    assert "relations_source:all: tallied" in out.getvalue() and "0 tallies differ now" in out.getvalue()
    assert tally.verify() == {}
