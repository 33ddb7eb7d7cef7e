"""Links to records addressed by one key (a slug or an id), resolved once per URL pattern rather than once per link.

A list page links every row to its record, and ``reverse()`` walks the URL resolver on each
call (about a tenth of a list page's rendering time; more in the API, whose rows embed the
addresses of their related records). The key is the only part of such a link that varies, so
the pattern is reversed once, with a placeholder the key's converter accepts, and the key is
put in its place. Slugs are letters, digits, hyphens and underscores, and ids are digits, so
neither ever needs quoting.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Accepted by the slug converter, the API's slug pattern and its id pattern ([0-9]{1,18}) alike.
PLACEHOLDER = "918273645546372819"


@lru_cache(maxsize=64)
def _pattern(viewname, kwarg, urlconf, script_prefix):
    before, found, after = reverse(viewname, kwargs={kwarg: PLACEHOLDER}, urlconf=urlconf).rpartition(PLACEHOLDER)
    assert found, viewname
    return before, after


def keyed_url(viewname, kwarg, value):
    """The same as ``reverse(viewname, kwargs={kwarg: value})`` for a valid slug or id."""
    before, after = _pattern(viewname, kwarg, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{before}{value}{after}"


def keyed_urls(viewname, kwarg="slug"):
    """``keyed_url`` bound to one URL pattern: a function of the key, for a loop writing many links.

    The URLconf and script prefix are looked up once (each a request-local read) instead of per link.
    """
    before, after = _pattern(viewname, kwarg, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return lambda value: f"{before}{value}{after}"


def slug_url(viewname, slug):
    """The same as ``reverse(viewname, kwargs={"slug": slug})`` for a valid slug."""
    return keyed_url(viewname, "slug", slug)


def absolute_keyed_url(request, viewname, kwarg, value):
    """``absolute(request, keyed_url(viewname, kwarg, value))``, with the pattern's halves kept on the request.

    An API page links each of its rows and their related records, some 400 links; the URLconf and
    script prefix are request-local (``asgiref.local``) and slow to read, and within one request they
    do not change.
    """
    if request is None:
        return keyed_url(viewname, kwarg, value)
    patterns = request.__dict__.setdefault("_afrelations_patterns", {})
    halves = patterns.get((viewname, kwarg))
    if halves is None:
        halves = absolute(request, keyed_url(viewname, kwarg, PLACEHOLDER)).rsplit(PLACEHOLDER, 1)
        patterns[(viewname, kwarg)] = halves
    return f"{halves[0]}{value}{halves[1]}"


def absolute(request, path):
    """``request.build_absolute_uri(path)`` for a path from ``reverse()``, with the origin worked out once per request.

    Such a path starts with one slash and has no dot segments, so the origin is all it needs.
    """
    if request is None:
        return path
    origin = getattr(request, "_afrelations_origin", None)
    if origin is None:
        origin = request._afrelations_origin = request.build_absolute_uri("/")[:-1]
    return f"{origin}{path}"
