import hashlib

import pytest
from django.core.management import call_command

from relations.models import Citation, Country, DateClaim, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from tests.factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    date_claim,
)

pytestmark = pytest.mark.django_db
MODELS = (Source, Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Citation, DateClaim)


def digest(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.yaml"))}


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def wipe():
    for model in (Citation, DateClaim, HeadOfMission, Mission, Event, RelationPeriod, Era, Country, Source):
        model.objects.all().delete()


def test_export_then_load_into_an_empty_database_reproduces_the_record(tmp_path):
    successor = CountryFactory(slug="successor")
    former = CountryFactory(slug="former", kind="former_state", dissolved_on="1991-12-26")
    former.successors.set([successor])
    EraFactory(slug="an-era")
    period = RelationPeriodFactory(country=successor, starts_on="1921-01-01", starts_on_precision="year")
    date_claim(period, "starts_on", period.starts_on, "year", preferred=True)
    date_claim(period, "starts_on", "1919-05-27")
    HeadOfMissionFactory(mission=MissionFactory(country=successor, slug="embassy"), name="An Envoy")
    EventFactory(slug="draft-event", publication="draft", countries=[successor, former], unverified=True)
    first, second = tmp_path / "first", tmp_path / "second"

    call_command("export_content", str(first))
    before = counts()
    wipe()
    assert Country.objects.count() == 0
    call_command("load_content", directory=str(first))
    assert counts() == before
    call_command("export_content", str(second))
    assert digest(first) == digest(second)
    assert Event.objects.get(slug="draft-event").unverified is True
    assert set(Event.objects.get(slug="draft-event").countries.values_list("slug", flat=True)) == {
        "successor",
        "former",
    }
