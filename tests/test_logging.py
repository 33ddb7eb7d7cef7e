import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

pytestmark = pytest.mark.django_db


def test_each_request_is_logged_as_structured_json_without_query_or_personal_data(client, caplog):
    with caplog.at_level(logging.INFO, logger="afrelations.requests"):
        client.get("/healthz?token=secret-value", HTTP_X_FORWARDED_FOR="203.0.113.9")
    record = next(r for r in caplog.records if r.name == "afrelations.requests")
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.duration_ms >= 0
    line = JsonFormatter("%(levelname)s %(name)s %(message)s").format(record)
    payload = json.loads(line)
    assert payload["path"] == "/healthz"
    assert "secret-value" not in line and "203.0.113.9" not in line


def test_client_errors_are_logged_as_warnings(client, caplog):
    with caplog.at_level(logging.INFO, logger="afrelations.requests"):
        client.get("/no-such-page/")
    record = next(r for r in caplog.records if r.name == "afrelations.requests")
    assert record.levelno == logging.WARNING and record.status == 404
