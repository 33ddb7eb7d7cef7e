import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from relations.links import absolute, absolute_keyed_url, keyed_url, slug_url

VIEWS = ["relations:era-detail", "relations:country-detail", "relations:event-detail", "relations:source-detail"]


@pytest.mark.parametrize("viewname", VIEWS)
@pytest.mark.parametrize("slug", ["pakistan", "treaty-of-rawalpindi-1919", "a_b-9"])
def test_slug_url_is_what_reverse_gives(viewname, slug):
    assert slug_url(viewname, slug) == reverse(viewname, kwargs={"slug": slug})


def test_slug_url_follows_the_script_prefix():
    """Behind a proxy that mounts the site under a path, links carry that path, as reverse()'s do."""
    try:
        set_script_prefix("/afrelations/")
        assert slug_url("relations:country-detail", "iran") == "/afrelations/countries/iran/"
        assert slug_url("relations:country-detail", "iran") == reverse("relations:country-detail", args=["iran"])
    finally:
        set_script_prefix("/")
    assert slug_url("relations:country-detail", "iran") == "/countries/iran/"


def test_slug_url_follows_the_urlconf():
    with override_settings(ROOT_URLCONF="tests.urls_mounted"):
        assert slug_url("relations:country-detail", "iran") == "/archive/countries/iran/"
    assert slug_url("relations:country-detail", "iran") == "/countries/iran/"


API_VIEWS = [
    ("api:country-detail", "slug", "pakistan"),
    ("api:source-detail", "slug", "a_b-9"),
    ("api:head-of-mission-detail", "pk", 42),
    ("api:head-of-mission-detail", "pk", 918273645546372819),
]


@pytest.mark.parametrize(("viewname", "kwarg", "value"), API_VIEWS)
def test_keyed_url_is_what_reverse_gives_for_slugs_and_ids(viewname, kwarg, value):
    assert keyed_url(viewname, kwarg, value) == reverse(viewname, kwargs={kwarg: value})


def test_absolute_is_what_build_absolute_uri_gives(rf):
    for request in (rf.get("/api/v1/events/"), rf.get("/x/", secure=True, HTTP_HOST="example.org:8443")):
        path = keyed_url("api:country-detail", "slug", "iran")
        assert absolute(request, path) == request.build_absolute_uri(path)
    assert absolute(None, "/countries/iran/") == "/countries/iran/"


@pytest.mark.parametrize(("viewname", "kwarg", "value"), API_VIEWS)
def test_absolute_keyed_url_is_the_absolute_reverse_each_time_it_is_asked(rf, viewname, kwarg, value):
    request = rf.get("/api/v1/", HTTP_HOST="example.org")
    expected = request.build_absolute_uri(reverse(viewname, kwargs={kwarg: value}))
    assert absolute_keyed_url(request, viewname, kwarg, value) == expected
    assert absolute_keyed_url(request, viewname, kwarg, value) == expected  # from the halves kept on the request
    assert absolute_keyed_url(None, viewname, kwarg, value) == reverse(viewname, kwargs={kwarg: value})


@pytest.mark.django_db
def test_api_links_carry_the_host_and_script_prefix(client, settings):
    """Every link in an API page is absolute, on the request's host, under the prefix the site is mounted at."""
    from tests.factories import CountryFactory

    settings.ALLOWED_HOSTS = ["mirror.example"]
    CountryFactory(name="Iran", slug="iran")
    try:
        set_script_prefix("/afrelations/")
        row = client.get("/api/v1/countries/", HTTP_HOST="mirror.example").json()["results"][0]
    finally:
        set_script_prefix("/")
    assert row["url"] == "http://mirror.example/afrelations/api/v1/countries/iran/"
    assert row["page_url"] == "http://mirror.example/afrelations/countries/iran/"
