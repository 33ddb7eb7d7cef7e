"""Writing through the API: the admin's roles, the model's validation, publication rules and history."""

import datetime
import json

import pytest

from relations import models

from .api_support import client_for, make_user
from .factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

DRAFT = models.Publication.DRAFT
PUBLISHED = models.Publication.PUBLISHED
ROLES = ("anonymous", "reader", "editor", "publisher", "superuser")


def event_payload(**overrides):
    source = SourceFactory(slug="matrix-source")
    country = CountryFactory(slug="matrix-country")
    payload = {
        "slug": "new-event",
        "title": "A new event",
        "date": "1921-02-28",
        "date_precision": "day",
        "kind": "treaty",
        "countries": [country.slug],
        "citations": [{"source": source.slug, "locator": "p. 3"}],
    }
    payload.update(overrides)
    return payload


# The permission matrix: expected status for each role, per operation.
MATRIX = {
    "list": (200, 200, 200, 200, 200),
    "retrieve": (200, 200, 200, 200, 200),
    "create_draft": (401, 403, 201, 201, 201),
    "create_published": (401, 403, 403, 201, 201),
    "patch_draft": (401, 403, 200, 200, 200),
    "put_draft": (401, 403, 200, 200, 200),
    "publish_draft": (401, 403, 403, 200, 200),
    "patch_published": (401, 403, 403, 200, 200),
    "put_published": (401, 403, 403, 200, 200),
    "unpublish": (401, 403, 403, 200, 200),
    "delete_draft": (401, 403, 204, 204, 204),
    "delete_published": (401, 403, 403, 204, 204),
}


def perform(client, operation):
    published = EventFactory(slug="published-event", publication=PUBLISHED)
    draft = EventFactory(slug="draft-event", publication=DRAFT)
    put_body = {"slug": "renamed", "title": "Renamed", "date": "1950-06-01", "kind": "visit"}
    calls = {
        "list": lambda: client.get("/api/v1/events/"),
        "retrieve": lambda: client.get(f"/api/v1/events/{published.slug}/"),
        "create_draft": lambda: client.post("/api/v1/events/", event_payload(), format="json"),
        "create_published": lambda: client.post("/api/v1/events/", event_payload(publication=PUBLISHED), format="json"),
        "patch_draft": lambda: client.patch(f"/api/v1/events/{draft.slug}/", {"title": "Edited"}, format="json"),
        "put_draft": lambda: client.put(f"/api/v1/events/{draft.slug}/", put_body, format="json"),
        "publish_draft": lambda: client.patch(
            f"/api/v1/events/{draft.slug}/", {"publication": PUBLISHED}, format="json"
        ),
        "patch_published": lambda: client.patch(
            f"/api/v1/events/{published.slug}/", {"title": "Edited"}, format="json"
        ),
        "put_published": lambda: client.put(f"/api/v1/events/{published.slug}/", put_body, format="json"),
        "unpublish": lambda: client.patch(f"/api/v1/events/{published.slug}/", {"publication": DRAFT}, format="json"),
        "delete_draft": lambda: client.delete(f"/api/v1/events/{draft.slug}/"),
        "delete_published": lambda: client.delete(f"/api/v1/events/{published.slug}/"),
    }
    return calls[operation]()


@pytest.mark.parametrize("operation", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, operation):
    client = client_for(make_user(role))
    response = perform(client, operation)
    assert response.status_code == MATRIX[operation][ROLES.index(role)], response.content


@pytest.mark.parametrize("operation", ["create_published", "publish_draft", "patch_published", "delete_published"])
def test_refused_writes_change_nothing(operation):
    client = client_for(make_user("editor"))
    perform(client, operation)
    assert not models.Event.objects.filter(slug="new-event").exists()
    assert models.Event.objects.get(slug="draft-event").publication == DRAFT
    published = models.Event.objects.get(slug="published-event")
    assert (published.version, published.publication) == (1, PUBLISHED)


def test_session_authentication_also_works_for_writes():
    client = client_for(make_user("editor"), token=False)
    assert client.post("/api/v1/events/", event_payload(), format="json").status_code == 201


