"""The OpenAPI schema tells the truth, and the interactive docs work under the strict CSP."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_every_resource_and_method_is_described(schema):
    paths = schema["paths"]
    for resource, lookup in [
        ("eras", "slug"),
        ("countries", "slug"),
        ("relations", "id"),
        ("missions", "slug"),
        ("heads-of-mission", "id"),
        ("events", "slug"),
        ("sources", "slug"),
    ]:
        assert set(paths[f"/api/v1/{resource}/"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{resource}/{{{lookup}}}/"]) == {"get", "put", "patch", "delete"}


def test_contract_filters_are_declared(schema):
    def names(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"era", "country", "kind", "date_after", "date_before", "search", "ordering"} <= names("/api/v1/events/")
    assert {"direction", "kind", "status", "country", "city", "open_on"} <= names("/api/v1/missions/")
    assert {"region", "kind"} <= names("/api/v1/countries/")
    assert {"country", "status", "on"} <= names("/api/v1/relations/")
    assert {"page", "page_size", "format", "include_drafts"} <= names("/api/v1/events/")


def test_enums_are_named_components(schema):
    components = schema["components"]["schemas"]
    for name in (
        "PrecisionEnum",
        "PublicationEnum",
        "CountryKindEnum",
        "RegionEnum",
        "RelationStatusEnum",
        "MissionDirectionEnum",
        "MissionKindEnum",
        "MissionStatusEnum",
        "EventKindEnum",
        "SourceKindEnum",
    ):
        assert "enum" in components[name]
    assert components["MissionDirectionEnum"]["enum"] == ["in_afghanistan", "of_afghanistan"]


def test_pagination_envelope_and_nullable_dates_are_described(schema):
    page = schema["components"]["schemas"]["PaginatedEventList"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["next"]["nullable"] is True
    mission = schema["components"]["schemas"]["Mission"]["properties"]
    assert mission["closed_on"]["nullable"] is True
    assert mission["closed_on"]["format"] == "date"
    size = next(p for p in schema["paths"]["/api/v1/events/"]["get"]["parameters"] if p["name"] == "page_size")
    assert size["schema"]["maximum"] == 200


def test_error_responses_are_declared_on_every_operation(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), (method, path)
            if method in {"put", "patch", "delete"}:
                assert "409" in operation["responses"], (method, path)


def test_reads_need_no_credentials_and_writes_do(schema):
    events = schema["paths"]["/api/v1/events/"]
    assert {} in events["get"]["security"]
    assert {} not in events["post"]["security"]
    assert {"tokenAuth": []} in events["post"]["security"]


def test_embedded_records_are_summaries_when_read_and_slugs_when_written(schema):
    components = schema["components"]["schemas"]
    assert components["Event"]["properties"]["countries"]["items"] == {"$ref": "#/components/schemas/CountrySummary"}
    assert components["EventRequest"]["properties"]["countries"]["items"]["type"] == "string"
    citation = components["Citation"]["properties"]
    assert citation["source"] == {"$ref": "#/components/schemas/SourceSummary"}
    assert {"id", "url", "title"} <= set(components["SourceSummary"]["properties"])


def test_docs_page_loads_swagger_ui_from_our_own_static_files():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html
    assert "<script>" not in html
    assert "cdn" not in html.lower()
    script = APIClient().get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_interactive_docs_render_under_the_strict_csp(live_server, page):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "afrelations API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/events/")
    assert violations == []


def test_the_schema_is_generated_once_a_process_and_says_what_a_fresh_generation_says(tmp_path):
    """Generating it cost 90 ms a request: the view keeps it per version and language."""
    import json

    from relations.api.schema import SchemaGenerator

    SchemaGenerator.generated.clear()
    first = APIClient().get("/api/schema/?format=json")
    (generated,) = SchemaGenerator.generated.values()
    second = APIClient().get("/api/schema/?format=json")
    assert list(SchemaGenerator.generated.values()) == [generated]  # the same one, not generated again
    assert next(iter(SchemaGenerator.generated.values())) is generated
    assert second.json() == first.json()
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    assert first.json() == json.loads(out.read_text())
    assert APIClient().get("/api/schema/?format=json&lang=fa").status_code == 200
    assert len(SchemaGenerator.generated) == 2
    # What a client makes up is answered but not kept: a kept schema each would grow without end.
    for query in ("lang=xx-made-up", "version=v99", "lang=fa&version=v99"):
        assert APIClient().get(f"/api/schema/?format=json&{query}").status_code == 200
    assert len(SchemaGenerator.generated) == 2
