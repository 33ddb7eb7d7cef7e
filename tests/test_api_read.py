"""Reading the API: resources, embedded records, drafts, filters, pagination and query counts."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from relations import models
from relations.api import filters as api_filters
from relations.api import views as api_views

from .api_support import body, client_for, make_user
from .factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    cite,
    date_claim,
)
from .plans import query_plan

pytestmark = pytest.mark.django_db

DRAFT = models.Publication.DRAFT


@pytest.fixture
def api():
    return APIClient()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response):
    return [item["slug"] for item in results(response)]


def test_api_root_links_every_resource(api):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "eras",
        "countries",
        "relations",
        "missions",
        "heads-of-mission",
        "events",
        "sources",
    }
    assert response.json()["events"] == "http://testserver/api/v1/events/"


def test_event_embeds_countries_era_and_cited_sources(api):
    era = EraFactory(slug="kingdom", name="Kingdom", starts_on=datetime.date(1919, 1, 1), ends_on=None)
    country = CountryFactory(slug="france", name="France")
    source = SourceFactory(slug="adamec", title="A dictionary")
    event = EventFactory(slug="treaty", countries=[country], cited=False, date=datetime.date(1922, 4, 1))
    cite(event, source, locator="p. 42")

    item = api.get("/api/v1/events/treaty/").json()

    assert item["id"] == event.pk
    assert item["url"] == "http://testserver/api/v1/events/treaty/"
    assert item["page_url"] == "http://testserver/events/treaty/"
    assert item["date"] == "1922-04-01"
    assert item["date_precision"] == "day"
    assert item["era"] == {"url": "http://testserver/api/v1/eras/kingdom/", "slug": "kingdom", "name": era.name}
    assert item["countries"] == [
        {"id": country.pk, "url": "http://testserver/api/v1/countries/france/", "slug": "france", "name": "France"}
    ]
    assert item["citations"] == [
        {
            "source": {
                "id": source.pk,
                "url": "http://testserver/api/v1/sources/adamec/",
                "slug": "adamec",
                "title": "A dictionary",
                "authors": source.authors,
            },
            "locator": "p. 42",
            "quote": "",
        }
    ]
    assert "editor_notes" not in item


def test_country_has_contract_fields_and_derived_establishment(api):
    country = CountryFactory(slug="germany", name="Germany", iso2="DE", iso3="DEU", region="europe")
    RelationPeriodFactory(country=country, starts_on=datetime.date(1921, 3, 1), starts_on_precision="month")
    RelationPeriodFactory(
        country=country, status="informal", starts_on=datetime.date(1915, 1, 1), ends_on=datetime.date(1921, 3, 1)
    )

    item = api.get("/api/v1/countries/germany/").json()

    for key in ("id", "url", "slug", "name", "iso2", "iso3", "region", "kind"):
        assert key in item
    assert (item["iso2"], item["iso3"], item["region"], item["kind"]) == ("DE", "DEU", "europe", "state")
    assert item["relations_established_on"] == "1921-03-01"
    assert item["relations_established_on_precision"] == "month"


def test_former_state_lists_its_successors_and_they_list_it(api):
    ussr = CountryFactory(slug="ussr", name="Soviet Union", kind="former_state")
    russia = CountryFactory(slug="russia", name="Russia")
    ussr.successors.add(russia)

    assert [c["slug"] for c in api.get("/api/v1/countries/ussr/").json()["successors"]] == ["russia"]
    assert [c["slug"] for c in api.get("/api/v1/countries/russia/").json()["predecessors"]] == ["ussr"]


def test_open_ended_dates_are_null(api):
    period = RelationPeriodFactory(ends_on=None)
    mission = MissionFactory(closed_on=None)

    assert api.get(f"/api/v1/relations/{period.pk}/").json()["ends_on"] is None
    assert api.get(f"/api/v1/missions/{mission.slug}/").json()["closed_on"] is None


def test_mission_embeds_country_and_heads(api):
    mission = MissionFactory(slug="embassy-paris", direction="of_afghanistan", city="Paris")
    head = HeadOfMissionFactory(mission=mission)
    HeadOfMissionFactory(mission=mission, publication=DRAFT)

    item = api.get("/api/v1/missions/embassy-paris/").json()

    assert item["name"] == mission.name
    assert item["country"]["slug"] == mission.country.slug
    assert [h["id"] for h in item["heads"]] == [head.pk]
    assert item["heads"][0]["url"] == f"http://testserver/api/v1/heads-of-mission/{head.pk}/"


def test_head_of_mission_embeds_its_mission(api):
    head = HeadOfMissionFactory()
    item = api.get(f"/api/v1/heads-of-mission/{head.pk}/").json()
    assert item["mission"]["slug"] == head.mission.slug
    assert item["mission"]["name"] == head.mission.name


def test_disputed_dates_are_exposed_with_their_citations(api):
    event = EventFactory(slug="disputed", date=datetime.date(1919, 1, 1), date_precision="year")
    date_claim(event, "date", datetime.date(1919, 1, 1), precision="year", preferred=True)
    date_claim(event, "date", datetime.date(1920, 1, 1), precision="year")

    claims = api.get("/api/v1/events/disputed/").json()["date_claims"]

    assert [(c["date"], c["preferred"]) for c in claims] == [("1919-01-01", True), ("1920-01-01", False)]
    assert all(c["field"] == "date" and c["precision"] == "year" and len(c["citations"]) == 1 for c in claims)


def test_source_exposes_its_web_address_beside_its_api_url(api):
    SourceFactory(slug="un-doc", url="https://example.org/doc")
    item = api.get("/api/v1/sources/un-doc/").json()
    assert item["url"] == "http://testserver/api/v1/sources/un-doc/"
    assert item["web_url"] == "https://example.org/doc"


@pytest.mark.parametrize(
    ("path", "factory"),
    [
        ("eras", EraFactory),
        ("countries", CountryFactory),
        ("missions", MissionFactory),
        ("events", EventFactory),
        ("sources", SourceFactory),
    ],
)
def test_draft_records_are_never_returned_to_anonymous_readers(api, path, factory):
    draft = factory(publication=DRAFT)
    assert draft.slug not in slugs(api.get(f"/api/v1/{path}/"))
    assert api.get(f"/api/v1/{path}/{draft.slug}/").status_code == 404
    assert draft.slug.encode() + b"," not in body(api.get(f"/api/v1/{path}/?format=csv"))


def test_draft_relation_and_head_of_mission_are_hidden(api):
    period = RelationPeriodFactory(publication=DRAFT)
    head = HeadOfMissionFactory(publication=DRAFT)
    assert results(api.get("/api/v1/relations/")) == []
    assert results(api.get("/api/v1/heads-of-mission/")) == []
    assert api.get(f"/api/v1/relations/{period.pk}/").status_code == 404
    assert api.get(f"/api/v1/heads-of-mission/{head.pk}/").status_code == 404


def test_records_of_a_draft_country_are_hidden(api):
    country = CountryFactory(publication=DRAFT)
    RelationPeriodFactory(country=country)
    MissionFactory(country=country)
    assert results(api.get("/api/v1/relations/")) == []
    assert results(api.get("/api/v1/missions/")) == []


def test_draft_countries_and_sources_are_not_embedded_in_published_records(api):
    hidden_country = CountryFactory(publication=DRAFT)
    shown_country = CountryFactory()
    event = EventFactory(slug="e", countries=[hidden_country, shown_country], cited=False)
    cite(event, SourceFactory(publication=DRAFT))
    cite(event, SourceFactory(slug="public-source"))

    item = api.get("/api/v1/events/e/").json()

    assert [c["slug"] for c in item["countries"]] == [shown_country.slug]
    assert [c["source"]["slug"] for c in item["citations"]] == ["public-source"]


# Filters


def test_events_filter_by_era_country_kind_and_dates(api):
    EraFactory(slug="early", starts_on=datetime.date(1900, 1, 1), ends_on=datetime.date(1950, 1, 1))
    EraFactory(slug="late", starts_on=datetime.date(1950, 1, 1), ends_on=None)
    france = CountryFactory(slug="france")
    EventFactory(slug="a", date=datetime.date(1920, 5, 1), kind="treaty", countries=[france])
    EventFactory(slug="b", date=datetime.date(1960, 5, 1), kind="visit", countries=[france])
    EventFactory(slug="c", date=datetime.date(1970, 5, 1), kind="visit")

    assert slugs(api.get("/api/v1/events/?era=early")) == ["a"]
    assert slugs(api.get("/api/v1/events/?era=late")) == ["b", "c"]
    assert slugs(api.get("/api/v1/events/?country=france")) == ["a", "b"]
    assert slugs(api.get("/api/v1/events/?kind=visit")) == ["b", "c"]
    assert slugs(api.get("/api/v1/events/?date_after=1960-05-01")) == ["b", "c"]
    assert slugs(api.get("/api/v1/events/?date_before=1960-05-01")) == ["a", "b"]
    assert slugs(api.get("/api/v1/events/?country=france&kind=visit&date_after=1950-01-01")) == ["b"]


def test_a_well_formed_slug_that_names_nothing_matches_nothing(api):
    EventFactory()
    assert results(api.get("/api/v1/events/?era=no-such-era")) == []
    assert results(api.get("/api/v1/events/?country=no-such-country")) == []


def test_missions_filter_by_direction_kind_status_country_city_and_open_on(api):
    france = CountryFactory(slug="france")
    MissionFactory(
        slug="kabul",
        country=france,
        direction="in_afghanistan",
        city="Kabul",
        opened_on=datetime.date(1922, 1, 1),
        closed_on=datetime.date(1990, 1, 1),
        status="closed",
    )
    MissionFactory(slug="paris", country=france, direction="of_afghanistan", city="Paris", kind="embassy")
    MissionFactory(slug="geneva", direction="of_afghanistan", city="Geneva", kind="permanent_mission")

    assert set(slugs(api.get("/api/v1/missions/?direction=of_afghanistan"))) == {"paris", "geneva"}
    assert slugs(api.get("/api/v1/missions/?kind=permanent_mission")) == ["geneva"]
    assert slugs(api.get("/api/v1/missions/?status=closed")) == ["kabul"]
    assert set(slugs(api.get("/api/v1/missions/?country=france"))) == {"kabul", "paris"}
    assert slugs(api.get("/api/v1/missions/?city=paris")) == ["paris"]
    assert set(slugs(api.get("/api/v1/missions/?open_on=1930-01-01"))) == {"kabul"}
    assert set(slugs(api.get("/api/v1/missions/?open_on=1995-01-01"))) == {"paris", "geneva"}


def test_countries_filter_by_region_and_kind(api):
    CountryFactory(slug="kenya", region="africa")
    CountryFactory(slug="peru", region="americas")
    CountryFactory(slug="un", kind="organisation", region="")

    assert slugs(api.get("/api/v1/countries/?region=africa")) == ["kenya"]
    assert slugs(api.get("/api/v1/countries/?kind=organisation")) == ["un"]


def test_relations_filter_by_country_status_and_date(api):
    india = CountryFactory(slug="india")
    first = RelationPeriodFactory(
        country=india, status="informal", starts_on=datetime.date(1940, 1, 1), ends_on=datetime.date(1947, 8, 15)
    )
    second = RelationPeriodFactory(country=india, status="diplomatic", starts_on=datetime.date(1947, 8, 15))
    RelationPeriodFactory(status="diplomatic", starts_on=datetime.date(1950, 1, 1))

    def ids(query):
        return [item["id"] for item in results(api.get(f"/api/v1/relations/?{query}"))]

    assert ids("country=india") == [first.pk, second.pk]
    assert ids("country=india&status=informal") == [first.pk]
    assert ids("country=india&on=1947-08-14") == [first.pk]
    # Half-open: on the day a status ends, the next one holds.
    assert ids("country=india&on=1947-08-15") == [second.pk]


def test_heads_of_mission_filter_by_mission_and_date(api):
    mission = MissionFactory(slug="m")
    head = HeadOfMissionFactory(
        mission=mission, started_on=datetime.date(1960, 1, 1), ended_on=datetime.date(1965, 1, 1)
    )
    HeadOfMissionFactory(started_on=datetime.date(1970, 1, 1))
    assert [h["id"] for h in results(api.get("/api/v1/heads-of-mission/?mission=m"))] == [head.pk]
    assert [h["id"] for h in results(api.get("/api/v1/heads-of-mission/?on=1962-06-01"))] == [head.pk]


def test_search_requires_every_word(api):
    EventFactory(slug="treaty-of-rawalpindi", title="Treaty of Rawalpindi")
    EventFactory(slug="treaty-of-kabul", title="Treaty of Kabul")
    assert slugs(api.get("/api/v1/events/?search=treaty rawalpindi")) == ["treaty-of-rawalpindi"]
    assert len(slugs(api.get("/api/v1/events/?search=TREATY"))) == 2


def test_ordering_by_allowed_fields(api):
    EventFactory(slug="a", title="B title", date=datetime.date(1950, 1, 1))
    EventFactory(slug="b", title="A title", date=datetime.date(1960, 1, 1))
    assert slugs(api.get("/api/v1/events/?ordering=-date")) == ["b", "a"]
    assert slugs(api.get("/api/v1/events/?ordering=title")) == ["b", "a"]
    CountryFactory(slug="late", name="Aland")
    established = CountryFactory(slug="early", name="Zed")
    RelationPeriodFactory(country=established, starts_on=datetime.date(1920, 1, 1))
    assert slugs(api.get("/api/v1/countries/?ordering=relations_established_on"))[0] == "early"


@pytest.mark.parametrize(
    "query",
    [
        "kind=nonsense",
        "kind=",
        "date_after=1919-13-01",
        "date_before=yesterday",
        "era=not a slug",
        "country=",
        "ordering=summary",
        "search=",
        "page_size=0",
        "page_size=201",
        "page_size=many",
        "include_drafts=perhaps",
    ],
)
def test_invalid_filter_values_are_refused_with_the_reason(api, query):
    response = api.get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()[name]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/missions/?direction=abroad",
        "/api/v1/missions/?open_on=1990",
        "/api/v1/missions/?city=",
        "/api/v1/countries/?region=antarctica",
        "/api/v1/relations/?on=never",
        "/api/v1/relations/?status=friendly",
    ],
)
def test_invalid_filter_values_on_other_resources_are_refused(api, path):
    assert api.get(path).status_code == 400


# Pagination


def test_records_alike_in_every_ordered_field_keep_their_place_across_pages(api):
    """Five missions of one country in one city (closed and reopened): reading order, then id."""
    country = CountryFactory(slug="ruritania", name="Ruritania")
    made = [MissionFactory(country=country, direction="in_afghanistan", city="Kabul", slug=f"m{n}") for n in range(5)]
    seen = []
    for page in (1, 2, 3):
        seen += slugs(api.get(f"/api/v1/missions/?page_size=2&page={page}"))
    assert seen == [m.slug for m in sorted(made, key=lambda m: m.pk)]
    # Not by luck of the storage order: the database is asked for the id as the last key
    # (written "1" where the query selects the id alone, as the keys of a page after the first;
    # page 2 of 3 is nearer the end, so its keys are read in the reverse order, id descending).
    for page, direction in ((1, "ASC"), (2, "DESC")):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            api.get(f"/api/v1/missions/?page_size=2&page={page}")
        orders = [
            q["sql"].split("ORDER BY")[1].split("LIMIT")[0].strip()
            for q in queries.captured_queries
            if 'FROM "relations_mission"' in q["sql"] and "LIMIT" in q["sql"]
        ]
        assert orders and all(re.search(rf'("relations_mission"\."id"|\b1) {direction}$', o) for o in orders), orders


def test_lists_use_drf_page_shape_with_bounded_page_size(api):
    for n in range(5):
        SourceFactory(slug=f"s{n}", title=f"Title {n}")
    page = api.get("/api/v1/sources/?page_size=2").json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert re.fullmatch(r"http://testserver/api/v1/sources/\?after=[^&]+&page=2&page_size=2", page["next"])
    assert page["previous"] is None
    assert api.get(page["next"]).json()["previous"] == "http://testserver/api/v1/sources/?page_size=2"
    assert api.get("/api/v1/sources/?page_size=200").status_code == 200
    assert api.get("/api/v1/sources/?page=99").status_code == 404


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/api/v1/sources/", lambda n: SourceFactory(slug=f"s{n}", title=f"Title {n % 3}", authors="")),
        ("/api/v1/events/?ordering=-date", lambda n: EventFactory(date=datetime.date(1950 + n % 4, 1, 1))),
        ("/api/v1/events/?kind=treaty", lambda n: EventFactory(kind="treaty", date=datetime.date(1950, 1, 1))),
    ],
)
def test_following_next_reads_every_page_from_a_seek_not_an_offset(api, path, make):
    for n in range(11):
        make(n)
    separator = "&" if "?" in path else "?"
    by_number = []
    for number in (1, 2, 3, 4):
        by_number += [item["id"] for item in api.get(f"{path}{separator}page_size=3&page={number}").json()["results"]]
    page = api.get(f"{path}{separator}page_size=3").json()
    walked = [item["id"] for item in page["results"]]
    while page["next"]:
        assert "after=" in page["next"]
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            page = api.get(page["next"]).json()
        assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)
        walked += [item["id"] for item in page["results"]]
    assert walked == by_number
    assert len(walked) == 11


def test_a_continuation_for_another_list_or_page_is_a_404_with_its_reason(api):
    for n in range(5):
        SourceFactory(slug=f"s{n}", title=f"Title {n}")
    following = api.get("/api/v1/sources/?page_size=2").json()["next"]
    assert api.get(following).status_code == 200
    for changed in (
        following.replace("page=2", "page=3"),
        following.replace("page_size=2", "page_size=1"),
        following + "&search=Title",
        following.replace("after=", "after=x"),
        "/api/v1/sources/?page_size=2&page=2&after=not-ours",
    ):
        response = api.get(changed)
        assert response.status_code == 404, changed
        assert "Invalid continuation" in response.json()["detail"], changed


def test_lists_in_an_order_that_cannot_be_continued_page_by_number(api):
    """Missions read in the order of their country's name: another table, so next carries no continuation."""
    country = CountryFactory(slug="ruritania", name="Ruritania")
    for n in range(5):
        MissionFactory(country=country, slug=f"m{n}", city=f"City {n}")
    page = api.get("/api/v1/missions/?page_size=2").json()
    assert page["next"] == "http://testserver/api/v1/missions/?page=2&page_size=2"


