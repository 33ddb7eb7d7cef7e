import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from relations import models
from relations.templatetags.relations_tags import precise_date
from tests.factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    UserFactory,
    cite,
    date_claim,
)
from tests.site_data import build_world, grow

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TODAY = datetime.datetime(2025, 7, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture
def world():
    with time_machine.travel(TODAY, tick=False):
        yield build_world()


@pytest.fixture
def staff_client(client):
    user = UserFactory(username="editor", is_staff=True)
    user.save()  # UserFactory sets the password after saving and does not save it again
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def html(response):
    return response.content.decode()


PAGES = [
    "/",
    "/eras/",
    "/eras/old-era/",
    "/countries/",
    "/countries/by-establishment/",
    "/countries/alphaland/",
    "/relations/?on=1960-01-01",
    "/missions/",
    "/events/",
    "/events/alpha-treaty/",
    "/sources/",
    "/sources/test-book/",
    "/organisations/",
    "/search/?q=Alphaland",
]


# --- every page: status, caching, metadata -------------------------------------------------


def test_no_page_names_a_variable_that_does_not_exist(world, staff_client):
    """Django's templates print nothing for a misspelt or missing variable, so such a slip ships unseen
    (the country list once showed empty status labels). Here every miss is printed, and none may appear."""
    from django.template import engines
    from django.test import Client

    engine = engines["django"].engine
    marker = "MISSING-VARIABLE[%s]"
    engine.string_if_invalid, before = marker, engine.string_if_invalid
    try:
        for reader in (Client(), staff_client):
            for url in [*PAGES, "/no/such/page/", "/events/?kind=nope", "/relations/?on=nonsense", "/search/"]:
                page = reader.get(url).content.decode()
                assert "MISSING-VARIABLE" not in page, (url, re.findall(r"MISSING-VARIABLE\[[^]]*\]", page))
    finally:
        engine.string_if_invalid = before


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_anonymous_readers_without_touching_the_session(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in html(response)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_canonical_url_description_and_open_graph_tags(client, world, url):
    page = html(client.get(url))
    assert re.search(r'<link rel="canonical" href="http://testserver/[^"]*">', page)
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert len(description) > 10
    assert '<meta property="og:title"' in page
    assert '<meta property="og:description"' in page


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_one_h1_a_skip_link_and_landmarks(client, world, url):
    page = html(client.get(url))
    assert page.count("<h1") == 1
    assert 'href="#main"' in page and 'id="main"' in page
    assert "<header" in page and "<nav" in page and "<main" in page and "<footer" in page
    assert re.search(r'<html lang="en" dir="ltr">', page)


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_no_inline_style_or_script(client, world, url):
    page = html(client.get(url))
    assert "<script" not in page
    assert " style=" not in page
    assert "<style" not in page


@pytest.mark.parametrize("url", PAGES)
def test_staff_preview_is_never_cached(staff_client, world, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_right_to_left_languages_set_the_page_direction(client, world):
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="fa"))
    assert '<html lang="fa" dir="rtl">' in page


# --- published only ---------------------------------------------------------------------------


def test_draft_country_is_hidden_from_readers_everywhere(client, world):
    assert client.get("/countries/draftland/").status_code == 404
    for url in ("/countries/", "/search/?q=Draftland", "/sitemap.xml"):
        assert "/countries/draftland/" not in html(client.get(url)), url


def test_draft_event_is_hidden_from_readers_everywhere(client, world):
    assert client.get("/events/draft-event/").status_code == 404
    for url in ("/events/", "/search/?q=Secret", "/feeds/events/", "/sitemap.xml", "/eras/old-era/"):
        assert "Secret draft event" not in html(client.get(url)) and "draft-event" not in html(client.get(url)), url


def test_draft_era_and_source_are_hidden_from_readers(client, world):
    assert client.get("/eras/draft-era/").status_code == 404
    assert client.get("/sources/draft-source/").status_code == 404
    assert "Draft era" not in html(client.get("/eras/"))
    assert "Draft Source Title" not in html(client.get("/sources/"))


def test_citation_of_a_draft_source_is_not_shown_to_readers(client, world):
    cite(world.alpha, world.drafts.source, "p. 7")
    assert "Draft Source Title" not in html(client.get("/countries/alphaland/"))


def test_staff_preview_shows_drafts_marked_as_drafts(staff_client, world):
    response = staff_client.get("/countries/draftland/")
    assert response.status_code == 200
    page = html(response)
    assert "draft-badge" in page and "Preview:" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Secret draft event" in html(staff_client.get("/events/"))


def test_a_non_staff_user_sees_only_published_records(client, world):
    user = UserFactory(username="reader")
    user.save()
    client.force_login(user, backend=MODEL_BACKEND)
    assert client.get("/countries/draftland/").status_code == 404


# --- footnotes and dates ------------------------------------------------------------------------


def test_claims_carry_numbered_footnotes_that_link_to_the_reference_list(client, world):
    page = html(client.get("/countries/alphaland/"))
    assert re.search(r'<sup class="fn"><a id="cite-1-1" href="#ref-1"[^>]*>\[1\]</a></sup>', page)
    assert '<li id="ref-1" value="1">' in page
    assert 'href="#cite-1-1"' in page  # the back-link
    assert "<cite>A Test Book</cite>." in page


def test_a_source_cited_twice_with_the_same_locator_keeps_one_number(client, world):
    page = html(client.get("/relations/?on=1960-01-01"))
    # alpha_first and beta_first both cite A Test Book p. 42.
    refs = re.findall(r'<li id="ref-(\d+)" value="\d+">(?:(?!</li>).)*A Test Book(?:(?!</li>).)*p\. 42', page, re.S)
    assert len(refs) == 1
    number = refs[0]
    assert page.count(f'href="#ref-{number}"') == 2
    assert f'href="#cite-{number}-1"' in page and f'href="#cite-{number}-2"' in page


def test_references_are_formatted_consistently_with_url_archive_and_access_date(client, world):
    cite(world.treaty, world.web, "section 2")
    page = html(client.get("/events/alpha-treaty/"))
    assert "“A Test Page”. <cite>Test Site</cite>." in page
    assert '<a href="https://example.org/page" rel="noopener noreferrer">https://example.org/page</a>' in page
    assert "archived</a>; accessed 1 May 2024)." in page
    assert "section 2." in page


def test_disputed_dates_show_each_claim_with_its_own_source(client, world):
    other = world.web
    date_claim(world.treaty, "date", datetime.date(1921, 6, 1), precision="month", preferred=True, source=world.book)
    date_claim(world.treaty, "date", datetime.date(1921, 1, 1), precision="year", source=other)
    page = html(client.get("/events/alpha-treaty/"))
    assert "Sources differ:" in page
    disputed = re.search(r'<span class="disputed">(.*?)</span>\s*</dd>', page, re.S).group(1)
    assert '<time datetime="1921-06">June 1921</time>' in disputed
    assert '<time datetime="1921">1921</time>' in disputed
    assert disputed.count('<sup class="fn">') == 2
    assert "A Test Page" in page


def test_precise_date_renders_time_element_and_solar_hijri():
    assert str(precise_date(datetime.date(2025, 7, 3), "day")) == (
        '<time datetime="2025-07-03">3 July 2025</time> <span class="hijri">(12 Saratan 1404)</span>'
    )
    assert '<time datetime="1919">1919</time>' in str(precise_date(datetime.date(1919, 1, 1), "year"))
    assert '<time datetime="1919-03">March 1919</time>' in str(precise_date(datetime.date(1919, 3, 1), "month"))
    assert precise_date(None, "day") == ""


# --- pages ---------------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_home_shows_today_the_current_era_missions_in_kabul_and_the_eras(client, world):
    page = html(client.get("/"))
    assert "10 July 2025" in page
    assert 'href="/eras/new-era/"' in page and "Old era" in page
    assert "Alphaland</a> (embassy, Kabul)" in page
    assert '<svg class="world-map"' in page and '<title id="map-title">' in page
    assert "Diplomatic relations: " in page


def test_era_page_shows_narrative_statuses_by_region_missions_events_and_map(client, world):
    page = html(client.get("/eras/old-era/"))
    assert "<h3>Narrative heading</h3>" in page and "<em>our own</em>" in page
    assert "<h3>Europe</h3>" in page and "<h3>Asia</h3>" in page
    assert "Alphaland</a>:" in page
    assert "Embassy of Alphaland in Kabul" in page  # opened in the era
    assert "Treaty with Alphaland" in page
    assert "Relations with Alphaland broken off" not in page  # 1980: next era
    assert '<svg class="world-map"' in page
    assert 'class="former s-diplomatic"' in page  # the Old Union over Gammaland's territory
    assert 'rel="next" href="/eras/new-era/"' in page


def test_era_page_lists_the_first_periods_of_each_country_and_links_to_the_rest(client, world):
    from relations.views import EraDetailView

    alpha = models.Country.objects.get(slug="alphaland")
    alpha.relation_periods.all().delete()
    statuses = ("severed", "suspended", "informal", "severed", "recognition")
    for n, status in enumerate(statuses):
        period = RelationPeriodFactory(
            country=alpha, status=status, starts_on=datetime.date(1930 + n, 1, 1), ends_on=datetime.date(1931 + n, 1, 1)
        )
        cite(period, models.Source.objects.get(slug="test-book"))
    response = client.get("/eras/old-era/")
    page = html(response)
    row = page.split('href="/countries/alphaland/">Alphaland</a>:', 1)[1].split("</li>", 1)[0]
    assert row.count('class="status s-') == EraDetailView.periods_per_country == 3
    assert "s-recognition" not in row
    assert '<a href="/countries/alphaland/">2 more changes</a>' in row
    # The map shows the closest status of the whole era (recognition, in the last period), not only of the
    # periods listed.
    rows = [row for _, rows in response.context["regions"] for row in rows]
    assert next(row for row in rows if row["country"] == alpha)["status"] == "recognition"


def test_country_page_lists_its_first_missions_and_links_to_all(client, world, monkeypatch):
    from relations.views import CountryDetailView

    monkeypatch.setattr(CountryDetailView, "mission_limit", 1)
    page = html(client.get("/countries/alphaland/"))
    assert 'href="/missions/?country=alphaland">All missions</a>' in page


def test_country_page_lists_heads_in_the_order_they_served_and_a_citys_missions_as_they_opened(client, world):
    D = datetime.date
    """A head known only by the end of his term sits where that end falls; an undated one last."""
    from tests.factories import HeadOfMissionFactory, MissionFactory

    alpha = models.Country.objects.get(slug="alphaland")

    def jalalabad(opened, closed):
        return MissionFactory(
            country=alpha,
            direction="in_afghanistan",
            city="Jalalabad",
            status="closed",
            opened_on=D(opened, 1, 1),
            closed_on=D(closed, 1, 1),
            slug=f"alpha-jalalabad-{opened}",
        )

    first, later = jalalabad(1930, 1940), jalalabad(1950, 1960)
    for name, started, ended in (
        ("Undated Envoy", None, None),
        ("Third Envoy", D(1936, 1, 1), None),
        ("Second Envoy", None, D(1935, 1, 1)),
        ("First Envoy", D(1930, 1, 1), D(1933, 1, 1)),
    ):
        cite(HeadOfMissionFactory(mission=first, name=name, started_on=started, ended_on=ended))
    page = html(client.get("/countries/alphaland/"))
    names = [page.index(name) for name in ("First Envoy", "Second Envoy", "Third Envoy", "Undated Envoy")]
    assert names == sorted(names)
    assert page.index(f'id="mission-{first.slug}"') < page.index(f'id="mission-{later.slug}"')


def test_era_page_lists_missions_closed_in_the_era(client, world):
    page = html(client.get("/eras/new-era/"))
    closed = page.split("<h3>Closed</h3>", 1)[1].split("</ul>", 1)[0]
    assert "Consulate of Betaland in Herat" in closed
    # The link lands on the mission on its country's page, which lists every mission of it.
    assert 'href="/countries/betaland/#mission-beta-consulate-herat"' in closed
    assert 'id="mission-beta-consulate-herat"' in html(client.get("/countries/betaland/"))


def test_era_page_lists_the_first_missions_closed_by_closing_date_however_many_opened(client, world, monkeypatch):
    """Each column has its own limit: missions opened early in the era do not crowd out the closures."""
    from relations.views import EraDetailView
    from tests.factories import MissionFactory

    monkeypatch.setattr(EraDetailView, "mission_limit", 2)
    alpha = models.Country.objects.get(slug="alphaland")
    for year in (1980, 1981, 1982):
        cite(MissionFactory(country=alpha, city=f"Opened {year}", opened_on=datetime.date(year, 1, 1)))
    for year in (1979, 1978, 1981):
        cite(
            MissionFactory(
                country=alpha,
                city=f"Closed {year}",
                opened_on=datetime.date(1950, 1, 1),
                status="closed",
                closed_on=datetime.date(year, 6, 1),
            )
        )
    page = html(client.get("/eras/new-era/"))
    opened = page.split("<h3>Opened</h3>", 1)[1].split("</ul>", 1)[0]
    closed = page.split("<h3>Closed</h3>", 1)[1].split("</ul>", 1)[0]
    assert opened.count("<li>") == closed.count("<li>") == 2
    # The world's Herat consulate closed on 1 January 1980: the two earliest closures come first.
    assert "Closed 1978" in closed and "Closed 1979" in closed
    assert "Herat" not in closed and "Closed 1981" not in closed
    assert closed.index("Closed 1978") < closed.index("Closed 1979")
    assert "The first 2 missions opened and closed are listed" in page


def test_era_list_shows_each_era_with_dates_and_a_chart_with_a_table(client, world):
    page = html(client.get("/eras/"))
    assert page.index("Old era") < page.index("New era")
    assert '<svg class="chart"' in page and "<table>" in page
    assert '<time datetime="1919-08-08">8 August 1919</time>' in page


def test_country_list_groups_by_region_and_filters(client, world):
    page = html(client.get("/countries/"))
    assert page.index(">Asia") < page.index(">Europe")
    assert "Worldwide" in page  # the organisation
    filtered = html(client.get("/countries/?region=asia"))
    assert "Betaland" in filtered and "Alphaland" not in filtered
    assert "Gammaland" in html(client.get("/countries/?q=gamma"))
    assert "Old Union" in html(client.get("/countries/?kind=former_state"))


def test_country_list_names_each_status_in_words(client, world):
    """The status is written out, not only coloured: colour alone tells a screen reader nothing."""
    page = html(client.get("/countries/"))
    alpha = page[page.index(">Alphaland<") :]
    assert alpha.split("</li>")[0].count('<span class="status s-diplomatic">diplomatic relations</span>') == 1


def test_country_list_rejects_an_unknown_filter_value_with_400(client, world):
    response = client.get("/countries/?region=atlantis")
    assert response.status_code == 400
    assert "Select a valid choice" in html(response)


def test_establishment_table_lists_counterparts_in_order_of_relations_with_dates(client, world):
    page = html(client.get("/countries/by-establishment/"))
    order = ("Old Union", "Alphaland", "United Test Nations", "Betaland", "Gammaland")
    positions = [page.index(f">{name}</a>") for name in order]
    assert positions == sorted(positions)
    assert '<time datetime="1922">1922</time>' in page
    assert 'class="fn"' in page


def test_country_page_shows_status_timeline_events_missions_with_heads_and_references(client, world):
    page = html(client.get("/countries/alphaland/"))
    assert '<svg class="status-timeline"' in page
    assert "severed" in page
    assert "Treaty with Alphaland" in page and "Relations with Alphaland broken off" in page
    assert "Envoy Aleph, Ambassador" in page
    assert 'id="references-heading"' in page
    assert "Missions of Alphaland in Afghanistan" in page


def test_country_page_of_a_former_state_links_its_successors(client, world):
    page = html(client.get("/countries/old-union/"))
    assert 'href="/countries/gammaland/"' in page and "Succeeded by" in page
    assert 'href="/countries/old-union/"' in html(client.get("/countries/gammaland/"))


def test_relations_on_a_date_show_each_status_and_the_era(client, world):
    page = html(client.get("/relations/?on=1985-06-01"))
    assert "1 June 1985" in page
    assert 'href="/eras/new-era/"' in page
    severed = page.split('id="status-severed"', 1)[1].split("</section>", 1)[0]
    assert "Alphaland" in severed
    diplomatic = page.split('id="status-diplomatic"', 1)[1].split("</section>", 1)[0]
    assert "Betaland" in diplomatic and "Old Union" in diplomatic and "Gammaland" not in diplomatic


# (A NUL in the query string is refused before any view: see tests/test_security.py.)
@pytest.mark.parametrize("value", ["not-a-date", "2025-13-01", "1200-01-01", "9999-01-01"])
def test_relations_on_a_bad_date_answers_400_with_a_message(client, world, value):
    response = client.get("/relations/", {"on": value})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in html(response)


@time_machine.travel(TODAY, tick=False)
def test_relations_without_a_date_show_today(client, world):
    page = html(client.get("/relations/"))
    assert "10 July 2025" in page


def test_missions_are_filtered_by_direction_kind_status_city_and_staff(client, world):
    def names(query):
        return html(client.get("/missions/" + query))

    assert "Embassy of Afghanistan in Betaville" not in names("?direction=in_afghanistan")
    assert "Embassy of Afghanistan in Betaville" in names("?direction=of_afghanistan")
    assert "Consulate of Betaland in Herat" in names("?kind=consulate")
    assert "Embassy of Alphaland" not in names("?kind=consulate")
    assert "Consulate of Betaland in Herat" in names("?status=closed")
    assert "Embassy of Alphaland" not in names("?status=closed")
    assert "Embassy of Afghanistan in Betaville" in names("?city=betaville")
    page = names("?staff_represent=islamic_republic")
    assert "Embassy of Afghanistan in Betaville" in page and "Embassy of Alphaland" not in page
    assert "Islamic Republic of Afghanistan (2001–2021)" in page


def test_mission_list_shows_heads_of_mission(client, world):
    assert "Envoy Aleph, Ambassador" in html(client.get("/missions/"))


def test_events_are_filtered_by_era_country_kind_and_date_range(client, world):
    def titles(query):
        page = html(client.get("/events/" + query))
        return {
            title
            for title in (
                "Treaty with Alphaland",
                "Relations with Alphaland broken off",
                "Resolution of the United Test Nations",
            )
            if title in page
        }

    assert titles("?era=old-era") == {"Treaty with Alphaland"}
    assert titles("?era=new-era") == {"Relations with Alphaland broken off", "Resolution of the United Test Nations"}
    assert titles("?country=alphaland") == {"Treaty with Alphaland", "Relations with Alphaland broken off"}
    assert titles("?kind=un_action") == {"Resolution of the United Test Nations"}
    assert titles("?date_after=1950-01-01&date_before=1985-12-31") == {"Relations with Alphaland broken off"}
    assert titles("?country=alphaland&kind=relations_severed") == {"Relations with Alphaland broken off"}


def test_event_list_shows_each_events_era_and_countries(client, world):
    page = html(client.get("/events/"))
    assert 'href="/eras/old-era/">Old era</a>' in page
    assert 'href="/countries/alphaland/">Alphaland</a>' in page


@pytest.mark.parametrize(
    "query", ["?era=nope", "?kind=nope", "?date_after=yesterday", "?country=draftland", "?date_before=2020-02-30"]
)
def test_events_reject_bad_filters_with_400_and_a_form_error(client, world, query):
    response = client.get("/events/" + query)
    assert response.status_code == 400
    assert 'class="errors"' in html(response)


@pytest.mark.parametrize("page", ["999", "0", "abc", "-1"])
def test_a_page_out_of_range_is_a_404_not_an_error(client, world, page):
    assert client.get("/events/", {"page": page}).status_code == 404


def test_events_are_paginated_and_pagination_keeps_the_filters(client, world):
    grow(30)
    page = html(client.get("/events/?kind=treaty"))
    assert "Page 1 of 2" in page
    assert 'href="?kind=treaty&amp;page=2"' in page
    assert client.get("/events/?kind=treaty&page=2").status_code == 200


def test_sources_list_each_source_and_what_cites_it(client, world):
    page = html(client.get("/sources/"))
    entry = page.split('id="source-test-book"', 1)[1].split("</li>", 1)[0]
    assert "Cited by:" in entry and "Old era" in entry and "Alphaland" in entry
    assert "<cite>A Test Book</cite>." in entry


def test_the_bibliography_files_works_with_and_without_authors_in_one_alphabet(client):
    for slug, authors, title in (
        ("zebra", "", "Zebra crossings of the Hindu Kush"),
        ("cwik", "Ćwik, Jan", "A study"),
        ("confusion", "", "'Confusion, disappointment': an embassy closes"),
        ("adamec", "Adamec, Ludwig W.", "Afghanistan's foreign affairs"),
        ("bbc", "", "BBC On This Day"),
    ):
        SourceFactory(slug=slug, authors=authors, title=title)
    page = html(client.get("/sources/"))
    order = re.findall(r'id="source-(adamec|bbc|confusion|cwik|zebra)"', page)
    assert order == ["adamec", "bbc", "confusion", "cwik", "zebra"]
    api = client.get("/api/v1/sources/").json()["results"]
    assert [item["slug"] for item in api] == order


def test_the_letter_index_leads_to_the_page_where_a_letter_begins(client, django_assert_max_num_queries):
    for n in range(60):
        SourceFactory(slug=f"a{n:02}", authors=f"Aziz, {n:02}", title="Work")
    SourceFactory(slug="bbc", authors="", title="BBC On This Day")
    SourceFactory(slug="taliban", authors="", title="«Талибан» и Сирия")
    SourceFactory(slug="zebra", authors="", title="Zebra crossings")
    page = html(client.get("/sources/"))
    assert '<a href="?from=b">B</a>' in page and '<a href="?from=0">0–9</a>' in page
    with django_assert_max_num_queries(6):
        response = client.get("/sources/?from=b")
    assert response.status_code == 302
    assert response["Location"] == "/sources/?page=2#source-bbc"  # 60 works by Aziz fill page 1
    assert 'id="source-bbc"' in html(client.get("/sources/?page=2"))
    assert client.get("/sources/?from=a")["Location"] == "/sources/#source-a00"
    assert client.get("/sources/?from=c")["Location"] == "/sources/?page=2#source-zebra"  # the next one filed
    assert client.get("/sources/?from=other")["Location"] == "/sources/?page=2#source-taliban"
    refused = client.get("/sources/?from=ch")
    assert refused.status_code == 400
    assert "not an entry of the index" in refused.content.decode()


def test_the_letter_index_goes_to_the_last_page_when_nothing_files_after_the_letter(client):
    for n in range(60):
        SourceFactory(slug=f"a{n:02}", authors=f"Aziz, {n:02}", title="Work")
    assert client.get("/sources/?from=z")["Location"] == "/sources/?page=2"
    assert client.get("/sources/?from=other")["Location"] == "/sources/?page=2"


def test_source_page_lists_what_cites_it_including_date_claims(client, world):
    date_claim(world.break_off, "date", datetime.date(1980, 1, 1), precision="year", source=world.web)
    page = html(client.get("/sources/test-web/"))
    assert "Relations with Alphaland broken off" in page
    assert "https://example.org/page" in page


def test_organisations_page_shows_the_organisations_their_missions_and_un_actions(client, world):
    page = html(client.get("/organisations/"))
    assert "United Test Nations" in page and "<strong>acts</strong>" in page
    assert "of United Test Nations in Kabul" in page
    assert "Resolution of the United Test Nations" in page
    assert "Alphaland" not in page


def test_search_finds_countries_events_missions_and_sources(client, world):
    page = html(client.get("/search/?q=alphaland"))
    assert 'href="/countries/alphaland/"' in page
    assert "Treaty with Alphaland" in page
    assert "Embassy of Alphaland in Kabul" in page
    assert "A Test Book" in html(client.get("/search/?q=test book"))


def test_search_in_one_scope_is_paginated(client, world):
    page = html(client.get("/search/?q=alphaland&type=events"))
    assert "Treaty with Alphaland" in page and "Embassy of Alphaland" not in page


@pytest.mark.parametrize("query", ["", "   ", "x" * 1000, "'; drop table", '"unclosed', "-", "OR AND NOT", "*"])
def test_search_never_fails_on_odd_input(client, world, query):
    assert client.get("/search/", {"q": query}).status_code == 200


@pytest.mark.parametrize(("query", "status"), [("a\x00b", 400), ("x" * 5000, 400)])
def test_search_input_that_is_not_text_is_refused_with_a_reason(client, world, query, status):
    response = client.get("/search/", {"q": query})
    assert response.status_code == status
    assert b"query string" in response.content


def test_sitemap_is_an_index_of_paginated_sections(client, world):
    index = html(client.get("/sitemap.xml"))
    for section in ("pages", "eras", "countries", "events", "sources"):
        assert f"http://testserver/sitemap-{section}.xml</loc>" in index


def test_sitemap_lists_published_pages_only(client, world):
    body = "".join(
        html(client.get(f"/sitemap-{section}.xml")) for section in ("pages", "eras", "countries", "events", "sources")
    )
    for path in (
        "/eras/old-era/",
        "/countries/alphaland/",
        "/events/alpha-treaty/",
        "/sources/test-book/",
        "/missions/",
    ):
        assert f"http://testserver{path}</loc>" in body
    assert "draft" not in body


def test_event_feed_is_atom_with_published_events(client, world):
    response = client.get("/feeds/events/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = html(response)
    assert "Treaty with Alphaland" in body and "http://testserver/events/alpha-treaty/" in body
    assert "Secret draft event" not in body


def test_unknown_page_is_a_friendly_404(client, world):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = html(response)
    assert "Page not found" in page and 'href="/search/"' in page


def test_server_error_page_renders_without_any_context():
    from django.template.loader import get_template

    page = get_template("500.html").render()
    assert "Something went wrong" in page and "<main" in page


# --- query budget ------------------------------------------------------------------------------

BUDGET = 12


@pytest.mark.parametrize("url", PAGES + ["/sitemap.xml", "/feeds/events/", "/search/?q=alphaland&type=events"])
def test_every_page_runs_a_small_fixed_number_of_queries(client, world, url, django_assert_max_num_queries):
    client.get(url)  # warm the content-type cache
    cache.clear()  # measure a fresh render, not a page served from the shared cache
    with django_assert_max_num_queries(BUDGET) as small:
        client.get(url)
    grow(8)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_staff_preview_stays_within_the_query_budget(staff_client, world, django_assert_max_num_queries):
    staff_client.get("/countries/alphaland/")
    with django_assert_max_num_queries(BUDGET + 2):  # + the session and the user
        staff_client.get("/countries/alphaland/")


def test_healthz_still_answers(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok"}


def test_a_mission_links_to_its_entry_on_its_counterparts_page(client, world):
    assert world.embassy.get_absolute_url() == "/countries/alphaland/#mission-alpha-embassy-kabul"
    assert 'id="mission-alpha-embassy-kabul"' in client.get("/countries/alphaland/").content.decode()


def test_filter_options_escape_names_and_follow_the_choice_and_renames(client):
    country = CountryFactory(slug="evil", name="<b>Evil & Co</b>")
    CountryFactory(slug="good", name="Good")
    page = html(client.get("/events/"))
    assert '<option value="evil">&lt;b&gt;Evil &amp; Co&lt;/b&gt;</option>' in page
    assert "<b>Evil" not in page
    cache.clear()
    page = html(client.get("/events/?country=evil"))
    assert '<option value="evil" selected>&lt;b&gt;Evil &amp; Co&lt;/b&gt;</option>' in page
    assert '<option value="good">Good</option>' in page
    country.name = "Renamed"
    country.save()
    page = html(client.get("/events/?country=evil"))
    assert '<option value="evil" selected>Renamed</option>' in page


def test_home_counts_the_open_missions_in_kabul_beyond_those_it_lists(client, monkeypatch):
    from relations.views import HomeView
    from tests.factories import MissionFactory

    monkeypatch.setattr(HomeView, "mission_limit", 2)
    for n, (status, publication) in enumerate(
        [("open", "published")] * 3 + [("suspended", "published"), ("closed", "published"), ("open", "draft")]
    ):
        MissionFactory(country=CountryFactory(name=f"Land {n}"), status=status, publication=publication)
    MissionFactory(country=CountryFactory(name="Hidden", publication="draft"), status="open")
    MissionFactory(country=CountryFactory(name="Abroad"), direction="of_afghanistan", city="Paris")
    page = html(client.get("/"))
    assert "3 missions are open: (the first 2 are listed)" in page


def test_home_counts_the_missions_in_kabul_from_an_index_alone(client, monkeypatch):
    """The count reads only columns of the (publication, direction, country, city, status) index, so it
    need not read a mission row: with ``COUNT(id)``, which that index does not hold, PostgreSQL read each
    counted row (6.3 ms at scale 100, 2.3 with the status counted)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relations.views import HomeView
    from tests.factories import MissionFactory
    from tests.plans import query_plan

    monkeypatch.setattr(HomeView, "mission_limit", 2)
    for n in range(3):
        MissionFactory(country=CountryFactory(name=f"Land {n}"))
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    (count,) = [query["sql"] for query in queries if "FILTER (WHERE" in query["sql"] or "CASE WHEN" in query["sql"]]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "relations_mission")
    indexed = set(constraints["relations_m_publica_a5628c_idx"]["columns"])
    read = set(re.findall(r'"relations_mission"\."(\w+)"', count))
    assert read and read <= indexed, read - indexed
    if connection.vendor == "sqlite":  # PostgreSQL's choice between this and the list's index is its own
        plan = " ".join(str(row) for row in query_plan(count))
        assert "SEARCH relations_mission USING COVERING INDEX" in plan, plan


def test_sitemap_index_is_what_djangos_index_view_writes(client, world, rf, monkeypatch):
    """The index is written without a template, for speed; it must not differ by a byte from Django's."""
    from django.contrib.sitemaps import views as django_sitemaps

    from relations import sitemaps

    monkeypatch.setattr(sitemaps.PublishedSitemap, "limit", 2)  # several pages per section
    ours = client.get("/sitemap.xml")
    django_response = django_sitemaps.index(
        rf.get("/sitemap.xml"), sitemaps=sitemaps.SITEMAPS, sitemap_url_name="sitemap-section"
    )
    django_response.render()
    assert ours.content == django_response.content
    assert ours.content.count(b"?p=2</loc>") >= 2
    assert ours["X-Robots-Tag"] == django_response["X-Robots-Tag"]


def test_sitemap_pages_by_id_range_list_every_published_record_once(client, world, monkeypatch):
    from relations import sitemaps

    monkeypatch.setattr(sitemaps.PublishedSitemap, "limit", 2)
    for extra in range(5):
        EventFactory(slug=f"more-{extra}", publication=models.Publication.DRAFT if extra % 2 else "published")
    index = html(client.get("/sitemap.xml"))
    pages = re.findall(r"<loc>http://testserver(/sitemap-events\.xml(?:\?p=\d+)?)</loc>", index)
    listed = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        listed += re.findall(r"<loc>http://testserver/events/([^/]+)/</loc>", html(response))
    published = models.Event.objects.published().values_list("slug", flat=True)
    assert sorted(listed) == sorted(published)
    ids = models.Event.objects.published().values_list("pk", flat=True)
    assert len(pages) == -(-(max(ids) - min(ids) + 1) // 2)
    assert client.get(f"/sitemap-events.xml?p={len(pages) + 1}").status_code == 404
    assert client.get("/sitemap-events.xml?p=two").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/events/",
        "/events/?era=old-era&country=alphaland&kind=treaty&date_after=1900-01-01&date_before=2000-12-31",
        "/events/?date_after=yesterday&kind=nope",
        "/missions/?direction=in_afghanistan&city=Kabul%20%22%3Cold%3E%22&country=alphaland",
        "/missions/?status=nope",
        "/countries/?q=%3Cb%3E%26&region=nope",
    ],
)
def test_filter_forms_render_as_django_does(client, world, monkeypatch, url):
    """The filter forms write their labels and inputs in Python (relations/filters.py): the page is
    byte for byte what Django's own templates write, errors and awkward values included."""
    from django import forms

    from relations import filters

    fast = client.get(url)
    assert isinstance(fast.context["filter"].form, filters.FastLabelsForm)
    cache.clear()
    monkeypatch.setattr(filters.FastLabelsForm, "render", forms.Form.render)
    monkeypatch.setattr(filters.FastInput, "render", forms.widgets.Input.render)
    django_made = client.get(url)
    assert fast.status_code == django_made.status_code
    assert '<label for="id_' in html(fast)
    assert html(fast) == html(django_made)


def use_template_loop(settings, tmp_path, template, tag, loop=None):
    """Serve ``relations/<template>`` with the template code ``loop`` where it has ``tag`` (or, with ``tag`` a
    dict, each key's code where it has the key): the markup a tag written in Python must equal, byte for byte."""
    source = (settings.BASE_DIR / "templates" / "relations" / template).read_text()
    for call, code in (tag if isinstance(tag, dict) else {tag: loop}).items():
        assert call in source
        source = source.replace(call, code)
    (tmp_path / "relations").mkdir()
    (tmp_path / "relations" / template).write_text(source)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def assert_same_pages(fast, looped, tmp_path):
    """Each page written with the Python tag is byte for byte the one written with the template code."""
    for made_fast, made_by_loop in zip(fast, looped, strict=True):
        assert str(tmp_path) in made_by_loop.templates[0].origin.name  # the page came from the loop
        assert made_fast.status_code == made_by_loop.status_code == 200
        assert html(made_fast) == html(made_by_loop)


def read_and_previewed(staff_client, url, language="en"):
    """``url`` as a reader and as staff previewing drafts see it, in ``language``, rendered afresh."""
    cache.clear()
    return (
        Client().get(url, HTTP_ACCEPT_LANGUAGE=language),
        staff_client.get(url, HTTP_ACCEPT_LANGUAGE=language),
    )


HEADS_LOOP = (
    '{% for h in m.visible_heads|slice:":3" %}{{ h.name }}, {{ h.title }}{% if h.started_on %}, {% translate "from" %} '
    '{{ h.started_on|precise_date:h.started_on_precision }}{% endif %}{% if h.ended_on %} {% translate "to" %} '
    "{{ h.ended_on|precise_date:h.ended_on_precision }}{% endif %}{% cite h %}{% if not forloop.last %}<br>{% endif %}"
    "{% endfor %}"
)


MISSION_ROW_LOOP = (
    '<tr id="mission-{{ m.slug }}"><th scope="row"><a href="{{ m.country.get_absolute_url }}">{{ m.name }}</a>'
    '{% cite m %}{% if previewing and m.publication != "published" %} <span class="draft-badge">'
    '{% translate "draft" %}</span>{% endif %}{% if m.staff_represent %}<br><span class="staff">'
    '{% translate "Staff represent:" %} {{ m.get_staff_represent_display }}</span>{% endif %}</th>'
    "<td>{{ m.get_status_display }}</td><td>{% if m.opened_on or m.closed_on %}"
    '{% date_span m "opened_on" "closed_on" "" %}{% endif %}</td><td>' + HEADS_LOOP + "</td></tr>"
)


def test_missions_and_their_heads_are_written_as_the_template_loops_wrote_them(staff_client, settings, tmp_path):
    """The missions list writes each row (``mission_row``) and each mission's heads (``heads_of_mission``) in
    Python: the page is byte for byte the one the template loops wrote, footnote numbers, awkward names,
    missing dates, staff, statuses and drafts included, to readers and to staff previewing drafts."""
    country = CountryFactory(name="Ruritania")
    mission = MissionFactory(country=country, city="Strelsau", opened_on=datetime.date(1920, 1, 1))
    terms = [
        ("Rudolf <the> \"Red\" & 'Elphberg'", datetime.date(1890, 1, 1), "year", None, ""),
        ("Flavia", datetime.date(1901, 3, 1), "month", datetime.date(1905, 7, 14), "day"),
        ("Sapt", None, "", datetime.date(1899, 1, 1), "year"),
        ("Fritz von Tarlenheim", datetime.date(1880, 5, 2), "day", datetime.date(1889, 1, 1), "year"),
    ]
    for name, started, started_precision, ended, ended_precision in terms:
        HeadOfMissionFactory(
            mission=mission,
            name=name,
            title="Envoy <extraordinary> & plenipotentiary",
            started_on=started,
            started_on_precision=started_precision,
            ended_on=ended,
            ended_on_precision=ended_precision,
        )
    MissionFactory(country=country, city="Zenda", opened_on=None, closed_on=None)  # no heads, no dates
    MissionFactory(
        country=CountryFactory(name="Syldavia & <Borduria>"),
        city="Klow",
        direction=models.MissionDirection.OF_AFGHANISTAN,
        staff_represent=models.AfghanGovernment.choices[-1][0],
        status=models.MissionStatus.CLOSED,
        opened_on=datetime.date(1950, 1, 1),
        closed_on=datetime.date(2021, 8, 15),
    )
    MissionFactory(country=country, city="Drafted", publication=models.Publication.DRAFT)

    def pages():
        return read_and_previewed(staff_client, "/missions/")

    fast = pages()
    page = html(fast[0])
    assert "Rudolf &lt;the&gt; &quot;Red&quot; &amp; &#x27;Elphberg&#x27;, Envoy &lt;extraordinary&gt;" in page
    assert "Fritz von Tarlenheim" not in page  # the earliest of four: only the latest three are listed
    assert 'class="staff"' in page and "Syldavia &amp; &lt;Borduria&gt;" in page
    assert "Drafted" in html(fast[1]) and "Drafted" not in page

    use_template_loop(settings, tmp_path, "mission_list.html", "{% mission_row m heads_shown %}", MISSION_ROW_LOOP)
    assert_same_pages(fast, pages(), tmp_path)


def _reference_list_by_format_html(footnotes):
    """The reference list as ``reference_list`` wrote it until the eleventh session: every item through
    format_html. Kept here as the oracle the faster markup must equal."""
    from django.utils.html import escape, format_html, format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    from relations.footnotes import format_reference

    items = []
    for ref in footnotes.references:
        several = len(ref.uses) > 1
        label = escape(_("Back to citation %(n)s") % {"n": ref.number})
        backlinks = mark_safe(
            "".join(
                f'<a href="#{use}" aria-label="{label} ({position:d})">↑<sup>{position:d}</sup></a> '
                if several
                else f'<a href="#{use}" aria-label="{label}">↑</a> '
                for position, use in enumerate(ref.uses, start=1)
            )
        )
        citation = ref.citation
        quote = format_html('<q class="quote">{}</q>', citation.quote) if citation.quote else ""
        items.append(
            format_html(
                '<li id="{}" value="{}"><span class="backlinks">{}</span> {} {} '
                '<a class="source-link" href="{}">{}</a></li>',
                f"ref-{ref.number}",
                ref.number,
                backlinks,
                format_reference(citation.source, locator=citation.locator),
                quote,
                citation.source.get_absolute_url(),
                _("About this source"),
            )
        )
    return format_html(
        '<section class="references" aria-labelledby="references-heading"><h2 id="references-heading">{}</h2>'
        '<ol class="reference-list">{}</ol></section>',
        _("References"),
        format_html_join("", "{}", ((item,) for item in items)),
    )


@pytest.mark.parametrize("language", ["en", "fa"])
def test_reference_list_is_written_as_format_html_wrote_it(language):
    """``reference_list`` joins strings instead of calling format_html per reference: the markup is the
    same, awkward titles, quotes and locators escaped, a reference cited once and one cited twice, a
    source read as a row (footnotes) and one read as a model instance (the key ``format_reference``
    memoises on is the same), in English and in Dari."""
    from django.utils import translation

    from relations.footnotes import Footnotes, SourceRow, format_reference
    from relations.templatetags.relations_tags import reference_list

    awkward = SourceFactory(title='Treaties <"old"> & new', authors="O'Brien, Anne", publisher="A & B")
    plain = SourceFactory(title="Plain")
    events = EventFactory.create_batch(3, cited=False)
    quoted = cite(events[0], awkward, locator="p. <1> & 2")
    quoted.quote = '"Friendship" <for ever> & a day'
    quoted.save()
    cite(events[1], awkward, locator="p. <1> & 2")  # the same reference, cited twice
    cite(events[1], plain, locator="")
    cite(events[2], awkward, locator="ch. 3")
    footnotes = Footnotes.load(events)
    for event in events:
        footnotes.cite(event)
    assert len(footnotes.references) == 3
    assert all(type(ref.citation.source) is SourceRow for ref in footnotes.references)
    with translation.override(language):
        written = str(reference_list({"footnotes": footnotes}))
        assert written == str(_reference_list_by_format_html(footnotes))
        assert format_reference(footnotes.references[0].citation.source, "p. <1> & 2") == format_reference(
            awkward, "p. <1> & 2"
        )
    assert "&lt;for ever&gt;" in written and "Treaties &lt;&quot;old&quot;&gt; &amp; new" in written


COUNTRY_LOOP = (
    '{% for c in countries %}<li><a href="{{ c.get_absolute_url }}">{{ c.name }}</a>{% if c.kind != "state" %} '
    '<span class="kind">({{ c.get_kind_display }})</span>{% endif %}'
    '{% if previewing and c.publication != "published" %} <span class="draft-badge">{% translate "draft" %}</span>'
    "{% endif %}<br><span class=\"status s-{{ c.status_on|default:'unknown' }}\">{% if c.status_on %}"
    '{{ c.status_on_label }}{% else %}{% translate "no information" %}{% endif %}</span>'
    '{% if c.relations_established_on %} <span class="since">{% translate "relations since" %} '
    "{{ c.relations_established_on|precise_date:c.relations_established_on_precision }}</span>{% endif %}</li>"
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_countries_are_written_as_the_template_loop_wrote_them(staff_client, settings, tmp_path, language):
    """The countries page writes its entries in Python (``country_cards``): the page is byte for byte the one
    the template loop wrote, for every kind, status, precision, draft and awkward name, to readers and to
    staff previewing drafts."""
    on = datetime.date(2025, 7, 10)
    cases = [
        ("Ruritania <the> \"Red\" & 'Elphberg'", models.CountryKind.STATE, models.RelationStatus.DIPLOMATIC, "year"),
        ("Grand Fenwick", models.CountryKind.FORMER_STATE, models.RelationStatus.SUSPENDED, "month"),
        ("League of <Nations>", models.CountryKind.ORGANISATION, models.RelationStatus.RECOGNITION, "day"),
        ("Syldavia", models.CountryKind.STATE, None, None),
    ]
    for name, kind, status, precision in cases:
        country = CountryFactory(name=name, kind=kind, region=models.Region.EUROPE)
        if status:
            RelationPeriodFactory(
                country=country,
                status=models.RelationStatus.DIPLOMATIC,
                starts_on=datetime.date(1921, 2, 28),
                starts_on_precision=precision,
                ends_on=datetime.date(1950, 1, 1),
            )
            RelationPeriodFactory(country=country, status=status, starts_on=datetime.date(1950, 1, 1), ends_on=None)
    CountryFactory(name="Borduria", publication=models.Publication.DRAFT, region=models.Region.EUROPE)
    reader = Client()

    def pages():
        cache.clear()
        with time_machine.travel(datetime.datetime.combine(on, datetime.time(12), tzinfo=datetime.UTC), tick=False):
            read = reader.get("/countries/", HTTP_ACCEPT_LANGUAGE=language)
            previewed = staff_client.get("/countries/", HTTP_ACCEPT_LANGUAGE=language)
        return read, previewed

    fast = pages()
    assert "Ruritania &lt;the&gt; &quot;Red&quot; &amp; &#x27;Elphberg&#x27;" in html(fast[0])
    assert "Borduria" in html(fast[1]) and "Borduria" not in html(fast[0])

    use_template_loop(settings, tmp_path, "country_list.html", "{% country_cards countries %}", COUNTRY_LOOP)
    assert_same_pages(fast, pages(), tmp_path)


EVENT_LOOP = (
    '<span class="date">{{ e.date|precise_date:e.date_precision }}</span> '
    '<a href="{{ e.get_absolute_url }}">{{ e.title }}</a>{% cite e %}'
    '{% if previewing and e.publication != "published" %} <span class="draft-badge">{% translate "draft" %}</span>'
    '{% endif %} <span class="meta">{{ e.get_kind_display|capfirst }}{% if e.era_slug %} · '
    '<a href="{{ e.era_url }}">{{ e.era_name }}</a>{% endif %}{% for c in e.visible_countries %}'
    '{% if forloop.first %} · {% endif %}<a href="{{ c.get_absolute_url }}">{{ c.name }}</a>'
    "{% if not forloop.last %}, {% endif %}{% endfor %}</span>"
)


def test_events_are_written_as_the_template_loop_wrote_them(staff_client, settings, tmp_path):
    """The events list writes each entry in Python (``event_item``): the page is byte for byte the one the
    template wrote, footnote numbers, eras, countries, drafts and awkward titles included, to readers and
    to staff previewing drafts."""
    EraFactory(name="The <Great> Game", starts_on=datetime.date(1800, 1, 1), ends_on=datetime.date(1900, 1, 1))
    shared = SourceFactory()
    countries = [CountryFactory(name="Ruritania & Co"), CountryFactory(name="Syldavia")]
    for n, (title, date, precision, kind, linked) in enumerate(
        [
            ('Treaty of <Gandamak> & "friends"', datetime.date(1879, 5, 26), "day", models.EventKind.TREATY, 2),
            ("A visit", datetime.date(1950, 6, 1), "month", models.EventKind.VISIT, 1),
            ("No era, no country", datetime.date(1700, 1, 1), "year", models.EventKind.CONFLICT, 0),
        ]
    ):
        event = EventFactory(title=title, date=date, date_precision=precision, kind=kind, countries=countries[:linked])
        cite(event, shared, locator=f"p. {n}")
    EventFactory(title="Drafted", publication=models.Publication.DRAFT, countries=countries)

    def pages():
        return read_and_previewed(staff_client, "/events/")

    fast = pages()
    assert "Treaty of &lt;Gandamak&gt; &amp; &quot;friends&quot;" in html(fast[0])
    assert "The &lt;Great&gt; Game</a> · <a href=" in html(fast[0])  # its era, then its countries
    assert "Drafted" in html(fast[1]) and "Drafted" not in html(fast[0])

    use_template_loop(settings, tmp_path, "event_list.html", "{% event_item e %}", EVENT_LOOP)
    assert_same_pages(fast, pages(), tmp_path)


MISSION_LOOP = (
    '<ul class="missions">{% for m in missions %}<li id="mission-{{ m.slug }}"><strong>'
    "{{ m.get_kind_display|capfirst }}, {{ m.city }}</strong>{% cite m %}"
    '{% if previewing and m.publication != "published" %} <span class="draft-badge">{% translate "draft" %}</span>'
    '{% endif %} — {% if m.opened_on or m.closed_on %}{% date_span m "opened_on" "closed_on" "" %} '
    '(<span class="mission-status">{{ m.get_status_display }}</span>){% else %}'
    '<span class="mission-status">{{ m.get_status_display }}</span>{% endif %}'
    '{% disputed m "opened_on" as differ %}{% if differ %} {{ differ }}{% endif %}'
    '{% if m.staff_represent %}<br><span class="staff">{% translate "Staff represent:" %} '
    "{{ m.get_staff_represent_display }}</span>{% endif %}"
    '{% if m.visible_heads %}<ul class="heads">{% for h in m.visible_heads %}<li>{{ h.name }}, {{ h.title }} '
    '({% date_span h "started_on" "ended_on" "" %}){% cite h %}</li>{% endfor %}</ul>{% endif %}</li>'
    '{% empty %}<li>{% translate "None recorded." %}</li>{% endfor %}</ul>'
)
PERIOD_LOOP = (
    '{% for p in periods %}<tr><th scope="row"><span class="status s-{{ p.status }}">{{ p.get_status_display }}'
    '</span>{% cite p %}{% if previewing and p.publication != "published" %} <span class="draft-badge">'
    '{% translate "draft" %}</span>{% endif %}</th><td>{% date_span p "starts_on" "ends_on" %} '
    '{% disputed p "starts_on" %} {% disputed p "ends_on" %}</td><td>{% if p.era %}'
    '<a href="{{ p.era.get_absolute_url }}">{{ p.era.name }}</a>{% endif %}</td><td>{{ p.summary|markdown }}</td>'
    "</tr>{% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_country_missions_and_periods_are_written_as_the_template_loops_wrote_them(
    staff_client, settings, tmp_path, language
):
    """A country page writes its status periods (``period_rows``) and missions (``mission_items``) in Python:
    the page is byte for byte the one the template loops wrote: footnote numbers (shared sources, differing
    dates and their sources), drafts, eras, open and unknown dates, staff, heads and awkward names
    included, to readers and to staff previewing drafts."""
    EraFactory(name="The <Great> Game", starts_on=datetime.date(1800, 1, 1), ends_on=datetime.date(1900, 1, 1))
    shared = SourceFactory(title="Shared & <cited>")
    country = CountryFactory(name="Ruritania & <Co>", slug="ruritania")
    first = RelationPeriodFactory(
        country=country,
        status=models.RelationStatus.DIPLOMATIC,
        starts_on=datetime.date(1850, 3, 1),
        starts_on_precision="month",
        ends_on=datetime.date(1950, 1, 1),
        summary="Friendly, *on the whole* & <b>cordial</b>.",
    )
    cite(first, shared, locator="p. 1")
    date_claim(first, "starts_on", datetime.date(1850, 3, 1), "month", preferred=True, source=shared)
    date_claim(first, "starts_on", datetime.date(1851, 1, 1), "year")
    date_claim(first, "ends_on", datetime.date(1950, 1, 1), preferred=True)
    date_claim(first, "ends_on", datetime.date(1949, 1, 1), "year", source=SourceFactory(title="Dissenting"))
    RelationPeriodFactory(
        country=country, status=models.RelationStatus.SUSPENDED, starts_on=datetime.date(1950, 1, 1), ends_on=None
    )
    RelationPeriodFactory(
        country=country,
        status=models.RelationStatus.RECOGNITION,
        starts_on=datetime.date(1949, 1, 1),
        ends_on=datetime.date(1949, 6, 1),
        publication=models.Publication.DRAFT,
    )
    embassy = MissionFactory(
        country=country,
        city="Strelsau <old> & new",
        direction=models.MissionDirection.IN_AFGHANISTAN,
        opened_on=datetime.date(1922, 5, 1),
        opened_on_precision="month",
    )
    cite(embassy, shared, locator="p. 1")  # the same reference as the first period's
    date_claim(embassy, "opened_on", datetime.date(1922, 5, 1), "month", preferred=True)
    date_claim(embassy, "opened_on", datetime.date(1923, 1, 1), "year", source=shared)
    for name, started, ended in [
        ("Rudolf <the> \"Red\" & 'Elphberg'", datetime.date(1922, 6, 1), datetime.date(1930, 1, 1)),
        ("Sapt", None, None),
        ("Flavia", datetime.date(1930, 2, 1), None),
    ]:
        HeadOfMissionFactory(mission=embassy, name=name, title="Envoy & <minister>", started_on=started, ended_on=ended)
    MissionFactory(
        country=country,
        city="Zenda",
        direction=models.MissionDirection.OF_AFGHANISTAN,
        opened_on=None,
        closed_on=None,
        staff_represent=models.AfghanGovernment.choices[-1][0],
    )
    MissionFactory(
        country=country,
        city="Drafted",
        direction=models.MissionDirection.OF_AFGHANISTAN,
        publication=models.Publication.DRAFT,
        status=models.MissionStatus.CLOSED,
        closed_on=datetime.date(1990, 1, 1),
    )

    def pages():
        return read_and_previewed(staff_client, "/countries/ruritania/", language)

    fast = pages()
    assert "Strelsau &lt;old&gt; &amp; new" in html(fast[0]) and "<em>on the whole</em>" in html(fast[0])
    assert (
        'class="staff"' in html(fast[0])
        and 'class="disputed"' in html(fast[0])
        and "The &lt;Great&gt; Game</a>" in html(fast[0])
    )
    assert "Drafted" in html(fast[1]) and "Drafted" not in html(fast[0])
    assert html(fast[0]).count('class="disputed"') == 4  # established, a period's start and end, a mission's opening
    assert html(fast[0]).count('class="draft-badge"') == 0 < html(fast[1]).count('class="draft-badge"')

    loops = {
        "{% period_rows periods %}": PERIOD_LOOP,
        "{% mission_items missions_in %}": "{% with missions=missions_in %}" + MISSION_LOOP + "{% endwith %}",
        "{% mission_items missions_of %}": "{% with missions=missions_of %}" + MISSION_LOOP + "{% endwith %}",
    }
    use_template_loop(settings, tmp_path, "country_detail.html", loops)
    assert_same_pages(fast, pages(), tmp_path)


ERA_STATUS_LOOP = (
    '{% for row in rows %}<li><a href="{{ row.country.get_absolute_url }}">{{ row.country.name }}</a>: '
    '{% for p in row.periods %}<span class="status s-{{ p.status }}">{{ p.get_status_display }}</span> '
    '{% date_span p "starts_on" "ends_on" %}{% cite p %}{% if not forloop.last %}; {% endif %}{% endfor %}'
    '{% if row.more %}; <a href="{{ row.country.get_absolute_url }}">{% blocktranslate count n=row.more %}'
    "{{ n }} more change{% plural %}{{ n }} more changes{% endblocktranslate %}</a>{% endif %}</li>{% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_era_statuses_are_written_as_the_template_loop_wrote_them(staff_client, settings, tmp_path, language):
    """An era page writes each region's counterparts in Python (``era_status_items``): the page is byte for
    byte the one the template loop wrote: one period or several, one more change or many, open periods,
    shared footnotes, drafts and awkward names, to readers and to staff previewing drafts."""
    EraFactory(name="Interwar", slug="interwar", starts_on=datetime.date(1919, 1, 1), ends_on=datetime.date(1939, 1, 1))
    shared = SourceFactory()
    ruritania = CountryFactory(name="Ruritania & <Co>", region=models.Region.EUROPE)
    for n, status in enumerate(["diplomatic", "suspended", "diplomatic", "severed", "informal"]):
        period = RelationPeriodFactory(
            country=ruritania,
            status=status,
            starts_on=datetime.date(1920 + 2 * n, 1, 1),
            starts_on_precision="year" if n % 2 else "day",
            ends_on=datetime.date(1922 + 2 * n, 1, 1),
        )
        cite(period, shared, locator="p. 1")
    syldavia = CountryFactory(name="Syldavia", region=models.Region.EUROPE)
    RelationPeriodFactory(country=syldavia, status="recognition", starts_on=datetime.date(1925, 1, 1), ends_on=None)
    for n in range(4):
        RelationPeriodFactory(
            country=CountryFactory(name=f"Borduria {n}", region=models.Region.ASIA),
            status="diplomatic",
            starts_on=datetime.date(1921 + n, 1, 1),
            ends_on=datetime.date(1930, 1, 1) if n else None,
            publication=models.Publication.DRAFT if n == 3 else models.Publication.PUBLISHED,
        )

    def pages():
        return read_and_previewed(staff_client, "/eras/interwar/", language)

    fast = pages()
    assert "Ruritania &amp; &lt;Co&gt;</a>: " in html(fast[0]) and "Syldavia</a>: " in html(fast[0])
    assert "Borduria 3" in html(fast[1]) and "Borduria 3" not in html(fast[0])

    use_template_loop(settings, tmp_path, "era_detail.html", "{% era_status_items rows %}", ERA_STATUS_LOOP)
    assert_same_pages(fast, pages(), tmp_path)


BIBLIOGRAPHY_LOOP = (
    '<li id="source-{{ source.slug }}">{{ reference }}{% if previewing and source.publication != "published" %} '
    '<span class="draft-badge">{% translate "draft" %}</span>{% endif %}<br><span class="cited-by">'
    '{% translate "Cited by:" %} {% for obj in citing %}<a href="{{ obj.get_absolute_url }}">{{ obj }}</a>'
    '{% if not forloop.last %}; {% endif %}{% empty %}{% translate "nothing published yet" %}{% endfor %}'
    '{% if citing|length >= 6 %} …{% endif %}</span> · <a href="{{ source.get_absolute_url }}">'
    '{% translate "Details" %}<span class="visually-hidden">: {{ source.title }}</span></a></li>'
)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_bibliography_entries_are_written_as_the_template_loop_wrote_them(staff_client, settings, tmp_path, language):
    """The sources list writes each entry in Python (``bibliography_entry``): the page is byte for byte the one
    the template loop wrote: sources cited by nothing, by one record, by more than an entry names, by every
    kind of record (and by a date claim), drafts and awkward titles, to readers and to staff."""
    country = CountryFactory(name="Ruritania & <Co>")
    era = EraFactory(name="The <Great> Game")
    period = RelationPeriodFactory(country=country, starts_on=datetime.date(1921, 2, 28), ends_on=None)
    mission = MissionFactory(country=country, city="Strelsau")
    head = HeadOfMissionFactory(mission=mission, name='Rudolf <the> "Red"', title="Envoy & minister")
    events = [EventFactory(title=f'Treaty <{n}> & "more"', date=datetime.date(1900 + n, 1, 1)) for n in range(7)]
    awkward = SourceFactory(title='Treaties <"old"> & new', authors="O'Brien, Anne", slug="a-awkward")
    for record in (country, era, period, mission, head):
        cite(record, awkward)
    many = SourceFactory(title="Cited by many", slug="b-many")
    for event in events:
        cite(event, many)
    claimed = SourceFactory(title="Cited by a date claim", slug="c-claimed")
    date_claim(events[0], "date", datetime.date(1900, 1, 2), source=claimed)
    SourceFactory(title="Cited by nothing", slug="d-nothing")
    cite(EventFactory(title="Drafted", publication=models.Publication.DRAFT), SourceFactory(slug="e-by-a-draft"))
    SourceFactory(title="A draft source", slug="f-draft", publication=models.Publication.DRAFT)

    def pages():
        return read_and_previewed(staff_client, "/sources/", language)

    fast = pages()
    page = html(fast[0])
    assert "Rudolf &lt;the&gt; &quot;Red&quot;, Envoy &amp; minister</a>" in page and " …</span>" in page
    assert "A draft source" in html(fast[1]) and "A draft source" not in page
    assert "Drafted" in html(fast[1]) and "Drafted" not in page

    use_template_loop(
        settings, tmp_path, "source_list.html", "{% bibliography_entry source reference citing %}", BIBLIOGRAPHY_LOOP
    )
    assert_same_pages(fast, pages(), tmp_path)


def test_organisations_page_lists_the_first_events_and_says_so(client, world, monkeypatch):
    from relations.views import OrganisationListView

    monkeypatch.setattr(OrganisationListView, "event_limit", 1)
    page = html(client.get("/organisations/"))
    assert "The first 1 event; each organisation" in page
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert timeline.count("<li>") == 1
    monkeypatch.setattr(OrganisationListView, "event_limit", 50)
    cache.clear()  # the same page, served from the page cache otherwise
    assert "each organisation" not in html(client.get("/organisations/"))


def test_organisations_page_lists_an_event_of_several_organisations_once(client, world):
    other = CountryFactory(slug="test-alliance", name="Test Alliance", kind=models.CountryKind.ORGANISATION, region="")
    models.Event.objects.get(slug="utn-resolution").countries.add(other)
    page = html(client.get("/organisations/"))
    assert "Test Alliance" in page
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert timeline.count("Resolution of the United Test Nations") == 1


# --- what cites a source, however often it is cited -----------------------------------------


def test_what_readers_see_cite_a_source_is_what_the_records_own_querysets_let_them_see(staff_client):
    """The page filters a source's citations in SQL (compiled once a process); the oracle is each record's
    ``visible_to``, with a date claim's citation standing for its record."""
    from relations.views import citing_citations

    source = SourceFactory()
    draft_country = CountryFactory(publication="draft")
    records = [
        EraFactory(),
        EraFactory(publication="draft"),
        CountryFactory(),
        draft_country,
        RelationPeriodFactory(),
        RelationPeriodFactory(publication="draft"),
        MissionFactory(),
        MissionFactory(publication="draft", country=draft_country),
        HeadOfMissionFactory(),
        HeadOfMissionFactory(publication="draft"),
        EventFactory(),
        EventFactory(publication="draft"),
    ]
    for record in records:
        cite(record, source)
    for record in records[-2:] + records[4:6]:
        date_claim(
            record,
            "date" if isinstance(record, models.Event) else "starts_on",
            datetime.date(1950, 1, 1),
            source=source,
        )
    cite(SourceFactory(), SourceFactory())  # a citation of something else entirely is never among them
    reader = Client().get("/").wsgi_request.user

    def oracle(user):
        result = set()
        for citation in models.Citation.objects.filter(source=source):
            record = citation.content_object
            if isinstance(record, models.DateClaim):
                record = record.content_object
            if type(record).objects.visible_to(user).filter(pk=record.pk).exists():
                result.add(citation.pk)
        return result

    seen = set(citing_citations([source.pk], reader).values_list("pk", flat=True))
    assert seen == oracle(reader) and 0 < len(seen) < source.citations.count()
    staff = staff_client.get("/").wsgi_request.user
    assert set(citing_citations([source.pk], staff).values_list("pk", flat=True)) == oracle(staff)
    assert oracle(staff) == set(source.citations.values_list("pk", flat=True))


def test_a_source_page_lists_what_cites_it_a_page_at_a_time(staff_client, monkeypatch):
    from relations.views import SourceDetailView

    monkeypatch.setattr(SourceDetailView, "citing_per_page", 3)
    source = SourceFactory(slug="much-cited")
    published = [EventFactory(title=f"Published {n}") for n in range(5)]
    drafts = [EventFactory(title=f"Draft {n}", publication="draft") for n in range(4)]
    for event in published + drafts:
        cite(event, source)
    client = Client()  # a reader (``staff_client`` signs in pytest's ``client``)
    pages = [html(client.get("/sources/much-cited/")), html(client.get("/sources/much-cited/?page=2"))]
    # The drafts are not counted; the pages are named, and their links land on the list.
    assert "What cites this source: page 1 of 2" in pages[0] and "What cites this source: page 2 of 2" in pages[1]
    assert 'aria-label="What cites this source: pages"' in pages[0]
    assert 'href="?page=2#citing-heading"' in pages[0] and 'href="?page=1#citing-heading"' in pages[1]
    assert sum(page.count(": Published ") for page in pages) == 5
    assert '<link rel="canonical" href="http://testserver/sources/much-cited/?page=2">' in pages[1]
    assert not any("Draft " in page for page in pages)
    assert client.get("/sources/much-cited/?page=3").status_code == 404
    assert client.get("/sources/much-cited/?page=two").status_code == 404
    preview = html(staff_client.get("/sources/much-cited/?page=3"))
    assert "What cites this source: page 3 of 3" in preview and preview.count('<span class="kind">(event)</span>') == 3


def test_a_source_entry_names_its_first_citing_records_however_often_it_is_cited(client):
    from relations.views import SourceListView

    source = SourceFactory(slug="much-cited", title="A much cited book")
    for n in range(2 * SourceListView.citing_shown + 3):  # drafts first, then more published than shown
        cite(EventFactory(title=f"Draft {n}", publication="draft"), source)
    for n in range(2 * SourceListView.citing_shown + 3):
        cite(EventFactory(title=f"Published {n}"), source)
    page = html(client.get("/sources/"))
    entry = page.split('id="source-much-cited"')[1].split("</li>")[0]
    assert entry.count(">1 June 1950: Published ") == SourceListView.citing_shown
    assert "Draft" not in entry and " …</span>" in entry


def test_readers_citations_are_checked_record_by_record_not_against_every_published_record():
    """Under ``OR``, an ``EXISTS`` per kind let PostgreSQL hash every published record of each kind for a
    bibliography page (34 ms at scale 100), and ``IN`` made SQLite list them: each is a lookup by key."""
    from relations.views import citing_citations
    from tests.plans import query_plan

    source = SourceFactory()
    for _ in range(3):
        cite(EventFactory(), source)
        cite(MissionFactory(), source)
    reader = Client().get("/").wsgi_request.user
    sql, params = citing_citations([source.pk], reader).values_list("pk").query.sql_with_params()
    plan = " ".join(str(row) for row in query_plan(sql, disable=(), params=params))
    assert "hashed SubPlan" not in plan and "LIST SUBQUERY" not in plan, plan


def test_a_country_page_lists_its_status_periods_a_page_at_a_time(staff_client, monkeypatch):
    """However long a history grows, a country page footnotes one page of it; the timeline, the status
    today and the date relations were established still read every period, on every page."""
    from relations.views import CountryDetailView

    monkeypatch.setattr(CountryDetailView, "periods_per_page", 2)
    country = CountryFactory(slug="longland", name="Longland")
    diplomatic, severed = models.RelationStatus.DIPLOMATIC, models.RelationStatus.SEVERED
    statuses = [diplomatic, severed, diplomatic, severed, diplomatic]
    periods = []
    for n, status in enumerate(statuses):  # 1900–1910, 1910–1920, …, 1940 to today
        ends_on = datetime.date(1910 + 10 * n, 1, 1) if n < len(statuses) - 1 else None
        period = RelationPeriodFactory(
            country=country, status=status, starts_on=datetime.date(1900 + 10 * n, 1, 1), ends_on=ends_on, cited=False
        )
        cite(period, SourceFactory(title=f"Book of period {n}"))
        periods.append(period)
    RelationPeriodFactory(
        country=country, starts_on=datetime.date(1905, 1, 1), ends_on=datetime.date(1906, 1, 1), publication="draft"
    )
    client = Client()  # a reader (``staff_client`` signs in pytest's ``client``)
    pages = [html(client.get(f"/countries/longland/?page={n}")) for n in (1, 2, 3)]
    for number, page in enumerate(pages, start=1):
        # Under the table, naming what it pages; its links land on the table, not the top of the page.
        assert f"Status periods: page {number} of 3" in page and 'aria-label="Status periods: pages"' in page
        assert (f'href="?page={number + 1}#timeline-heading"' in page) == (number < 3)
        table = page.split('<table class="periods">')[1].split("</table>")[0]
        starts = [re.search(r'<time datetime="(\d{4})', row).group(1) for row in table.split("<tr>")[2:]]
        assert starts == [str(1900 + 10 * n) for n in range(5)][2 * (number - 1) : 2 * number]
        assert page.count('<rect class="s-') == 5  # the whole history in the timeline
        # The status today and the first establishment, footnoted on every page.
        assert "Book of period 0" in page and "Book of period 4" in page
        # No other period's source: the page footnotes the periods it lists.
        listed = {0, 4} | {2 * (number - 1), 2 * (number - 1) + 1} & set(range(5))
        for n in set(range(5)) - listed:
            assert f"Book of period {n}" not in page
    assert '<link rel="canonical" href="http://testserver/countries/longland/?page=2">' in pages[1]
    first = html(client.get("/countries/longland/"))
    assert '<link rel="canonical" href="http://testserver/countries/longland/">' in first
    assert "Book of period 1" in first and "Book of period 2" not in first
    assert client.get("/countries/longland/?page=4").status_code == 404
    assert client.get("/countries/longland/?page=two").status_code == 404
    preview = html(staff_client.get("/countries/longland/"))  # editors see the draft in its place
    table = preview.split('<table class="periods">')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert [re.search(r'<time datetime="(\d{4})', row).group(1) for row in rows] == ["1900", "1905"]
    assert "draft-badge" in rows[1] and "draft-badge" not in rows[0]
    assert "Status periods: page 1 of 3" in preview and preview.count('<rect class="s-') == 6


def _footnotes_by_the_orm(records, user):
    """What ``Footnotes.load`` read until it compiled its queries once a process: the oracle."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from relations.footnotes import CITATION_FIELDS, SOURCE_FIELDS

    wanted = Q()
    for record in records:
        wanted |= Q(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)
    claims = list(models.DateClaim.objects.filter(wanted).order_by("content_type", "object_id", "field", "date"))
    cited = wanted
    for claim in claims:
        cited |= Q(content_type=ContentType.objects.get_for_model(claim), object_id=claim.pk)
    rows = (
        models.Citation.objects.filter(cited)
        .with_visible_sources(user)
        .order_by("content_type", "object_id", "order", "pk")
        .values_list(*CITATION_FIELDS, *(f"source__{name}" for name in SOURCE_FIELDS))
    )
    return [claim.pk for claim in claims], [tuple(row) for row in rows]


def test_footnotes_read_what_the_orm_reads_for_every_number_of_kinds_and_every_viewer(staff_client):
    """``Footnotes.load`` runs two statements compiled once a process for each number of kinds of record
    (and, for the citations, for readers and for staff), binding a page's ids: every kind of record, with
    date claims and their own citations, draft sources, and dates read back as dates on either database."""
    from relations.footnotes import CITATION_FIELDS, Footnotes

    draft_source = SourceFactory(title="A draft source", publication="draft")
    dated = SourceFactory(title="Dated", published_on=datetime.date(1921, 3, 1), accessed_on=datetime.date(2024, 5, 1))
    era = EraFactory(slug="footnoted-era")
    country = CountryFactory(slug="footnoted")
    period = RelationPeriodFactory(country=country)
    mission = MissionFactory(country=country)
    head = HeadOfMissionFactory(mission=mission)
    events = EventFactory.create_batch(3)
    kinds = [[era], [country], [period], [mission], [head], events]
    for group in kinds:
        for record in group:
            cite(record, dated, locator=f"p. {record.pk}")
            cite(record, draft_source)
    date_claim(period, "starts_on", datetime.date(1921, 1, 1), source=dated)
    date_claim(period, "starts_on", datetime.date(1922, 1, 1), preferred=True, source=draft_source)
    date_claim(events[1], "date", datetime.date(1950, 6, 2), source=dated)
    reader = Client().get("/").wsgi_request.user
    staff = staff_client.get("/").wsgi_request.user
    assert not reader.is_staff and staff.is_staff
    for count in range(1, len(kinds) + 1):
        records = [record for group in kinds[:count] for record in group]
        for user in (reader, staff):
            footnotes = Footnotes.load(*kinds[:count], user=user)
            claims = sorted(claim.pk for found in footnotes._claims.values() for claim in found)
            rows = sorted(
                (*citation[: len(CITATION_FIELDS)], *citation.source[1:])
                for found in footnotes._citations.values()
                for citation in found
            )
            expected_claims, expected_rows = _footnotes_by_the_orm(records, user)
            assert claims == sorted(expected_claims)
            assert rows == sorted(expected_rows) and rows
            assert any({datetime.date(2024, 5, 1), datetime.date(1921, 3, 1)} <= set(row) for row in rows)
            assert ("A draft source" in str(rows)) == user.is_staff


def test_footnotes_find_a_pages_citations_by_index_under_or():
    """Each kind is ``content type = %s AND object id IN/ANY(one parameter)``: PostgreSQL made
    ``IN (SELECT unnest(%s))`` a hashed subplan over every citation of the kind (93 ms a page at scale 100)."""
    from django.contrib.contenttypes.models import ContentType

    from relations.footnotes import citations_statement
    from tests.plans import query_plan

    events, missions = EventFactory.create_batch(3), MissionFactory.create_batch(2)
    kinds = sorted(
        (ContentType.objects.get_for_model(type(group[0])).pk, {record.pk for record in group})
        for group in (events, missions)
    )
    sql, params = citations_statement("default", 2, None).bind(kinds)
    plan = " ".join(str(row) for row in query_plan(sql, disable=("enable_seqscan",), params=params))
    assert "SubPlan" not in plan and "SCAN relations_citation" not in plan, plan
    assert "relations_citation" in plan and ("Index" in plan or "USING INDEX" in plan), plan


def test_the_missions_of_todays_era_are_read_along_their_dates_index():
    """Today's era has no end: bounded above by the last date there is, its missions are a range of the
    ``opened_on`` (``closed_on``) index on SQLite too, which guessed that a range open at one end held a
    quarter of the table and read every country's missions instead (10 ms at scale 100 for 8 of them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MissionFactory
    from tests.plans import query_plan

    EraFactory(slug="today", name="Today", starts_on=datetime.date(2021, 8, 15), ends_on=None)
    countries = [CountryFactory(name=f"Land {n}") for n in range(40)]
    models.Mission.objects.bulk_create(
        models.Mission(
            slug=f"m-{country.pk}-{day}",
            country=country,
            direction=models.MissionDirection.IN_AFGHANISTAN,
            kind=models.MissionKind.CONSULATE,
            city=f"City {day}",
            opened_on=datetime.date(1900, 1, 1) + datetime.timedelta(days=day * 365),
            status=models.MissionStatus.OPEN,
            publication=models.Publication.PUBLISHED,
        )
        for country in countries
        for day in range(0, 100, 2)
    )
    MissionFactory(country=countries[-1], city="New", opened_on=datetime.date(2022, 3, 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        page = html(Client().get("/eras/today/"))
    opened = page.split("<h3>Opened</h3>", 1)[1].split("</ul>", 1)[0]
    assert "Embassy of Land 39 in New" in opened and "City" not in opened
    for column in ("opened_on", "closed_on"):
        (sql,) = [q["sql"] for q in queries if 'FROM "relations_mission"' in q["sql"] and f'"{column}" >=' in q["sql"]]
        plan = " ".join(str(row) for row in query_plan(sql))
        assert f"relations_mission_{column}" in plan, plan


def test_the_status_periods_of_todays_era_are_read_along_their_ends_index():
    """A period belongs to today's era, which has no end, if it is open or ends after the era began. With
    that end bounded on one side only, SQLite walked every published period in (country, start) order,
    the order of the page's windows, rather than read the few such periods from the ``ends_on`` index
    (3.7 → 0.5 ms at scale 100); bounded by the last date there is, it reads the index (asked with
    parameters, as the page asks it: a literal date changes SQLite's guess)."""
    from django.db import connection

    from tests.plans import query_plan

    EraFactory(slug="today", name="Today", starts_on=datetime.date(2021, 8, 15), ends_on=None)
    countries = [CountryFactory(name=f"Land {n}") for n in range(40)]
    models.RelationPeriod.objects.bulk_create(
        models.RelationPeriod(
            country=country,
            status=models.RelationStatus.DIPLOMATIC if year % 4 else models.RelationStatus.SUSPENDED,
            starts_on=datetime.date(1900 + year, 1, 1),
            ends_on=datetime.date(1901 + year, 1, 1) if year < 120 else None,
            publication=models.Publication.PUBLISHED,
        )
        for country in countries
        for year in range(0, 121, 2)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    asked = []

    def keep(execute, sql, params, many, context):
        asked.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        page = html(Client().get("/eras/today/"))
    statuses = page.split('id="status-heading"', 1)[1].split("</section>")[0]
    # (Dates as the <time> elements give them: the factories' slugs carry numbers too, country-1900 among them.)
    assert "Land 39" in statuses and 'datetime="1900' not in statuses and 'datetime="2020' in statuses
    ((sql, params),) = [(q, p) for q, p in asked if 'FROM "relations_relationperiod"' in q and "OVER" in q]
    plan = " ".join(str(row) for row in query_plan(sql, params=params))
    if connection.vendor == "sqlite":
        assert "relations_relationperiod_ends_on" in plan, plan


def test_an_eras_first_periods_are_read_with_sql_compiled_once_an_era_as_the_queryset_reads_them():
    """``first_periods_of_era`` compiles ``first_periods_queryset`` once for each era (its dates), reader
    or staff, and makes the rows periods through ``raw``: the periods, their fields, what is deferred and
    the three window annotations are the queryset's, for an era with an end and one without, a draft
    period and a draft country (staff see both, readers neither), more periods than the page lists; an
    era whose dates change is compiled afresh."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relations import views

    closed = EraFactory(slug="closed", starts_on=datetime.date(1900, 1, 1), ends_on=datetime.date(1950, 1, 1))
    today = EraFactory(slug="open", starts_on=datetime.date(1950, 1, 1), ends_on=None)
    hidden = CountryFactory(name="Hidden", publication=models.Publication.DRAFT)
    statuses = list(models.RelationStatus)
    for number, country in enumerate([*CountryFactory.create_batch(3), hidden]):
        for year in range(1890, 2000, 9):
            RelationPeriodFactory(
                country=country,
                status=statuses[(year + number) % len(statuses)],
                starts_on=datetime.date(year, 1, 1),
                ends_on=datetime.date(year + 9, 1, 1) if year < 1988 else None,
                publication=models.Publication.DRAFT if year == 1935 else models.Publication.PUBLISHED,
                cited=False,
            )
    staff = UserFactory(username="era-editor", is_staff=True)

    def seen(periods):
        return [
            (p.pk, p.country_id, p.status, p.starts_on, p.starts_on_precision, p.ends_on, p.ends_on_precision)
            + (p.publication, p.unverified, p.created_at, p.updated_at, p.version)
            + (p.position, p.in_era, p.best_rank, frozenset(p.get_deferred_fields()))
            for p in periods
        ]

    views._first_periods_statements.statements.clear()
    for era in (closed, today):
        for viewer in (AnonymousUser(), staff):
            expected = seen(views.first_periods_queryset(era, viewer, 3))
            with CaptureQueriesContext(connection) as queries:
                first = seen(views.first_periods_of_era(era, viewer, 3))
                again = seen(views.first_periods_of_era(era, viewer, 3))
            assert first == again == expected and len(queries) == 2
            assert {row[-1] for row in first} == {frozenset({"summary", "editor_notes"})}
            assert any(row[-3] > 3 for row in first)  # a country with more periods in the era than are listed
            assert (hidden.pk in {row[1] for row in first}) == (viewer is staff)
    assert len(views._first_periods_statements.statements) == 4

    compiled = []
    original = views.first_periods_queryset

    def counting(*args):
        compiled.append(args)
        return original(*args)

    views.first_periods_queryset = counting
    try:
        views.first_periods_of_era(closed, AnonymousUser(), 3)
        assert compiled == []  # the era's statement is kept
        closed.ends_on = datetime.date(1940, 1, 1)
        closed.save()
        moved = seen(views.first_periods_of_era(closed, AnonymousUser(), 3))
        assert len(compiled) == 1 and moved == seen(original(closed, AnonymousUser(), 3))
        assert max(row[3] for row in moved) < datetime.date(1940, 1, 1)
    finally:
        views.first_periods_queryset = original


def test_successor_codes_are_read_with_sql_compiled_once_as_the_queryset_reads_them():
    """The map's successor codes: a published former state's successors with a code, a draft former
    state's only for staff, a successor without a code left out; compiled once for readers and once for
    staff, each answering as the ORM's query does."""
    from collections import defaultdict

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relations import views

    union = CountryFactory(name="Old Union", kind="former_state", iso_numeric="810")
    draft = CountryFactory(name="Draft Union", kind="former_state", publication=models.Publication.DRAFT)
    east, west, nameless = (
        CountryFactory(name="East", iso_numeric="643"),
        CountryFactory(name="West", iso_numeric="804"),
        CountryFactory(name="Nameless", iso_numeric=None),
    )
    union.successors.set([east, west, nameless])
    draft.successors.set([west])
    staff = UserFactory(username="map-editor", is_staff=True)

    def through_the_orm(user):
        codes = defaultdict(list)
        for from_id, code in models.Country.successors.through.objects.filter(
            from_country__in=models.Country.objects.visible_to(user), to_country__iso_numeric__isnull=False
        ).values_list("from_country_id", "to_country__iso_numeric"):
            codes[from_id].append(code)
        return {key: sorted(value) for key, value in codes.items()}

    views._successor_statements.statements.clear()
    for user in (AnonymousUser(), staff, AnonymousUser()):
        with CaptureQueriesContext(connection) as queries:
            codes = {key: sorted(value) for key, value in views.successor_codes(user).items()}
        assert codes == through_the_orm(user) and len(queries) == 1
        assert codes[union.pk] == ["643", "804"] and (draft.pk in codes) == (user is staff)
    assert len(views._successor_statements.statements) == 2


def test_the_home_pages_countries_are_read_with_sql_compiled_once_a_day_as_the_queryset_reads_them():
    """The countries of the home page's map with their status on a date: the queryset's countries,
    fields, deferred fields and status, for readers and for staff (a draft country; a draft period, which
    the status never reads),
    on a date inside a period, between two and before any; one statement a day for each."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relations import views

    land, hidden = CountryFactory(name="Land"), CountryFactory(name="Hidden", publication=models.Publication.DRAFT)
    for country in (land, hidden):
        RelationPeriodFactory(country=country, starts_on=datetime.date(1920, 1, 1), ends_on=datetime.date(1930, 1, 1))
        RelationPeriodFactory(
            country=country,
            status=models.RelationStatus.SUSPENDED,
            starts_on=datetime.date(1935, 1, 1),
            publication=models.Publication.DRAFT,
        )
    staff = UserFactory(username="home-editor", is_staff=True)

    def seen(countries):
        return [
            (c.pk, c.name, c.slug, c.kind, c.iso_numeric, c.status_on, frozenset(c.get_deferred_fields()))
            for c in countries
        ]

    views._countries_with_status_statements.statements.clear()
    for on in (datetime.date(1925, 6, 1), datetime.date(1940, 1, 1), datetime.date(1900, 1, 1)):
        for user in (AnonymousUser(), staff):
            expected = seen(views.countries_with_status_queryset(user, on))
            with CaptureQueriesContext(connection) as queries:
                assert seen(views.countries_with_status_on(user, on)) == expected
            assert len(queries) == 1 and (hidden.pk in {row[0] for row in expected}) == (user is staff)
            statuses = {row[0]: row[5] for row in expected}
            if on.year == 1925:
                assert statuses[land.pk] == models.RelationStatus.DIPLOMATIC
            if on.year == 1940:  # the status is read from published periods only, for staff as for readers
                assert statuses[land.pk] is None
    assert len(views._countries_with_status_statements.statements) == 6
