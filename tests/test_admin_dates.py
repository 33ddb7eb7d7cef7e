"""The admin's date hierarchy read from the date's index (relations/templatetags/admin_dates.py) is Django's own."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relations.models import Publication
from relations.templatetags.admin_dates import IndexedDates

from .factories import CountryFactory, EventFactory, HeadOfMissionFactory, MissionFactory, RelationPeriodFactory

pytestmark = pytest.mark.django_db

HIERARCHY = re.compile(r'<nav class="toplinks">.*?</nav>', re.S)


@pytest.fixture
def dated_records():
    country = CountryFactory(name="Ruritania")
    days = [
        datetime.date(1747, 10, 1),
        datetime.date(1919, 8, 8),
        datetime.date(1919, 5, 3),
        datetime.date(1921, 2, 28),
        datetime.date(1999, 12, 31),
        datetime.date(2000, 1, 1),
        datetime.date(2021, 8, 15),
    ]
    for n, day in enumerate(days):
        draft = Publication.DRAFT if n % 3 == 0 else Publication.PUBLISHED
        EventFactory(slug=f"e{n}", title=f"Treaty {n}", date=day, publication=draft)
        RelationPeriodFactory(country=country, starts_on=day, publication=draft)
        mission = MissionFactory(slug=f"m{n}", country=country, city=f"City {n}", opened_on=None if n == 2 else day)
        HeadOfMissionFactory(mission=mission, name=f"Envoy {n}", started_on=None if n == 4 else day)


LISTS = {
    "event": ["", "?date__year=1919", "?date__year=1919&date__month=8", "?publication__exact=draft", "?q=Treaty+3"],
    "relationperiod": ["", "?starts_on__year=2000", "?publication__exact=published"],
    "mission": ["", "?opened_on__year=1921", "?q=City+5"],
    "headofmission": ["", "?started_on__year=1747", "?q=Envoy+6"],
}

FIELDS = {"event": "date", "relationperiod": "starts_on", "mission": "opened_on", "headofmission": "started_on"}


def django_own(monkeypatch):
    """Send the stand-in's questions back to the queryset, as Django's tag asks them."""
    monkeypatch.setattr(IndexedDates, "aggregate", lambda self, *a, **k: self.queryset.aggregate(*a, **k))
    monkeypatch.setattr(IndexedDates, "dates", lambda self, *a, **k: self.queryset.dates(*a, **k))


def hierarchy(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    found = HIERARCHY.findall(response.content.decode())
    assert len(found) == 1, url
    return found[0], [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("model", LISTS)
def test_the_date_hierarchy_is_the_one_django_writes_read_from_the_index(
    publisher_client, dated_records, model, monkeypatch
):
    ours = {query: hierarchy(publisher_client, f"/admin/relations/{model}/{query}") for query in LISTS[model]}
    django_own(monkeypatch)
    djangos = {query: hierarchy(publisher_client, f"/admin/relations/{model}/{query}") for query in LISTS[model]}
    for query, (html, sqls) in ours.items():
        assert html == djangos[query][0], query
        assert len(sqls) == len(djangos[query][1]), query
    top, sqls = ours[""]

    # Django reads the year of every row (SELECT DISTINCT); the stand-in seeks one index entry a year.
    def years_of_every_row(sqls):
        return [sql for sql in sqls if sql.startswith("SELECT DISTINCT") and f'"{FIELDS[model]}"' in sql]

    assert years_of_every_row(djangos[""][1])
    assert not years_of_every_row(sqls)
    # Every year with a record, each a link; years without one are not listed (the head of 1999 has no date).
    years = ["1747", "1919", "1921", "1999", "2000", "2021"]
    assert re.findall(r">(\d{4})</a>", top) == [year for year in years if (model, year) != ("headofmission", "1999")]
    assert any(sql.startswith("WITH RECURSIVE years") for sql in sqls)


def test_a_list_within_one_month_opens_on_its_days(publisher_client, monkeypatch):
    for n, day in enumerate((3, 17, 17)):
        EventFactory(slug=f"d{n}", date=datetime.date(1955, 12, day))
    html, _sqls = hierarchy(publisher_client, "/admin/relations/event/")
    assert re.findall(r">December (\d+)</a>", html) == ["3", "17"]
    django_own(monkeypatch)
    assert hierarchy(publisher_client, "/admin/relations/event/")[0] == html


def test_an_empty_list_shows_no_years(publisher_client, monkeypatch):
    response = publisher_client.get("/admin/relations/event/")
    assert response.status_code == 200
    assert re.findall(r">(\d{4})</a>", HIERARCHY.findall(response.content.decode())[0]) == []
