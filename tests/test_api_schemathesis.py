"""Schemathesis (v4) against a live server: every operation, every check.

Two passes over the whole schema: anonymous (reads, and the 401s of writes), and
signed in as a superuser (writes too). For writes, the model's cross-field rules
(date precision, overlaps, citations before publication) cannot all be said in
OpenAPI, so in that pass a 400 or 409 counts as an acceptable answer to
schema-valid data; a 5xx, an undocumented status or a body that breaks the
schema fails the test in both passes.

The coverage phase (boundary and negative values for every parameter, and the
unsupported-method check) sends thousands of requests, several minutes here; it
runs when ``SCHEMATHESIS_PHASES`` asks for it (e.g. ``examples,coverage,fuzzing,stateful``).
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from .api_support import make_user
from .factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    date_claim,
)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing,stateful")
WRITE_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409"]
"""


def seed():
    era = EraFactory(slug="kingdom", starts_on=datetime.date(1919, 1, 1), ends_on=datetime.date(1973, 7, 17))
    france = CountryFactory(slug="france", name="France", iso2="FR", iso3="FRA", region="europe")
    ussr = CountryFactory(slug="ussr", name="Soviet Union", kind="former_state")
    ussr.successors.add(CountryFactory(slug="russia", name="Russia"))
    RelationPeriodFactory(country=france, starts_on=datetime.date(1922, 1, 1))
    mission = MissionFactory(slug="embassy-of-france", country=france)
    HeadOfMissionFactory(mission=mission)
    event = EventFactory(slug="treaty", countries=[france, ussr], date=datetime.date(1921, 2, 28))
    date_claim(event, "date", datetime.date(1921, 2, 28), preferred=True)
    EventFactory(slug="draft-event", publication="draft")
    SourceFactory(slug="adamec")
    assert era.pk


def run_schemathesis(url, tmp_path, *extra, config=None):
    command = [str(SCHEMATHESIS)]
    if config:
        config_file = tmp_path / "schemathesis.toml"
        config_file.write_text(config)
        command += ["--config-file", str(config_file)]
    command += [
        "run",
        f"{url}/api/schema/",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        "20",
        "--workers",
        "1",
        "--seed",
        "20261127",
        "--generation-database",
        "none",
        # The API refuses NUL in any text with 400 (PostgreSQL cannot store it), as its description says.
        "--generation-allow-x00",
        "false",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--no-color",
        *extra,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    # The whole report stays beside the test's temporary files; the failure message shows its end.
    (tmp_path / "schemathesis-output.txt").write_text(result.stdout + result.stderr)
    return result


@pytest.mark.django_db(transaction=True)
def test_every_operation_conforms_to_the_schema_for_anonymous_clients(live_server, tmp_path):
    seed()
    result = run_schemathesis(live_server.url, tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


@pytest.mark.django_db(transaction=True)
def test_every_operation_conforms_to_the_schema_for_a_signed_in_superuser(live_server, tmp_path):
    seed()
    token = Token.objects.create(user=make_user("superuser"))
    result = run_schemathesis(live_server.url, tmp_path, "-H", f"Authorization: Token {token.key}", config=WRITE_CONFIG)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
