"""The admin's lists and forms: every model is there, pages run a constant number of queries,
and every rule of the record shows up as a form error, never a 500."""

import datetime

import pytest
from django.contrib.admin.sites import site

from relations import models
from tests.admin_support import admin_url, count_queries, form_data
from tests.factories import (
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
from tests.plans import query_plan

pytestmark = pytest.mark.django_db

ALL_MODELS = (
    models.Source,
    models.Era,
    models.Country,
    models.RelationPeriod,
    models.Mission,
    models.HeadOfMission,
    models.Event,
    models.Citation,
    models.DateClaim,
)


def make_rows(model, n, start=0):
    """``n`` rows of ``model``, each with its related rows, so list pages have something to join (of citations
    and date claims, ``n`` of each kind of record they are attached to)."""
    rows = []
    for i in range(start, start + n):
        if model is models.Source:
            rows.append(SourceFactory())
        elif model is models.Era:
            rows.append(EraFactory(starts_on=datetime.date(1000 + i, 1, 1), ends_on=datetime.date(1001 + i, 1, 1)))
        elif model is models.Country:
            country = CountryFactory()
            cite(country)
            country.successors.add(CountryFactory())
            rows.append(country)
        elif model is models.RelationPeriod:
            rows.append(RelationPeriodFactory())
        elif model is models.Mission:
            rows.append(MissionFactory())
        elif model is models.HeadOfMission:
            rows.append(HeadOfMissionFactory())
        elif model is models.Event:
            rows.append(EventFactory(countries=[CountryFactory(), CountryFactory()]))
        elif model is models.Citation:
            # Of each kind of record: the names of missions and status periods read their country.
            for record in (EventFactory(cited=False), MissionFactory(cited=False), RelationPeriodFactory(cited=False)):
                rows.append(cite(record))
        elif model is models.DateClaim:
            date = datetime.date(1950, 6, 2 + i % 20)
            for record, field in (
                (EventFactory(), "date"),
                (MissionFactory(), "opened_on"),
                (RelationPeriodFactory(), "starts_on"),
            ):
                rows.append(date_claim(record, field, date))
    return rows


def test_every_model_of_the_record_is_in_the_admin():
    for model in ALL_MODELS:
        assert model in site._registry, model


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_runs_a_constant_number_of_queries_as_rows_grow(publisher_client, model):
    make_rows(model, 2)
    url = admin_url(model, "changelist")
    publisher_client.get(url)  # warm per-process caches (content types, session)
    few, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    make_rows(model, 12, start=2)
    many, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 14
    assert many == few


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_search_and_filters_answer_without_error(publisher_client, model):
    make_rows(model, 2)
    url = admin_url(model, "changelist")
    response = publisher_client.get(url, {"q": "test"})
    assert response.status_code == 200
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            assert publisher_client.get(url + choice["query_string"]).status_code == 200


@pytest.mark.parametrize(
    "model",
    (models.Event, models.Mission, models.Country, models.RelationPeriod, models.Era, models.HeadOfMission),
    ids=lambda m: m._meta.model_name,
)
def test_change_form_runs_a_constant_number_of_queries_as_citations_grow(publisher_client, model):
    record = make_rows(model, 1)[0]
    url = admin_url(model, "change", record.pk)
    publisher_client.get(url)  # warm per-process caches (content types, session)
    few, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    for _ in range(10):
        cite(record)
    if model is models.Country:
        for _ in range(5):
            RelationPeriodFactory(
                country=record, starts_on=datetime.date(1800 + _ * 10, 1, 1), ends_on=datetime.date(1805 + _ * 10, 1, 1)
            )
            MissionFactory(country=record)
    if model is models.Mission:
        for _ in range(5):
            HeadOfMissionFactory(mission=record)
    if model is models.Event:
        record.countries.add(*CountryFactory.create_batch(5))
    many, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    assert many == few


def test_change_form_offers_view_on_site(publisher_client):
    event = EventFactory()
    response = publisher_client.get(admin_url(models.Event, "change", event.pk))
    assert response.context["has_absolute_url"]
    assert "View on site" in response.content.decode()


def test_event_changelist_shows_the_era_derived_from_the_date(publisher_client):
    EraFactory(name="Independence", starts_on=datetime.date(1919, 8, 8), ends_on=datetime.date(1978, 4, 27))
    EventFactory(title="Treaty of friendship", date=datetime.date(1950, 6, 1))
    response = publisher_client.get(admin_url(models.Event, "changelist"))
    assert "Independence" in response.content.decode()


def test_era_filter_keeps_only_events_of_that_era(publisher_client):
    era = EraFactory(slug="independence", starts_on=datetime.date(1919, 8, 8), ends_on=datetime.date(1978, 4, 27))
    inside = EventFactory(date=datetime.date(1950, 6, 1))
    outside = EventFactory(date=datetime.date(1990, 6, 1))
    response = publisher_client.get(admin_url(models.Event, "changelist"), {"era": era.slug})
    shown = list(response.context["cl"].result_list)
    assert inside in shown and outside not in shown


def test_uncited_filter_lists_claims_without_a_source(publisher_client):
    uncited = EventFactory(cited=False, publication="draft")
    cited = EventFactory()
    response = publisher_client.get(admin_url(models.Event, "changelist"), {"cited": "no"})
    shown = list(response.context["cl"].result_list)
    assert uncited in shown and cited not in shown


# Validation: form errors, never a 500 ------------------------------------------------------------


def post_change(client, obj, **changes):
    url = admin_url(type(obj), "change", obj.pk)
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def errors_of(response):
    assert response.status_code == 200, "expected the form again, with errors"
    form = response.context["adminform"].form
    messages = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        messages.extend(f"{name}: {e}" for e in errors)
    for formset in response.context["inline_admin_formsets"]:
        messages.extend(str(e) for e in formset.formset.non_form_errors())
        for form_errors in formset.formset.errors:
            for name, errors in form_errors.items():
                messages.extend(f"{name}: {e}" for e in errors)
    return " | ".join(messages)


def test_an_end_before_the_start_is_a_form_error(publisher_client):
    era = EraFactory()
    response = post_change(publisher_client, era, ends_on="1900-01-01")
    assert "end must come after the start" in errors_of(response)


def test_a_date_that_does_not_match_its_precision_is_a_form_error(publisher_client):
    event = EventFactory()
    response = post_change(publisher_client, event, date="1950-06-15", date_precision="year")
    assert "stored as 1 January" in errors_of(response)


def test_overlapping_eras_are_a_form_error(publisher_client):
    EraFactory(name="First", starts_on=datetime.date(1919, 1, 1), ends_on=datetime.date(1978, 1, 1))
    second = EraFactory(name="Second", starts_on=datetime.date(1978, 1, 1), ends_on=datetime.date(1992, 1, 1))
    response = post_change(publisher_client, second, starts_on="1970-01-01")
    assert "Eras may not overlap" in errors_of(response)


def test_overlapping_status_periods_of_one_country_are_a_form_error(publisher_client):
    country = CountryFactory()
    RelationPeriodFactory(country=country, starts_on=datetime.date(1920, 1, 1), ends_on=datetime.date(1950, 1, 1))
    later = RelationPeriodFactory(country=country, starts_on=datetime.date(1960, 1, 1), ends_on=None)
    response = post_change(publisher_client, later, starts_on="1940-01-01")
    assert "may not overlap" in errors_of(response)


def test_overlapping_status_periods_added_together_on_the_country_form_are_a_form_error(publisher_client):
    country = CountryFactory()
    url = admin_url(models.Country, "change", country.pk)
    data = form_data(publisher_client.get(url))
    prefix = "relation_periods"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-status": "diplomatic",
            f"{prefix}-0-starts_on": "1920-01-01",
            f"{prefix}-0-starts_on_precision": "day",
            f"{prefix}-0-ends_on_precision": "day",
            f"{prefix}-1-status": "severed",
            f"{prefix}-1-starts_on": "1930-01-01",
            f"{prefix}-1-starts_on_precision": "day",
            f"{prefix}-1-ends_on_precision": "day",
        }
    )
    response = publisher_client.post(url, data)
    assert "overlaps" in errors_of(response)
    assert not country.relation_periods.exists()


