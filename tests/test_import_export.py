"""Bulk import and export in the admin: preview, all-or-nothing, roles, and streamed exports."""

import io
import json

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BooleanField
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from relations import models
from tests.admin_support import admin_url, count_queries
from tests.factories import CountryFactory, EventFactory, MissionFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db

FORMAT = {"csv": 0, "xlsx": 1, "json": 2}
EVENT_HEADERS = ["slug", "title", "date", "date_precision", "kind", "countries", "publication"]


def upload(rows, headers, kind="csv"):
    dataset = tablib.Dataset(*rows, headers=headers)
    content = dataset.export(kind)
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(f"import.{kind}", content)


def preview(client, model, rows, headers, kind="csv"):
    """Step one of an import: the dry run the admin shows before anything is written."""
    return client.post(
        admin_url(model, "import"),
        {"import_file": upload(rows, headers, kind), "format": FORMAT[kind], "resource": 0},
    )


def confirm(client, model, response):
    form = response.context["confirm_form"]
    return client.post(admin_url(model, "process_import"), {name: form[name].value() for name in form.fields})


def row_errors(response):
    result = response.context["result"]
    errors = []
    for row in result.invalid_rows:
        for field, messages in row.field_specific_errors.items():
            errors.extend(f"row {row.number} {field}: {message}" for message in messages)
        errors.extend(f"row {row.number}: {message}" for message in row.non_field_specific_errors)
    for row_number, row_result in result.row_errors():
        errors.extend(f"row {row_number}: {error.error}" for error in row_result)
    return errors


@pytest.mark.parametrize("kind", ("csv", "xlsx", "json"))
def test_a_good_file_is_previewed_without_writing_then_imported_as_drafts(editor_client, kind):
    CountryFactory(slug="turkey")
    rows = [
        ("treaty-1921", "Turkish–Afghan treaty", "1921-03-01", "day", "treaty", "turkey", "draft"),
        ("visit-1928", "Royal visit", "1928-01-01", "year", "visit", "", "draft"),
    ]
    response = preview(editor_client, models.Event, rows, EVENT_HEADERS, kind)
    assert response.status_code == 200
    assert row_errors(response) == []
    assert not models.Event.objects.exists()
    assert "Royal visit" in response.content.decode()

    assert confirm(editor_client, models.Event, response).status_code == 302
    treaty = models.Event.objects.get(slug="treaty-1921")
    assert [c.slug for c in treaty.countries.all()] == ["turkey"]
    assert models.Event.objects.get(slug="visit-1928").date_precision == "year"
    assert set(models.Event.objects.values_list("publication", flat=True)) == {"draft"}
    assert treaty.history.first().history_user.username == "eddie"


def test_bad_rows_are_reported_with_row_numbers_and_field_names_and_nothing_is_written(publisher_client):
    existing = EventFactory(slug="kept", title="Kept title", publication="draft")
    rows = [
        ("kept", "Changed title", "1950-06-01", "day", "treaty", "", "draft"),
        ("bad-date", "Bad precision", "1950-06-15", "year", "treaty", "", "draft"),
        ("bad-kind", "Bad kind", "1950-06-01", "day", "picnic", "", "draft"),
        ("bad-country", "Unknown country", "1950-06-01", "day", "treaty", "atlantis", "draft"),
    ]
    response = preview(publisher_client, models.Event, rows, EVENT_HEADERS)
    errors = row_errors(response)
    assert any(e.startswith("row 2 date:") and "1 January" in e for e in errors), errors
    assert any(e.startswith("row 3 kind:") for e in errors), errors
    assert any(e.startswith("row 4") and "atlantis" in e for e in errors), errors
    assert "confirm_form" not in response.context
    existing.refresh_from_db()
    assert existing.title == "Kept title"
    assert models.Event.objects.count() == 1


def test_an_import_with_one_bad_row_changes_nothing_even_when_confirmed_directly(publisher_client):
    """The confirm step re-runs the file in one transaction and rolls back on any invalid row."""
    EventFactory(slug="kept", title="Kept title", publication="draft")
    good = [("kept", "Changed title", "1950-06-01", "day", "treaty", "", "draft")]
    response = preview(publisher_client, models.Event, good, EVENT_HEADERS)
    form = response.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    # Swap in a file with a bad row after the preview, as a stale or tampered upload would.
    from import_export.tmp_storages import TempFolderStorage

    bad = upload(good + [("new", "Bad", "1950-06-15", "year", "treaty", "", "draft")], EVENT_HEADERS)
    TempFolderStorage(name=data["import_file_name"], encoding="utf-8-sig", read_mode="r").save(bad.read().decode())
    publisher_client.post(admin_url(models.Event, "process_import"), data)
    assert models.Event.objects.get(slug="kept").title == "Kept title"
    assert not models.Event.objects.filter(slug="new").exists()


def test_an_editor_cannot_publish_by_import(editor_client):
    rows = [("treaty-1921", "Treaty", "1921-03-01", "day", "treaty", "", "published")]
    errors = row_errors(preview(editor_client, models.Event, rows, EVENT_HEADERS))
    assert any("row 1 publication: Only publishers may publish" in e for e in errors), errors
    assert not models.Event.objects.exists()


def test_an_editor_cannot_change_a_published_record_by_import(editor_client):
    EventFactory(slug="public", title="Public title")
    rows = [("public", "Vandalised", "1950-06-01", "day", "treaty", "", "published")]
    errors = row_errors(preview(editor_client, models.Event, rows, EVENT_HEADERS))
    assert any("only a publisher may change it" in e for e in errors), errors


def test_nobody_publishes_an_uncited_claim_by_import(publisher_client):
    rows = [("treaty-1921", "Treaty", "1921-03-01", "day", "treaty", "", "published")]
    errors = row_errors(preview(publisher_client, models.Event, rows, EVENT_HEADERS))
    assert any("row 1 publication: Cannot publish: it has no citation" in e for e in errors), errors


