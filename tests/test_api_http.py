"""HTTP comforts of the API: validators and 304s, cache headers, CSV, CORS, throttling, JSON errors."""

import csv
import datetime
import io
import os

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from rest_framework.test import APIClient

from relations import models
from relations.api import views

from .api_support import body, client_for, make_user
from .factories import CountryFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_reads_carry_validators_and_answer_304_when_unchanged(api):
    EventFactory(slug="e")
    for path in ("/api/v1/events/", "/api/v1/events/e/"):
        first = api.get(path)
        assert first.status_code == 200
        assert first["ETag"].startswith('"')
        assert first["Last-Modified"]
        again = api.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert api.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_any_edit_changes_the_validator(api):
    event = EventFactory(slug="e")
    etag = api.get("/api/v1/events/")["ETag"]
    event.title = "New title"
    event.save()
    response = api.get("/api/v1/events/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == "New title"


def test_a_change_to_an_embedded_record_or_a_deletion_changes_the_validator(api):
    country = CountryFactory(name="Old name")
    EventFactory(countries=[country])
    doomed = EventFactory()
    etag = api.get("/api/v1/events/")["ETag"]
    country.name = "New name"
    country.save()
    etag_after_rename = api.get("/api/v1/events/", HTTP_IF_NONE_MATCH=etag)["ETag"]
    assert etag_after_rename != etag
    doomed.delete()
    assert api.get("/api/v1/events/", HTTP_IF_NONE_MATCH=etag_after_rename).status_code == 200


def test_validators_differ_between_queries_and_formats(api):
    EventFactory()
    tags = {
        api.get(path)["ETag"]
        for path in ("/api/v1/events/", "/api/v1/events/?kind=visit", "/api/v1/events/?format=csv")
    }
    assert len(tags) == 3


def test_older_if_modified_since_gets_the_full_response(api):
    EventFactory()
    assert api.get("/api/v1/events/", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_anonymous_reads_are_publicly_cacheable_and_signed_in_ones_are_not(api):
    EventFactory(slug="e")
    anonymous = api.get("/api/v1/events/e/")
    assert anonymous["Cache-Control"] == f"public, max-age={settings.API_CACHE_SECONDS}"
    assert "Authorization" in anonymous["Vary"]
    signed_in = client_for(make_user("editor")).get("/api/v1/events/e/")
    assert "no-store" in signed_in["Cache-Control"]
    assert "public" not in signed_in["Cache-Control"]


def test_csv_lists_the_whole_filtered_result_streamed(api):
    france = CountryFactory(slug="france")
    for n in range(60):
        EventFactory(slug=f"e{n:02}", kind="visit" if n % 2 else "treaty", countries=[france])
    response = api.get("/api/v1/events/?kind=visit&format=csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="events.csv"'
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert sorted(row["slug"] for row in rows) == [f"e{n:02}" for n in range(1, 60, 2)]
    row = next(row for row in rows if row["slug"] == "e01")
    assert row["countries"] == "france"
    assert row["url"] == "http://testserver/api/v1/events/e01/"
    assert row["citations"].endswith(" p. 1")


def test_csv_rows_are_fetched_chunk_by_chunk_as_the_response_is_read(api, monkeypatch):
    monkeypatch.setattr(views, "CSV_CHUNK", 5)
    countries = CountryFactory.create_batch(2)
    for n in range(12):
        EventFactory(slug=f"e{n:02}", countries=countries)

    def country_lookups(queries):
        return sum('FROM "relations_country" INNER JOIN "relations_event_countries"' in q["sql"] for q in queries)

    with CaptureQueriesContext(connection) as answering:
        response = api.get("/api/v1/events/?format=csv")
    assert isinstance(response, StreamingHttpResponse)
    assert not any('FROM "relations_event"' in query["sql"] for query in answering.captured_queries)
    lines = iter(response.streaming_content)
    assert next(lines).startswith(b"id,url,")
    with CaptureQueriesContext(connection) as first_row:
        assert b"http://testserver/api/v1/events/e" in next(lines)
    assert country_lookups(first_row.captured_queries) == 1  # the first chunk of 5 only
    with CaptureQueriesContext(connection) as the_rest:
        assert len(list(lines)) == 11
    assert country_lookups(the_rest.captured_queries) == 2  # the chunks of 5 and 2


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(api):
    EventFactory(slug="formula", title='=HYPERLINK("http://example.com","x")', summary="@SUM(1)")
    rows = list(csv.DictReader(io.StringIO(body(api.get("/api/v1/events/?format=csv")).decode())))
    row = next(row for row in rows if row["slug"] == "formula")
    assert row["title"] == '\'=HYPERLINK("http://example.com","x")'
    assert row["summary"] == "'@SUM(1)"


def test_csv_by_accept_header(api):
    SourceFactory(slug="s", title="Title, with comma")
    response = api.get("/api/v1/sources/", HTTP_ACCEPT="text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert rows[0]["title"] == "Title, with comma"


def test_csv_errors_are_json(api):
    response = api.get("/api/v1/events/?format=csv&kind=bad")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["kind"]


def test_detail_has_no_csv(api):
    EventFactory(slug="e")
    assert api.get("/api/v1/events/e/?format=csv").status_code == 404


def test_cross_origin_reads_are_allowed_without_credentials(api):
    response = api.get("/api/v1/events/", HTTP_ORIGIN="https://data.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = api.options(
        "/api/v1/events/", HTTP_ORIGIN="https://data.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE"
    )
    assert "DELETE" not in preflight.get("Access-Control-Allow-Methods", "")


def test_cross_origin_headers_are_only_on_the_api(api):
    assert "Access-Control-Allow-Origin" not in api.get("/healthz", HTTP_ORIGIN="https://data.example.org")


def rates(anon, user, **extra):
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}, **extra}
    )


def test_anonymous_clients_are_throttled_with_retry_after(api):
    with rates("2/minute", "5/minute"):
        assert [api.get("/api/v1/events/").status_code for _ in range(3)] == [200, 200, 429]
        response = api.get("/api/v1/events/")
        assert int(response["Retry-After"]) > 0
        assert response.json()["detail"]


def statuses(api, n):
    return [api.get("/api/v1/eras/").status_code for _ in range(n)]


def test_the_limit_slides_with_time_rather_than_resetting_on_the_minute(api):
    """Four a minute: four requests late in one minute leave room for only one early in the next (they are
    still mostly within the last sixty seconds), where a counter reset on the minute would allow four."""
    with (
        rates("4/minute", "100/minute"),
        time_machine.travel(datetime.datetime(2030, 1, 1, 12, 0, 50), tick=False) as t,
    ):
        assert statuses(api, 5) == [200, 200, 200, 200, 429]
        t.shift(20)  # 12:01:10: five sixths of the four still count
        assert statuses(api, 2) == [200, 429]
        t.shift(120)
        assert statuses(api, 4) == [200] * 4


@pytest.mark.parametrize(
    "start, later, then",
    [
        (10, 0, [429]),  # the minute's own two fill the limit: Retry-After reaches into the next minute
        (50, 15, [200, 429]),  # the last minute's two fill it: Retry-After is when enough of them have slid out
    ],
)
def test_retry_after_is_when_a_request_is_allowed_again(api, start, later, then):
    start = datetime.datetime(2030, 1, 1, 12, 0, start)
    with rates("2/minute", "100/minute"), time_machine.travel(start, tick=False) as t:
        assert statuses(api, 2) == [200, 200]
        t.shift(later)
        assert statuses(api, len(then)) == then
        retry_after = int(api.get("/api/v1/eras/")["Retry-After"])
        assert 0 < retry_after <= 60
        assert statuses(api, 5) == [429] * 5  # refused requests do not count against the client
        t.shift(retry_after - 1)
        assert statuses(api, 1) == [429]
        t.shift(1)
        assert statuses(api, 1) == [200]


@pytest.fixture
def redis_cache():
    """A real Redis, as production uses for the counters (``REDIS_URL``), under a key prefix of its own.
    ``REDIS_URL`` if set, else database 15 of a local server. Required in CI; elsewhere the test is
    skipped when no Redis answers."""
    import uuid

    import redis
    from django_redis.cache import RedisCache

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url}")
    cache = RedisCache(url, {"KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_pattern("*")


def test_the_counters_work_on_redis(api, redis_cache, monkeypatch):
    """django-redis stores the counters as Redis integers, so incr is Redis's own INCR."""
    from relations.api import throttling

    for throttle in (throttling.AnonThrottle, throttling.UserThrottle):
        monkeypatch.setattr(throttle, "cache", redis_cache)
    with rates("3/minute", "100/minute"), time_machine.travel(datetime.datetime(2030, 1, 1, 12, 0, 50), tick=False):
        assert statuses(api, 4) == [200, 200, 200, 429]
        assert 0 < int(api.get("/api/v1/eras/")["Retry-After"]) <= 60
    assert 3 in redis_cache.get_many(redis_cache.keys("*")).values()


def test_signed_in_clients_have_their_own_limit():
    client = client_for(make_user("editor"))
    with rates("1/minute", "3/minute"):
        assert [client.get("/api/v1/events/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_anonymous_clients_answer_to_the_anonymous_limit_alone(api):
    """The signed-in limit is for accounts: a lower one does not apply to anonymous clients as well."""
    with rates("3/minute", "1/minute"):
        assert statuses(api, 4) == [200, 200, 200, 429]


def test_behind_a_proxy_each_client_address_has_its_own_limit(api):
    with rates("1/minute", "5/minute", NUM_PROXIES=1):
        first = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "REMOTE_ADDR": "10.0.0.1"}
        second = {"HTTP_X_FORWARDED_FOR": "198.51.100.9", "REMOTE_ADDR": "10.0.0.1"}
        assert api.get("/api/v1/events/", **first).status_code == 200
        assert api.get("/api/v1/events/", **first).status_code == 429
        assert api.get("/api/v1/events/", **second).status_code == 200
        # A client cannot escape its limit by adding its own X-Forwarded-For entry.
        spoofed = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7", "REMOTE_ADDR": "10.0.0.1"}
        assert api.get("/api/v1/events/", **spoofed).status_code == 429


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/v2/events/", "/api/v1/events/a/b/", "/api/v1/nope/"])
def test_unmatched_api_paths_are_json_404s(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@override_settings(DEBUG=True)
def test_unmatched_api_paths_are_json_even_in_debug(api):
    response = api.get("/api/nothing-here")
    assert response["Content-Type"] == "application/json"


def test_unknown_record_is_a_json_404(api):
    response = api.get("/api/v1/events/no-such-event/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_missing_trailing_slash_is_redirected_with_the_query(api):
    response = api.get("/api/v1/events?kind=visit")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/events/?kind=visit"


@pytest.mark.parametrize("query", ["kind=%00", "search=a%00b", "x%00=1", "country=fr%00"])
def test_nul_bytes_in_query_strings_are_refused(api, query):
    response = api.get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/events/"),
        ("put", "/api/v1/events/"),
        ("patch", "/api/v1/events/"),
        ("post", "/api/v1/events/e/"),
    ],
)
def test_unsupported_methods_are_405_even_for_anonymous_clients(api, method, path):
    EventFactory(slug="e")
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_head_answers_like_get_without_a_body(api):
    EventFactory(slug="e")
    response = api.head("/api/v1/events/e/")
    assert response.status_code == 200
    assert response["ETag"]


def test_writes_are_never_publicly_cacheable():
    client = client_for(make_user("editor"))
    response = client.patch("/api/v1/events/nope/", {"title": "x"}, format="json")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
    assert models.Event.objects.count() == 0


def test_options_describes_an_endpoint_even_to_writers():
    EventFactory(slug="e")
    response = client_for(make_user("superuser")).options("/api/v1/events/e/")
    assert response.status_code == 200
    assert "PUT" in response.json()["actions"]
