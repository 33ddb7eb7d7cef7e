"""Links to records addressed by slug, resolved once per URL pattern rather than once per link.

A list page links every row to its record, and ``reverse()`` walks the URL resolver on each
call (about a tenth of a list page's rendering time). The slug is the only part of such a
link that varies, so the pattern is reversed once, with a placeholder the slug converter
accepts, and the slug is put in its place.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

PLACEHOLDER = "slug-placeholder-0"


@lru_cache(maxsize=64)
def _pattern(viewname, urlconf, script_prefix):
    before, found, after = reverse(viewname, kwargs={"slug": PLACEHOLDER}, urlconf=urlconf).rpartition(PLACEHOLDER)
    assert found, viewname
    return before, after


def slug_url(viewname, slug):
    """The same as ``reverse(viewname, kwargs={"slug": slug})`` for a valid slug."""
    before, after = _pattern(viewname, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{before}{slug}{after}"
