"""The list of uncited claims the database keeps (relations/uncited.py) stays exact through every kind of write."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from relations import uncited
from relations.models import Citation, Event, Mission, RelationPeriod
from tests.factories import EventFactory, MissionFactory, RelationPeriodFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db


def listed():
    return uncited.stored()


def exact():
    assert uncited.verify() == (set(), set())


def test_every_claim_table_and_the_citations_have_their_triggers():
    present = uncited.triggers_present()
    for table in ("relations_citation", "relations_event", "relations_mission", "relations_relationperiod"):
        assert present.get(table), table


def test_every_kind_of_write_keeps_the_list_exact():
    exact()
    event = EventFactory(cited=False)
    mission = MissionFactory()  # cited by its factory
    period = RelationPeriodFactory(cited=False)
    assert ("event", event.pk) in listed() and ("relationperiod", period.pk) in listed()
    assert ("mission", mission.pk) not in listed()
    exact()

    first = cite(event)  # its first citation: it leaves the list
    second = cite(event)
    assert ("event", event.pk) not in listed()
    first.delete()  # one left: it stays off
    assert ("event", event.pk) not in listed()
    exact()
    second.delete()  # its last: it comes back
    assert ("event", event.pk) in listed()
    exact()

    # A citation moved to another record by an update: the one it leaves may become uncited.
    moved = cite(period)
    Citation.objects.filter(pk=moved.pk).update(
        content_type=ContentType.objects.get_for_model(Event), object_id=event.pk
    )
    assert ("event", event.pk) not in listed() and ("relationperiod", period.pk) in listed()
    exact()

    # Bulk inserts, queryset deletes, raw SQL.
    events = Event.objects.bulk_create(
        [Event(slug=f"bulk-{n}", title=f"Bulk {n}", date=datetime.date(1950, 1, n + 1)) for n in range(3)]
    )
    assert {("event", e.pk) for e in events} <= listed()
    Citation.objects.bulk_create(
        [Citation(content_object=e, source=SourceFactory(), locator="p. 2") for e in events[:2]]
    )
    assert ("event", events[2].pk) in listed() and ("event", events[0].pk) not in listed()
    Citation.objects.filter(object_id=events[0].pk, content_type=ContentType.objects.get_for_model(Event)).delete()
    assert ("event", events[0].pk) in listed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM relations_event WHERE id = %s", [events[2].pk])
    assert ("event", events[2].pk) not in listed()
    exact()

    # A record deleted with its citations (the ORM deletes them first).
    mission.delete()
    period.delete()
    assert not {row for row in listed() if row[0] in {"mission", "relationperiod"}}
    exact()


def test_uncited_reads_the_list_for_claims():
    event = EventFactory(cited=False)
    cited_event = EventFactory()
    assert list(Event.objects.uncited()) == [event]
    assert cited_event in Event.objects.cited()
    sql = str(Event.objects.uncited().query)
    assert uncited.TABLE in sql and "relations_citation" not in sql
    assert list(Mission.objects.uncited()) == [] and list(RelationPeriod.objects.uncited()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's (SQLite deletes row by row)")
def test_truncating_keeps_the_list_exact():
    EventFactory.create_batch(2)
    EventFactory(cited=False)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check left pending on the table
        cursor.execute("TRUNCATE relations_citation")
    exact()
    assert len(listed()) == Event.objects.count() + Mission.objects.count() + RelationPeriod.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE relations_event CASCADE")
    exact()


def test_recount_reports_and_repairs_a_list_written_around_the_triggers():
    event = EventFactory(cited=False)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {uncited.TABLE}")  # as a restore without the triggers might leave it
    assert uncited.verify() == (set(), {("event", event.pk)})
    with pytest.raises(Exception, match="uncited"):
        call_command("recount")
    call_command("recount", "--fix")
    exact()