# Every resource can be written


def write_cases():
    return {
        "eras": lambda: {
            "slug": "new-era",
            "name": "A new era",
            "starts_on": "2100-01-01",
            "starts_on_precision": "year",
            "summary": "s",
            "narrative": "n",
        },
        "countries": lambda: {"slug": "new-country", "name": "New Country", "kind": "state", "iso2": "zz"},
        "relations": lambda: {
            "country": CountryFactory(slug="c").slug,
            "status": "diplomatic",
            "starts_on": "1921-01-01",
            "starts_on_precision": "year",
            "citations": [{"source": SourceFactory(slug="s").slug}],
        },
        "missions": lambda: {
            "slug": "new-mission",
            "country": CountryFactory(slug="c").slug,
            "direction": "of_afghanistan",
            "kind": "embassy",
            "city": "Paris",
            "citations": [{"source": SourceFactory(slug="s").slug}],
        },
        "heads-of-mission": lambda: {
            "mission": MissionFactory(slug="m").slug,
            "name": "Envoy",
            "title": "Ambassador",
            "citations": [{"source": SourceFactory(slug="s").slug}],
        },
        "events": event_payload,
        "sources": lambda: {"slug": "new-source", "kind": "web", "title": "A page", "web_url": "https://example.org/"},
    }


@pytest.mark.parametrize("resource", list(write_cases()))
def test_publisher_creates_and_publishes_each_kind_of_record(resource):
    client = client_for(make_user("publisher"))
    payload = {**write_cases()[resource](), "publication": PUBLISHED}
    response = client.post(f"/api/v1/{resource}/", payload, format="json")
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["publication"] == PUBLISHED
    assert response["Location"] == item["url"]
    assert type(response["Location"]) is str
    assert client_for(None).get(item["url"]).status_code == 200


