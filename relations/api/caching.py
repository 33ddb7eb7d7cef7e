"""HTTP validators (ETag, Last-Modified) and cache headers for API reads.

The validator is the content version of the whole record (``relations.cache``), the
same one the public pages are cached under: every save, publication, citation change,
revert, import or deletion anywhere bumps it, when it happens and again when its
transaction commits, so a response can only be stale if its validator changed. Reading
it is a cache lookup, not a query. Like the page cache, it must be shared by every
worker: with more than one, set ``REDIS_URL`` (``check --deploy`` warns without it).
"""

import datetime
import hashlib

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from ..cache import content_version


def content_validator():
    """``(token, last_modified)``: a string that changes on every edit, and the time of the latest one."""
    version, changed_at = content_version()
    return str(version), datetime.datetime.fromtimestamp(changed_at, tz=datetime.UTC)


def etag_for(request, *, token, variant):
    digest = hashlib.sha256(f"{token}|{request.get_full_path()}|{variant}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request, *, etag, last_modified):
    """True when the client's copy (If-None-Match, else If-Modified-Since) is still current."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        tags = parse_etags(if_none_match)
        return etag in [tag.removeprefix("W/") for tag in tags]
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return bool(since and last_modified and int(last_modified.timestamp()) <= since)


def set_validators(response, *, etag, last_modified):
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())


def set_cache_headers(response, *, public):
    """Anonymous reads of published data may be cached anywhere, briefly; anything else never."""
    if public:
        patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ("Authorization",))
