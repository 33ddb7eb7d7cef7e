"""Shared cache of anonymous public pages, keyed by the content version (see relations/cache.py)."""

import hashlib
import logging
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _

from .cache import content_version

logger = logging.getLogger("afrelations.requests")

# Paths never served from the shared cache: editors' tools, the API (it has its own
# conditional requests and must count every call for throttling) and the health check.
UNCACHED_PREFIXES = ("/admin", "/api/", "/healthz", "/static/")


class PublicCacheMiddleware:
    """Serve anonymous GET/HEAD requests for public pages from the cache.

    A request is anonymous when it carries no session cookie and no Authorization
    header: deciding that never touches the session, so pages stay free of
    ``Vary: Cookie``. Staff (who have a session cookie) always get a fresh render,
    which is how draft previews are never cached.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            return self.get_response(request)
        version, changed_at = content_version()
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        language = get_language_from_request(request)
        key = f"afrelations:page:{version}:{language}:{digest}"
        cached = cache.get(key)
        if cached is not None:
            response = cached
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.is_cacheable_response(response):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            # Browsers and proxies revalidate every time (cheap: a 304 from the cache),
            # so nobody keeps a copy older than the last edit.
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
            response["Last-Modified"] = http_date(changed_at)
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            response["X-Cache"] = "miss"
            cache.set(key, response, settings.PUBLIC_CACHE_SECONDS)
        return response

    @staticmethod
    def is_cacheable_request(request):
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(UNCACHED_PREFIXES)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def is_cacheable_response(response):
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
            and "Cookie" not in response.get("Vary", "")
        )


class RequestLogMiddleware:
    """One structured log line per request: method, path, status, duration.

    Deliberately no query string (it may carry tokens or search terms), no client
    address, no user name and no headers: the logs hold no secrets or personal data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        logger.log(
            logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO,
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "cache": response.get("X-Cache", ""),
            },
        )
        return response


class QueryStringGuardMiddleware:
    """Refuse query strings that cannot be meaningful text before any view parses them.

    Invalid UTF-8, NUL characters (which PostgreSQL refuses in text) and overlong
    query strings get a 400 with the reason (a 400 rather than 414 for length, which
    API clients and fuzzers read as "refused"); API paths answer in JSON, pages in plain text.
    """

    max_length = 2048

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request.META.get("QUERY_STRING", ""))
        if problem is None:
            return self.get_response(request)
        status, message = problem
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    def problem(self, raw):
        if len(raw) > self.max_length:
            return 400, _("The query string is too long (at most %(n)d characters).") % {"n": self.max_length}
        try:
            text = unquote_to_bytes(raw.replace("+", " ").encode("latin-1")).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return 400, _("The query string is not valid UTF-8.")
        if "\x00" in text:
            return 400, _("The query string may not contain NUL characters.")
        return None
