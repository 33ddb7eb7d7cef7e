"""HTTP validators (ETag, Last-Modified) and cache headers for API reads.

The validator is the newest history entry across every content table: any
save, publication, citation change or deletion anywhere adds one, so a response
can only be stale if its validator changed. One cheap query, whatever the page.
This is the one place to switch to a global content version key.
"""

import hashlib
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from ..models import Citation, Country, DateClaim, Era, Event, HeadOfMission, Mission, RelationPeriod, Source

TRACKED_MODELS = (Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Source, Citation, DateClaim)


@cache
def _validator_sql(vendor):
    """The validator's one statement, written once per database vendor.

    Written once because ``Model.history`` builds a new manager class on every access
    (django-simple-history), which cost more than the query itself.
    """
    quote = connection.ops.quote_name
    columns = []
    for model in TRACKED_MODELS:
        table = quote(model.history.model._meta.db_table)
        columns.append(f"(SELECT MAX(history_id) FROM {table})")
        columns.append(f"(SELECT MAX(history_date) FROM {table})")
    return f"SELECT {', '.join(columns)}"  # noqa: S608 - table names come from our models


def content_validator():
    """``(token, last_modified)``: a string that changes on every edit, and the time of the latest one."""
    with connection.cursor() as cursor:
        cursor.execute(_validator_sql(connection.vendor))
        row = cursor.fetchone()
    ids, dates = row[0::2], [_as_datetime(value) for value in row[1::2]]
    dates = [value for value in dates if value is not None]
    return ".".join(str(value or 0) for value in ids), max(dates) if dates else None


def _as_datetime(value):
    # SQLite hands back text; PostgreSQL a datetime.
    if value is None or hasattr(value, "timestamp"):
        return value
    return parse_datetime(str(value))


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