def test_an_afghan_mission_located_in_afghanistan_is_a_form_error(publisher_client):
    mission = MissionFactory(direction="of_afghanistan", city="Paris", staff_represent="islamic_republic")
    response = post_change(publisher_client, mission, city="Kabul")
    assert "cannot be located in Afghanistan" in errors_of(response)


def test_a_closing_date_on_an_open_mission_is_a_form_error(publisher_client):
    mission = MissionFactory()
    response = post_change(publisher_client, mission, closed_on="1990-01-01", closed_on_precision="day")
    assert "closed" in errors_of(response)


def test_a_wrong_isbn_is_a_form_error_and_changes_nothing(publisher_client):
    source = SourceFactory(isbn="")
    response = post_change(publisher_client, source, isbn="978-0-300-08340-9", title="Changed title")
    assert "isbn: “978-0-300-08340-9” is not a valid ISBN-10 or ISBN-13" in errors_of(response)
    source.refresh_from_db()
    assert (source.isbn, source.title) != ("978-0-300-08340-9", "Changed title")


def test_a_citation_without_a_source_is_a_form_error(publisher_client):
    event = EventFactory(cited=False, publication="draft")
    url = admin_url(models.Event, "change", event.pk)
    data = form_data(publisher_client.get(url))
    prefix = "relations-citation-content_type-object_id"
    data.update({f"{prefix}-0-locator": "p. 12", f"{prefix}-0-quote": "A quote."})
    response = publisher_client.post(url, data)
    assert "source: This field is required." in errors_of(response)
    assert not event.citations.exists()


