"""Production settings on loopback, for `make bench` and `make loadtest` only."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-afrelations-loopback-never-deployed")

from .prod import *  # noqa: E402,F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on loopback: no redirect to HTTPS, no secure-only cookies to lose.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", "/tmp/afrelations-bench-static"))  # noqa: F405
# Adds /bench/trivial, the reference every measurement is divided by.
ROOT_URLCONF = "afrelations.bench_urls"
AXES_ENABLED = False
# The throttles still run on every API request, so their cost is measured, at a rate no benchmark reaches.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
LOGGING["loggers"] = {**LOGGING["loggers"], "afrelations.requests": {"level": "WARNING"}}
