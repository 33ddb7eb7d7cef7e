import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_after_a_database_round_trip(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def get_with_the_database_down(path):
    """GET ``path`` in a real Django process whose database server does not exist (nothing listens on port 1)."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        f"r = Client(raise_request_exception=False).get({path!r});"
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode(), 'retry': r.get('Retry-After')}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "afrelations.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_healthz_answers_503_without_a_traceback_when_the_database_is_down():
    answer = get_with_the_database_down("/healthz")
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {"status": "unavailable", "database": "down"}
    assert "Traceback" not in answer["body"]


def test_pages_answer_a_plain_503_without_a_traceback_when_the_database_is_down():
    answer = get_with_the_database_down("/countries/ruritania/")
    assert answer["status"] == 503
    assert answer["retry"] == "60"
    assert "Temporarily unavailable" in answer["body"]
    assert "Traceback" not in answer["body"] and "OperationalError" not in answer["body"]
