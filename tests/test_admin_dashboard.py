"""The editors' dashboard on the admin index."""

import pytest
from django.urls import reverse

from tests.admin_support import count_queries
from tests.factories import CountryFactory, EventFactory, MissionFactory, RelationPeriodFactory

pytestmark = pytest.mark.django_db


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
