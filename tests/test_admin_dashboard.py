"""The editors' dashboard on the admin index."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from relations.models import Citation, Country, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
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


def test_each_part_of_the_dashboard_is_one_query_whatever_the_kinds_of_record_in_it(editor_client):
    """Drafts of all seven kinds, uncited claims of all three, changes to every kind: one query a part (the
    dashboard made one or two a kind, 23 in all), and the page stays within the bound of every page."""
    url = reverse("admin:index")
    editor_client.get(url)
    empty, _ = count_queries(lambda: editor_client.get(url))
    for model, factory in FACTORIES.items():
        factory(publication="draft", **({"cited": False} if model in (Event, Mission, RelationPeriod) else {}))
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(url).content.decode()
    dashboard = [q["sql"] for q in queries if "UNION ALL" in q["sql"]]
    assert len(dashboard) == 3
    assert len(queries) == empty <= 12
    drafts = page.split("Drafts awaiting publication")[1].split("Uncited claims")[0]
    uncited = page.split("Uncited claims")[1].split("Recent changes")[0]
    for model in FACTORIES:
        assert f">{model._meta.verbose_name_plural.capitalize()}: 1</a>" in drafts, model
    for model in (Event, Mission, RelationPeriod):
        assert f">{model._meta.verbose_name_plural.capitalize()}: 1</a>" in uncited, model


def test_the_dashboard_names_every_kind_of_record_as_the_record_names_itself(editor_client):
    from django.utils.html import escape

    records = [factory(publication="draft") for factory in FACTORIES.values()]
    records += [EventFactory(publication="draft", cited=False), MissionFactory(publication="draft", cited=False)]
    page = editor_client.get(reverse("admin:index")).content.decode()
    drafts = page.split("Drafts awaiting publication")[1].split("Uncited claims")[0]
    uncited = page.split("Uncited claims")[1].split("Recent changes")[0]
    for record in records:
        link = f'<a href="{reverse(f"admin:relations_{record._meta.model_name}_change", args=[record.pk])}">'
        assert f"{link}{escape(str(record))}</a>" in drafts, record
    for record in records[-2:]:
        assert f">{escape(str(record))}</a>" in uncited, record


def test_recent_changes_are_the_newest_of_all_kinds_with_their_names_then(editor_client, editor_user):
    """The twenty newest changes whatever their kind (twenty to one kind are twenty rows, where the dashboard
    once showed ten a kind), each named as the record was in that version, with who made it and why."""
    from simple_history.utils import update_change_reason

    from relations.templatetags.editor_dashboard import recent_changes

    events = EventFactory.create_batch(21)
    for event in events:  # their sources and citations are older changes now
        event.save()
    old_name = str(event)
    event._history_user = editor_user
    event.title = "Renamed treaty"
    event.save()
    update_change_reason(event, "typo")
    changes = recent_changes()
    histories = [
        (version.history_date, version.history_id, model._meta.verbose_name)
        for model in (Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Source, Citation)
        for version in model.history.all()
    ]
    newest = sorted(histories, reverse=True)[:20]
    assert [(c["when"], c["kind"]) for c in changes] == [(when, kind) for when, _id, kind in newest]
    assert changes[0]["who"] == "eddie" and changes[0]["reason"] == "typo"
    assert changes[0]["name"] == str(event) and "Renamed treaty" in changes[0]["name"]
    assert {c["kind"] for c in changes} == {"event"}
    assert changes[1]["name"] == old_name and changes[2]["name"] == str(events[-2])
    event.title = "Renamed again"
    event.save()
    assert [c["name"] for c in recent_changes()[:2]] == [str(event), changes[0]["name"]]


def test_a_version_whose_country_is_gone_is_named_by_its_number(editor_client):
    from relations.templatetags.editor_dashboard import recent_changes

    mission = MissionFactory(city="Herat")
    version = mission.history.latest()
    with connection.cursor() as cursor:  # the country row deleted beneath its missions' history
        cursor.execute(
            f"UPDATE {Mission.history.model._meta.db_table} SET country_id = -1 WHERE history_id = %s",
            [version.history_id],
        )
    names = [c["name"] for c in recent_changes() if c["kind"] == "mission"]
    assert f"mission #{mission.pk}" in names


def test_the_dashboard_finds_the_newest_drafts_by_index(editor_client):
    """Drafts are few and published records many: the newest drafts of each kind must come from the
    ``(publication, updated_at)`` index, where a walk along ``updated_at`` alone read every published
    record first (47 of the dashboard's 85 ms with 100 times the real record), and so must their count (a
    window function over the rows made SQLite read every record)."""
    from relations.templatetags.editor_dashboard import parts

    add_uncited_drafts(2)
    assert editor_client.get(reverse("admin:index")).status_code == 200
    sql, params = parts()["drafts"].sql(connection.alias)
    plan = " ".join(str(row) for row in query_plan(sql, params=params))
    for name in ("era", "country", "relationperiod", "mission", "headofmission", "event", "source"):
        assert f"{name}_drafts_idx" in plan, (name, plan)
        assert f"SCAN relations_{name} " not in f"{plan} " and f"Seq Scan on relations_{name} " not in plan, plan


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