# Query counts


def _events(n):
    countries = CountryFactory.create_batch(2)
    for _ in range(n):
        event = EventFactory(countries=countries)
        date_claim(event, "date", event.date, preferred=True)


LIST_CASES = [
    ("/api/v1/events/", _events),
    ("/api/v1/countries/", lambda n: [RelationPeriodFactory() for _ in range(n)]),
    ("/api/v1/relations/", lambda n: RelationPeriodFactory.create_batch(n)),
    ("/api/v1/missions/", lambda n: [HeadOfMissionFactory() for _ in range(n)]),
    ("/api/v1/heads-of-mission/", lambda n: HeadOfMissionFactory.create_batch(n)),
    (
        "/api/v1/eras/",
        lambda n: [
            cite(EraFactory(starts_on=datetime.date(1000 + 10 * i, 1, 1), ends_on=datetime.date(1005 + 10 * i, 1, 1)))
            for i in range(n)
        ],
    ),
    ("/api/v1/sources/", lambda n: SourceFactory.create_batch(n)),
]


@pytest.mark.parametrize(("path", "make"), LIST_CASES)
def test_list_query_count_does_not_grow_with_page_size(api, django_assert_max_num_queries, path, make):
    make(3)
    with django_assert_max_num_queries(9) as small:
        assert api.get(f"{path}?page_size=3").status_code == 200
    make(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(f"{path}?page_size=60")
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 30


def test_csv_export_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries):
    _events(3)
    with django_assert_max_num_queries(12) as small:
        assert len(b"".join(api.get("/api/v1/events/?format=csv").streaming_content).splitlines()) == 4
    _events(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(b"".join(api.get("/api/v1/events/?format=csv").streaming_content).splitlines()) == 44


# Citations on list pages are read as plain rows (relations.api.views.attach_citations); a record's own
# endpoint still reads them through the ORM's prefetch. The two must say exactly the same.


def _cited_everywhere():
    """Records of every resource, each cited several times (with locators, a quote, a draft source)."""
    draft_source = SourceFactory(publication=DRAFT, title="Unpublished memoir")
    shared = SourceFactory(title="A shared work", authors="Author, A.; Writer, B.")
    era = EraFactory(starts_on=datetime.date(1900, 1, 1), ends_on=datetime.date(2000, 1, 1))
    countries = CountryFactory.create_batch(3)
    records = [era, *countries]
    for country in countries:
        period = RelationPeriodFactory(country=country, starts_on=datetime.date(1950, 1, 1))
        head = HeadOfMissionFactory(mission=MissionFactory(country=country))
        event = EventFactory(countries=countries[:2], date=datetime.date(1960, 5, 4))
        date_claim(event, "date", datetime.date(1960, 5, 5), source=shared)
        records += [period, head, head.mission, event]
    for n, record in enumerate(records):
        cite(record, shared, locator=f"p. {n}")
        citation = cite(record, draft_source, locator="ch. 2")
        citation.quote = "The words of the source."
        citation.order = 0  # before the factory's own citation: the order is kept, not the insertion order
        citation.save()
        cite(record, shared, locator="")
    return records


@pytest.mark.parametrize(
    "resource", ["eras", "countries", "relations", "missions", "heads-of-mission", "events", "sources"]
)
@pytest.mark.parametrize("drafts", [False, True])
def test_every_list_item_says_what_its_own_endpoint_says(resource, drafts):
    _cited_everywhere()
    client = client_for(make_user("editor")) if drafts else APIClient()
    suffix = "include_drafts=true" if drafts else ""
    items = results(client.get(f"/api/v1/{resource}/?page_size=100&{suffix}"))
    assert items
    cited = [item for item in items if item.get("citations")]
    assert cited or resource == "sources"
    for item in items:
        assert client.get(f"{item['url']}?{suffix}").json() == item
    if resource != "sources":
        # The draft source is cited for editors only; a reader never learns it exists.
        titles = {c["source"]["title"] for item in cited for c in item["citations"]}
        assert ("Unpublished memoir" in titles) is drafts


def test_csv_citations_are_those_of_the_json_list():
    _cited_everywhere()
    api = APIClient()
    items = results(api.get("/api/v1/events/?page_size=100"))
    rows = list(csv.DictReader(io.StringIO(b"".join(api.get("/api/v1/events/?format=csv").streaming_content).decode())))
    assert [row["slug"] for row in rows] == [item["slug"] for item in items]
    for row, item in zip(rows, items, strict=True):
        assert all(c["source"]["slug"] in row["citations"] for c in item["citations"])
        assert row["citations"].count("p. ") == sum(c["locator"].startswith("p. ") for c in item["citations"])


@pytest.mark.parametrize("query", ["", "page=1&page_size=5", "format=json&include_drafts=false"])
def test_a_list_that_asks_for_no_filter_is_what_the_filterset_would_give(query):
    """FilterBackend skips building a FilterSet when no parameter is a filter: nothing may change."""
    _cited_everywhere()
    for viewset in (api_views.EventViewSet, api_views.MissionViewSet, api_views.RelationPeriodViewSet):
        request = Request(APIRequestFactory().get(f"/?{query}"))
        view = viewset(request=request, action="list", format_kwarg=None, kwargs={})
        view.wants_drafts = False
        queryset = view.get_queryset()
        skipped = list(api_filters.FilterBackend().filter_queryset(request, queryset, view))
        built = list(DjangoFilterBackend().filter_queryset(request, queryset, view))
        assert skipped == built
        assert skipped


INDEXED_ORDERINGS = (
    [("events", "events", ordering) for ordering in ("date", "-date", "title", "-title")]
    + [
        ("sources", "source", ordering)
        for ordering in ("title", "-title", "authors", "-authors", "published_on", "-published_on")
    ]
    + [("missions", "mission", ordering) for ordering in ("opened_on", "-opened_on", "closed_on", "-closed_on")]
    + [("heads-of-mission", "headofmission", ordering) for ordering in ("name", "-name", "started_on", "-started_on")]
    + [("relations", "relationperiod", ordering) for ordering in ("starts_on", "-starts_on")]
)


@pytest.mark.parametrize(("resource", "table", "ordering"), INDEXED_ORDERINGS)
def test_every_ordering_reads_its_page_along_an_index(api, resource, table, ordering):
    """A page in any order the API offers, either way, comes from an index in that order rather than from
    sorting every record (60 ms a page of sources by title, descending, at 100 times the record on
    PostgreSQL, before each order had its index: ``StableOrderingFilter``, ``nulls_last_indexes``)."""
    table = "event" if table == "events" else table
    {
        "events": lambda: EventFactory(),
        "sources": lambda: SourceFactory(),
        "missions": lambda: MissionFactory(),
        "heads-of-mission": lambda: HeadOfMissionFactory(),
        "relations": lambda: RelationPeriodFactory(),
    }[resource]()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/api/v1/{resource}/?ordering={ordering}").status_code == 200
    page = next(
        q["sql"]
        for q in queries
        if f'FROM "relations_{table}"' in q["sql"] and "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]
    )
    plan = query_plan(page)
    if connection.vendor == "postgresql":
        # Incremental Sort only orders the ties of the index's order (events of one date by id).
        assert not any(re.match(r"Sort\s+\(", line.strip(" ->")) for line in plan), "\n".join(plan)
    else:
        # Steps of the page's own query (not of the era subqueries), as SQLite names them; "FOR RIGHT
        # PART OF ORDER BY" would only order ties, as above.
        assert (0, "USE TEMP B-TREE FOR ORDER BY") not in [(parent, detail) for _id, parent, _, detail in plan], plan


def test_ordering_puts_empty_values_last_either_way_and_breaks_ties_by_id_in_the_same_direction(api):
    undated = [SourceFactory(published_on=None).pk for _ in range(2)]
    old = SourceFactory(published_on=datetime.date(1900, 1, 1)).pk
    new = SourceFactory(published_on=datetime.date(2000, 1, 1)).pk
    same = [SourceFactory(title="Same title").pk for _ in range(2)]

    def ids(ordering, among):
        results = api.get(f"/api/v1/sources/?ordering={ordering}&page_size=200").json()["results"]
        return [item["id"] for item in results if item["id"] in among]

    assert ids("published_on", {old, new, *undated}) == [old, new, *undated]
    assert ids("-published_on", {old, new, *undated}) == [new, old, *undated[::-1]]
    assert ids("title", set(same)) == same
    assert ids("-title", set(same)) == same[::-1]
