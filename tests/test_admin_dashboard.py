"""The editors' dashboard on the admin index."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from relations.models import Country, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from tests.admin_support import count_queries
from tests.factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
)
from tests.plans import query_plan

pytestmark = pytest.mark.django_db

FACTORIES = {
    Era: EraFactory,
    Country: CountryFactory,
    RelationPeriod: RelationPeriodFactory,
    Mission: MissionFactory,
    HeadOfMission: HeadOfMissionFactory,
    Event: EventFactory,
    Source: SourceFactory,
}


def test_the_dashboard_lists_drafts_awaiting_publication(editor_client):
    EventFactory(title="Draft treaty", publication="draft")
    EventFactory(title="Public treaty")
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "Drafts awaiting publication" in page
    assert "Draft treaty" in page
    assert "Public treaty" not in page.split("Uncited claims")[0]


def test_the_dashboard_lists_uncited_claims(editor_client):
    EventFactory(title="Unsourced claim", cited=False, publication="draft")
    MissionFactory(cited=False, publication="draft", city="Herat")
    page = editor_client.get(reverse("admin:index")).content.decode()
    uncited = page.split("Uncited claims")[1].split("Recent changes")[0]
    assert "Unsourced claim" in uncited
    assert "Herat" in uncited


def test_the_dashboard_shows_recent_changes_and_who_made_them(editor_client, editor_user):
    event = EventFactory(title="Old name", publication="draft")
    event._history_user = editor_user
    event.title = "Renamed treaty"
    event.save()
    page = editor_client.get(reverse("admin:index")).content.decode()
    recent = page.split("Recent changes")[1]
    assert "Renamed treaty" in recent
    assert "eddie" in recent


def add_uncited_drafts(n):
    for _ in range(n):
        EventFactory(publication="draft", cited=False, countries=[CountryFactory(publication="draft")])
        MissionFactory(publication="draft", cited=False)
        RelationPeriodFactory(publication="draft", cited=False)


def test_the_dashboard_runs_a_constant_number_of_queries_as_records_grow(editor_client):
    url = reverse("admin:index")
    add_uncited_drafts(12)
    editor_client.get(url)
    few, _ = count_queries(lambda: editor_client.get(url))
    add_uncited_drafts(15)
    many, response = count_queries(lambda: editor_client.get(url))
    assert response.status_code == 200
    assert many == few


def test_the_dashboard_finds_the_newest_drafts_by_index(editor_client):
    """Drafts are few and published records many: the newest drafts of each kind must come from the
    ``(publication, updated_at)`` index, where a walk along ``updated_at`` alone read every published
    record first (47 of the dashboard's 85 ms with 100 times the real record)."""
    from django.test.utils import CaptureQueriesContext

    add_uncited_drafts(2)
    with CaptureQueriesContext(connection) as queries:
        assert editor_client.get(reverse("admin:index")).status_code == 200
    drafts = [q["sql"] for q in queries if "\"publication\" IN ('draft')" in q["sql"] and "LIMIT" in q["sql"]]
    assert {sql.split('FROM "')[1].split('"')[0] for sql in drafts} == {
        f"relations_{name}"
        for name in ("era", "country", "relationperiod", "mission", "headofmission", "event", "source")
    }
    for sql in drafts:
        plan = " ".join(str(row) for row in query_plan(sql))
        assert "_drafts_idx" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("model", [Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Source])
def test_a_record_is_draft_or_published_and_nothing_else(model):
    """``drafts()`` reads the unpublished states, which the database holds every record to."""
    from django.db import IntegrityError, transaction

    from relations.models import Publication
    from relations.querysets import PUBLISHED, UNPUBLISHED

    assert set(Publication.values) == {PUBLISHED, *UNPUBLISHED}
    record = FACTORIES[model](publication="draft")
    assert list(model.objects.drafts()) == list(model.objects.exclude(publication=PUBLISHED)) == [record]
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(publication="retracted")
    with pytest.raises(ValidationError, match="publication"):
        record.publication = "retracted"
        record.full_clean()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_the_drafts_indexes_get_planner_statistics_where_the_database_has_them():
    """Without them SQLite took the new index for a selective one and walked every published source along
    it to find a page's citations (0.7 s an events page at 100 times the record); migration 0016 analyses."""
    import importlib

    migration = importlib.import_module("relations.migrations.0016_drafts_index_and_known_publication")
    SourceFactory.create_batch(3)
    EventFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE idx LIKE '%_drafts_idx'")
        migration.refresh_statistics(None, SimpleNamespace(connection=connection))  # all it reads of its editor
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE idx LIKE '%_drafts_idx'")
        assert {row[0] for row in cursor.fetchall()} >= {"source_drafts_idx", "event_drafts_idx"}
