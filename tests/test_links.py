import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from relations.links import slug_url

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