def test_citing_the_same_source_at_the_same_place_twice_is_a_form_error(publisher_client):
    event = EventFactory(cited=False, publication="draft")
    source = SourceFactory()
    url = admin_url(models.Event, "change", event.pk)
    data = form_data(publisher_client.get(url))
    prefix = "relations-citation-content_type-object_id"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-source": source.pk,
            f"{prefix}-0-locator": "p. 12",
            f"{prefix}-0-order": "0",
            f"{prefix}-1-source": source.pk,
            f"{prefix}-1-locator": "p. 12",
            f"{prefix}-1-order": "1",
        }
    )
    response = publisher_client.post(url, data)
    assert "already cited at this place" in errors_of(response)


def test_a_database_constraint_shows_as_a_form_error(publisher_client):
    country = CountryFactory(kind="organisation", iso2=None)
    response = post_change(publisher_client, country, iso2="XU")
    assert "International organisations have no ISO 3166 code" in errors_of(response)


def test_a_duplicate_slug_is_a_form_error(publisher_client):
    EventFactory(slug="taken")
    event = EventFactory()
    response = post_change(publisher_client, event, slug="taken")
    assert "slug" in errors_of(response)


def test_a_citation_for_a_record_that_does_not_exist_is_a_form_error(publisher_client):
    from django.contrib.contenttypes.models import ContentType

    response = publisher_client.post(
        admin_url(models.Citation, "add"),
        {
            "content_type": ContentType.objects.get_for_model(models.Event).pk,
            "object_id": 999999,
            "source": SourceFactory().pk,
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert "no such record" in str(response.context["adminform"].form.errors)


def test_nonsense_in_the_changelist_query_string_is_not_a_500(publisher_client):
    EventFactory()
    for query in ({"date__gte": "not-a-date"}, {"era": "no-such-era"}, {"o": "99"}, {"p": "abc"}):
        response = publisher_client.get(admin_url(models.Event, "changelist"), query)
        assert response.status_code in (200, 302, 400)


def test_autocomplete_finds_countries_by_name(publisher_client):
    CountryFactory(name="Turkmenistan")
    response = publisher_client.get(
        "/admin/autocomplete/",
        {"term": "Turkmen", "app_label": "relations", "model_name": "mission", "field_name": "country"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Turkmenistan"]


def test_successor_states_are_only_for_a_former_state(publisher_client):
    state = CountryFactory(kind="state")
    other = CountryFactory()
    response = post_change(publisher_client, state, successors=[str(other.pk)])
    assert "Only a former state has successor states" in errors_of(response)


def test_a_former_state_cannot_succeed_itself(publisher_client):
    former = CountryFactory(kind="former_state")
    response = post_change(publisher_client, former, successors=[str(former.pk)])
    assert "cannot be its own successor" in errors_of(response)


def test_an_unreadable_import_file_is_a_form_error(publisher_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = publisher_client.post(
        admin_url(models.Event, "import"),
        {"import_file": SimpleUploadedFile("events.xlsx", b"\x00\x01 not a spreadsheet"), "format": 1, "resource": 0},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]


def test_the_source_changelist_reads_its_page_in_index_order(publisher_client):
    """The admin lists every source (drafts too) in the bibliography's order (author, or title without one);
    the page must come from an index in that order, not from sorting the whole table, which cost 17 ms a
    page at 90,000 sources."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        SourceFactory(authors=f"Author {n}")
    with CaptureQueriesContext(connection) as queries:
        assert publisher_client.get(admin_url(models.Source, "changelist")).status_code == 200
    page = next(q["sql"] for q in queries if 'FROM "relations_source"' in q["sql"] and "LIMIT" in q["sql"])
    order = ", ".join(f'"relations_source"."{column}" ASC' for column in ("sort_key", "title", "id"))
    assert f"ORDER BY {order}" in page
    if connection.vendor == "postgresql":
        plan = "\n".join(query_plan(page, disable=("enable_seqscan", "enable_sort")))
        assert "relations_s_sort_ke_4f1606_idx" in plan and "Sort" not in plan, plan
    else:
        plan = " ".join(str(row) for row in query_plan(page))
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_the_source_form_shows_where_the_bibliography_files_the_work(publisher_client):
    source = SourceFactory(authors="", title="«Талибан» и Сирия")
    page = publisher_client.get(admin_url(models.Source, "change", source.pk)).content.decode()
    assert "Filed under" in page and "талибан» и сирия" in page
    assert 'name="sort_key"' not in page  # kept by save(), not typed in


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.model_name)
def test_action_checkbox_matches_django(model, admin_client):
    """Every admin writes the row checkbox itself (relations/admin/base.py), as Django's widget would."""
    from django.contrib.admin import ModelAdmin

    obj = make_rows(model, 1)[0]
    if model is models.Source:  # a name that needs escaping in the label
        obj.title = 'The "Durand" <Line> & Afghanistan\'s borders'
        obj.save()
    model_admin = site._registry[model]
    ours = model_admin.action_checkbox(obj)
    assert ours == ModelAdmin.action_checkbox(model_admin, obj)
    assert 'name="_selected_action"' in ours and f'value="{obj.pk}"' in ours
    # And the list page has one per row, which the "select all" control of admin/actions.js finds.
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.content.decode().count('class="action-select"') == model._default_manager.count()


@pytest.mark.parametrize(
    ("model", "ordering"),
    [(models.Event, ordering) for ordering in ("", "o=2", "o=-2.1", "o=4")]
    + [
        (model, ordering)
        for model in (models.Mission, models.Source, models.HeadOfMission)
        for ordering in ("", "o=-1")
    ],
    ids=lambda value: getattr(value, "__name__", value) or "default",
)
def test_every_page_of_a_change_list_holds_the_rows_djangos_paginator_would(
    publisher_client, monkeypatch, model, ordering
):
    """The admin reads a page as the site does (``DeferredJoinPaginator``: keys first, the second half from
    the end); the rows and their order must be Django's own, page by page, in any column order."""
    from django.contrib.admin import site
    from django.core.paginator import Paginator

    from relations.paginator import DeferredJoinPaginator

    monkeypatch.setattr(site._registry[model], "list_per_page", 4)
    if model is models.Event:
        for n in range(11):
            EventFactory(
                title=f"Event {n % 3}", date=datetime.date(1950 + n % 4, 1, 1), kind=("treaty", "visit")[n % 2]
            )
    else:
        make_rows(model, 11)
    url = admin_url(model, "changelist")
    first = publisher_client.get(f"{url}?{ordering}").context["cl"]
    assert isinstance(first.paginator, DeferredJoinPaginator)
    expected = Paginator(first.queryset, 4)
    assert first.paginator.count == expected.count >= 11
    for number in range(1, expected.num_pages + 1):
        cl = publisher_client.get(f"{url}?{ordering}&p={number}").context["cl"]
        assert [row.pk for row in cl.result_list] == [row.pk for row in expected.page(number)], number