def test_a_publisher_publishes_a_cited_draft_by_import(publisher_client):
    event = EventFactory(slug="cited", publication="draft")
    rows = [("cited", event.title, "1950-06-01", "day", "treaty", "", "published")]
    response = preview(publisher_client, models.Event, rows, EVENT_HEADERS)
    assert row_errors(response) == []
    confirm(publisher_client, models.Event, response)
    event.refresh_from_db()
    assert event.publication == "published"


def test_an_import_from_a_stale_export_is_refused_for_the_changed_record(publisher_client):
    event = EventFactory(slug="busy", publication="draft")
    exported_version = event.version
    event.title = "A colleague's later edit"
    event.save()
    headers = [*EVENT_HEADERS, "version"]
    rows = [("busy", "My edit", "1950-06-01", "day", "treaty", "", "draft", exported_version)]
    errors = row_errors(preview(publisher_client, models.Event, rows, headers))
    assert any("row 1 version: This record changed since the file was exported" in e for e in errors), errors


def test_citations_import_by_record_type_and_source_slug(publisher_client):
    event = EventFactory(slug="needs-cite", cited=False, publication="draft")
    SourceFactory(slug="adamec-1967")
    headers = ["id", "record_type", "record_id", "source", "locator", "quote", "order"]
    rows = [("", "event", event.pk, "adamec-1967", "p. 42", "", 0)]
    response = preview(publisher_client, models.Citation, rows, headers)
    assert row_errors(response) == []
    confirm(publisher_client, models.Citation, response)
    assert [(c.source.slug, c.locator) for c in event.citations.all()] == [("adamec-1967", "p. 42")]


def test_a_citation_without_a_source_or_record_is_a_row_error(publisher_client):
    event = EventFactory(publication="draft")
    headers = ["id", "record_type", "record_id", "source", "locator", "quote", "order"]
    rows = [
        ("", "event", event.pk, "", "p. 1", "", 0),
        ("", "event", 999999, "source-x", "p. 1", "", 0),
        ("", "user", 1, "source-x", "p. 1", "", 0),
    ]
    SourceFactory(slug="source-x")
    errors = row_errors(preview(publisher_client, models.Citation, rows, headers))
    assert any(e.startswith("row 1 source:") for e in errors), errors
    assert any(e.startswith("row 2 record_id:") for e in errors), errors
    assert any(e.startswith("row 3") and "“user” is not a kind of record that can be cited" in e for e in errors), (
        errors
    )


def test_countries_missions_and_sources_round_trip_through_csv(publisher_client):
    CountryFactory(slug="iran", name="Iran", iso2="IR", iso3="IRN")
    MissionFactory(slug="iran-embassy-kabul", country=models.Country.objects.get(slug="iran"))
    SourceFactory(slug="gregorian-1969")
    for model in (models.Country, models.Mission, models.Source):
        exported = export_file(publisher_client, model, "csv")
        content = b"".join(exported.streaming_content).decode()
        response = publisher_client.post(
            admin_url(model, "import"),
            {"import_file": SimpleUploadedFile("again.csv", content.encode()), "format": 0, "resource": 0},
        )
        assert row_errors(response) == [], model


def export_file(client, model, kind, **filters):
    """Submit the admin's export form with every column ticked, as an editor would by default."""
    url = admin_url(model, "export")
    if filters:
        url += "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    form = client.get(url).context["form"]
    columns = {name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)}
    return client.post(url, {"format": FORMAT[kind], "resource": 0, **columns})


def test_csv_export_streams_rows(publisher_client):
    EventFactory(title="=HYPERLINK(evil)", countries=[CountryFactory(slug="peru")])
    response = export_file(publisher_client, models.Event, "csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith("attachment;")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("slug,title,date,date_precision,kind")
    assert "'=HYPERLINK(evil)" in lines[1]
    assert "peru" in lines[1]


def test_json_export_streams_a_valid_document(publisher_client):
    EventFactory(title="Treaty")
    response = export_file(publisher_client, models.Event, "json")
    assert isinstance(response, StreamingHttpResponse)
    data = json.loads(b"".join(response.streaming_content))
    assert data[0]["title"] == "Treaty"


def test_xlsx_export_is_written_row_by_row_and_opens(publisher_client):
    EventFactory(title="Treaty")
    response = export_file(publisher_client, models.Event, "xlsx")
    assert isinstance(response, FileResponse)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("slug", "title")
    assert rows[1][1] == "Treaty"


def test_export_respects_the_changelist_filters(publisher_client):
    EventFactory(title="Draft one", publication="draft")
    EventFactory(title="Published one")
    response = export_file(publisher_client, models.Event, "json", publication__exact="draft")
    titles = [row["title"] for row in json.loads(b"".join(response.streaming_content))]
    assert titles == ["Draft one"]


@pytest.mark.parametrize("model", (models.Event, models.Country, models.Mission, models.Citation, models.Source))
def test_export_runs_a_constant_number_of_queries_as_rows_grow(publisher_client, model):
    def make(n):
        for _ in range(n):
            if model is models.Event:
                EventFactory(countries=[CountryFactory()])
            elif model is models.Country:
                CountryFactory().successors.add(CountryFactory())
            elif model is models.Mission:
                MissionFactory()
            elif model is models.Citation:
                cite(EventFactory(cited=False))
            else:
                SourceFactory()

    make(2)

    def run():
        response = export_file(publisher_client, model, "csv")
        return b"".join(response.streaming_content)

    run()
    few, _ = count_queries(run)
    make(20)
    many, content = count_queries(run)
    assert len(content.splitlines()) > 20
    assert many == few
