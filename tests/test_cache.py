import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from relations.cache import content_version
from relations.models import Publication
from tests.factories import CountryFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

calls = []


def counted_view(request):
    calls.append(request.path)
    from relations.models import Country

    return HttpResponse(", ".join(Country.objects.published().values_list("name", flat=True)))


urlpatterns = [path("probe/", counted_view)]


@pytest.fixture
def probe():
    calls.clear()
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_anonymous_page_is_rendered_once_then_served_from_cache(client, probe):
    CountryFactory(name="Ruritania")
    first = client.get("/probe/")
    second = client.get("/probe/")
    assert calls == ["/probe/"]
    assert first.content == second.content == b"Ruritania"
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert "Cookie" not in second.get("Vary", "")


def test_any_save_makes_the_next_read_fresh(client, probe):
    country = CountryFactory(name="Ruritania")
    client.get("/probe/")
    before = content_version()[0]
    country.name = "Ruritania Renamed"
    country.save()
    assert content_version()[0] > before
    assert client.get("/probe/").content == b"Ruritania Renamed"


def test_unpublishing_and_m2m_changes_invalidate(client, probe):
    country = CountryFactory(name="Ruritania")
    client.get("/probe/")
    country.publication = Publication.DRAFT
    country.save()
    assert client.get("/probe/").content == b""
    event = EventFactory()
    before = content_version()[0]
    event.countries.add(country)
    assert content_version()[0] > before


def test_conditional_get_answers_304(client, probe):
    CountryFactory(name="Ruritania")
    response = client.get("/probe/")
    again = client.get("/probe/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert response["Last-Modified"]


def test_logged_in_staff_are_never_served_from_the_shared_cache(client, probe):
    CountryFactory(name="Ruritania")
    client.get("/probe/")
    client.force_login(UserFactory(is_staff=True))
    client.get("/probe/")
    client.get("/probe/")
    assert calls == ["/probe/", "/probe/", "/probe/"]


def test_anonymous_api_reads_are_served_from_the_cache_until_the_next_edit(client):
    country = CountryFactory(name="Ruritania")
    first = client.get("/api/v1/countries/")
    second = client.get("/api/v1/countries/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert second["Content-Type"].startswith("application/json")
    country.name = "Ruritania Renamed"
    country.save()
    third = client.get("/api/v1/countries/")
    assert third["X-Cache"] == "miss"
    assert third.json()["results"][0]["name"] == "Ruritania Renamed"


def test_signed_in_api_reads_are_never_served_from_the_shared_cache(client):
    CountryFactory(name="Ruritania")
    client.get("/api/v1/countries/")
    client.force_login(UserFactory(is_staff=True))
    assert "X-Cache" not in client.get("/api/v1/countries/")


def test_an_api_cache_hit_makes_no_query_and_builds_no_read_query(client, django_assert_num_queries, monkeypatch):
    """A hit reads the content version from the cache and the body from the cache: no query at all,
    and the permission check does not build the list's queryset either."""
    from relations.api.views import RecordViewSet

    CountryFactory(name="Ruritania")
    assert client.get("/api/v1/countries/")["X-Cache"] == "miss"
    built = []
    original = RecordViewSet.get_queryset
    monkeypatch.setattr(RecordViewSet, "get_queryset", lambda self: built.append(1) or original(self))
    with django_assert_num_queries(0):
        response = client.get("/api/v1/countries/")
    assert response["X-Cache"] == "hit"
    assert built == []


def test_api_writes_still_need_the_model_permission(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.post("/api/v1/countries/", {"name": "Ruritania"}, content_type="application/json")
    assert response.status_code == 403