def test_country_codes_are_normalised_by_the_model():
    client = client_for(make_user("editor"))
    response = client.post("/api/v1/countries/", write_cases()["countries"](), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["iso2"] == "ZZ"


# Validation: the model's rules, as 400s with field errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": "1921-02-28", "date_precision": "month"}, "date"),
        ({"date": "1921-02-30"}, "date"),
        ({"kind": "party"}, "kind"),
        ({"countries": ["no-such-country"]}, "countries"),
        ({"countries": ["Not a slug!"]}, "countries"),
        ({"citations": [{"source": "no-such-source"}]}, "citations"),
        ({"citations": [{"source": "matrix-source"}, {"source": "matrix-source"}]}, "citations"),
        ({"slug": "existing"}, "slug"),
        ({"title": ""}, "title"),
        ({"publication": "archived"}, "publication"),
    ],
)
def test_invalid_event_is_refused_with_field_errors(overrides, field):
    EventFactory(slug="existing")
    client = client_for(make_user("publisher"))
    response = client.post("/api/v1/events/", event_payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_end_before_start_is_refused():
    client = client_for(make_user("editor"))
    payload = {**write_cases()["relations"](), "ends_on": "1920-01-01", "ends_on_precision": "year"}
    response = client.post("/api/v1/relations/", payload, format="json")
    assert response.status_code == 400
    assert "ends_on" in response.json()


def test_overlapping_status_periods_are_refused():
    country = CountryFactory(slug="c")
    RelationPeriodFactory(country=country, starts_on=datetime.date(1920, 1, 1))
    client = client_for(make_user("editor"))
    payload = {"country": "c", "status": "severed", "starts_on": "1930-01-01", "starts_on_precision": "year"}
    response = client.post("/api/v1/relations/", payload, format="json")
    assert response.status_code == 400
    assert "overlap" in response.json()["non_field_errors"][0]


def test_afghan_mission_cannot_be_in_afghanistan():
    client = client_for(make_user("editor"))
    payload = {**write_cases()["missions"](), "city": "Kabul"}
    response = client.post("/api/v1/missions/", payload, format="json")
    assert response.status_code == 400
    assert "city" in response.json()


def test_constraint_violations_are_field_errors_not_server_errors():
    client = client_for(make_user("editor"))
    payload = {**write_cases()["missions"](), "direction": "in_afghanistan", "staff_represent": "islamic_republic"}
    response = client.post("/api/v1/missions/", payload, format="json")
    assert response.status_code == 400
    assert "staff_represent" in response.json()


def test_afghanistan_is_not_a_counterpart():
    client = client_for(make_user("editor"))
    payload = {"slug": "af", "name": "Afghanistan", "kind": "state", "iso2": "AF"}
    response = client.post("/api/v1/countries/", payload, format="json")
    assert response.status_code == 400
    assert "iso2" in response.json()


def test_source_link_errors_use_the_api_field_name():
    client = client_for(make_user("editor"))
    payload = {"slug": "bad-link", "kind": "web", "title": "t", "web_url": "ftp://example.org/"}
    response = client.post("/api/v1/sources/", payload, format="json")
    assert response.status_code == 400
    assert "web_url" in response.json()


@pytest.mark.parametrize(
    ("isbn", "accepted"),
    [
        ("978-0-300-08340-8", True),  # hyphens and spaces are allowed, ISBN-13 or ISBN-10
        ("0 300 08340 8", True),
        ("978-0-300-08340-9", False),  # wrong check digit
        ("12345", False),
    ],
)
def test_an_isbn_is_checked_before_it_is_saved(isbn, accepted):
    client = client_for(make_user("editor"))
    payload = {"slug": "a-book", "kind": "book", "title": "A book", "publisher": "A press", "isbn": isbn}
    response = client.post("/api/v1/sources/", payload, format="json")
    if accepted:
        assert response.status_code == 201, response.json()
        assert models.Source.objects.get(slug="a-book").isbn == isbn
    else:
        assert response.status_code == 400
        assert "not a valid ISBN" in response.json()["isbn"][0]
        assert not models.Source.objects.filter(slug="a-book").exists()


def test_malformed_json_is_a_400():
    client = client_for(make_user("editor"))
    response = client.generic("POST", "/api/v1/events/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_form_encoded_bodies_are_refused():
    client = client_for(make_user("editor"))
    response = client.post("/api/v1/events/", {"title": "x"})
    assert response.status_code == 415


@pytest.mark.parametrize("text", ["nul\x00byte", "lone \ud800 surrogate"])
def test_text_postgresql_cannot_store_is_refused(text):
    client = client_for(make_user("editor"))
    # json.dumps escapes the surrogate as \\ud800, as a client would send it.
    body = json.dumps(event_payload(title=text))
    response = client.generic("POST", "/api/v1/events/", body, content_type="application/json")
    assert response.status_code == 400
    assert not models.Event.objects.filter(slug="new-event").exists()


# Publication rules


def test_publishing_an_uncited_claim_is_refused_and_rolled_back():
    client = client_for(make_user("publisher"))
    response = client.post("/api/v1/events/", event_payload(citations=[], publication=PUBLISHED), format="json")
    assert response.status_code == 400
    assert "citation" in response.json()["publication"][0]
    assert not models.Event.objects.filter(slug="new-event").exists()


def test_publishing_an_unverified_record_is_refused():
    client = client_for(make_user("publisher"))
    response = client.post("/api/v1/events/", event_payload(unverified=True, publication=PUBLISHED), format="json")
    assert response.status_code == 400
    assert "publication" in response.json()


def test_removing_the_last_citation_of_a_published_claim_is_refused():
    event = EventFactory(slug="cited")
    client = client_for(make_user("publisher"))
    response = client.patch("/api/v1/events/cited/", {"citations": []}, format="json")
    assert response.status_code == 400
    assert event.citations.count() == 1


def test_citations_are_replaced_in_the_order_given():
    event = EventFactory(slug="e", publication=DRAFT)
    first, second = SourceFactory(slug="first"), SourceFactory(slug="second")
    client = client_for(make_user("editor"))
    payload = {"citations": [{"source": "second", "locator": "p. 2", "quote": "words"}, {"source": "first"}]}
    response = client.patch("/api/v1/events/e/", payload, format="json")
    assert response.status_code == 200, response.content
    assert [(c["source"]["slug"], c["locator"], c["quote"]) for c in response.json()["citations"]] == [
        ("second", "p. 2", "words"),
        ("first", "", ""),
    ]
    assert list(event.citations.values_list("source", flat=True)) == [second.pk, first.pk]


def test_editor_sees_drafts_only_when_asking():
    EventFactory(slug="draft", publication=DRAFT)
    editor = client_for(make_user("editor"))
    assert editor.get("/api/v1/events/").json()["count"] == 0
    response = editor.get("/api/v1/events/?include_drafts=true")
    assert [item["slug"] for item in response.json()["results"]] == ["draft"]
    assert "no-store" in response["Cache-Control"]
    assert editor.get("/api/v1/events/draft/?include_drafts=1").status_code == 200


def test_drafts_are_refused_to_those_who_may_not_see_them():
    assert client_for(None).get("/api/v1/events/?include_drafts=true").status_code == 401
    assert client_for(make_user("reader")).get("/api/v1/events/?include_drafts=true").status_code == 403


# History, concurrency and deletion


def test_token_write_is_recorded_in_history_with_its_author():
    editor = make_user("editor")
    client = client_for(editor)
    client.post("/api/v1/events/", event_payload(), format="json")
    client.patch("/api/v1/events/new-event/", {"title": "Edited"}, format="json")
    history = list(models.Event.objects.get(slug="new-event").history.all())
    assert (history[-1].history_type, history[-1].title) == ("+", "A new event")
    assert (history[0].history_type, history[0].title) == ("~", "Edited")
    assert {h.history_user for h in history} == {editor}
    assert history[-1].history_change_reason == "edited through the API"


def test_deletion_is_recorded_in_history_with_its_author():
    publisher = make_user("publisher")
    event = EventFactory(slug="gone")
    client_for(publisher).delete("/api/v1/events/gone/")
    last = models.Event.history.filter(id=event.pk).first()
    assert (last.history_type, last.history_user) == ("-", publisher)


def test_stale_version_is_refused_with_409():
    event = EventFactory(slug="e", publication=DRAFT)
    client = client_for(make_user("editor"))
    read = client.get("/api/v1/events/e/?include_drafts=true").json()
    event.title = "Changed by a colleague"
    event.save()
    response = client.patch("/api/v1/events/e/", {"title": "Mine", "version": read["version"]}, format="json")
    assert response.status_code == 409
    as_text = client.patch("/api/v1/events/e/", {"title": "Mine", "version": str(read["version"])}, format="json")
    assert as_text.status_code == 409
    event.refresh_from_db()
    assert event.title == "Changed by a colleague"
    current = client.patch("/api/v1/events/e/", {"title": "Mine", "version": event.version}, format="json")
    assert current.status_code == 200
    assert current.json()["version"] == event.version + 1


def test_record_others_refer_to_cannot_be_deleted():
    country = CountryFactory(slug="c", publication=DRAFT)
    RelationPeriodFactory(country=country)
    response = client_for(make_user("editor")).delete("/api/v1/countries/c/")
    assert response.status_code == 409
    assert "relation status periods" in response.json()["detail"]
    source = SourceFactory(slug="cited", publication=DRAFT)
    EventFactory(cited=False).citations.create(source=source)
    assert client_for(make_user("editor")).delete("/api/v1/sources/cited/").status_code == 409


def test_deleting_a_mission_deletes_its_heads():
    head = HeadOfMissionFactory(mission=MissionFactory(slug="m"))
    assert client_for(make_user("publisher")).delete("/api/v1/missions/m/").status_code == 204
    assert not models.HeadOfMission.objects.filter(pk=head.pk).exists()


def test_era_overlap_is_refused():
    EraFactory(starts_on=datetime.date(1919, 1, 1), ends_on=None)
    payload = {**write_cases()["eras"](), "starts_on": "1990-01-01"}
    response = client_for(make_user("editor")).post("/api/v1/eras/", payload, format="json")
    assert response.status_code == 400
    assert "overlap" in response.json()["non_field_errors"][0]
