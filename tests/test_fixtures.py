"""The real content in fixtures/: it loads, it is cited, it is consistent, and loading is safe to repeat."""

import datetime
import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from relations.content import MODELS, FixtureError, load
from relations.dates import Precision
from relations.models import (
    Citation,
    Country,
    CountryKind,
    DateClaim,
    Era,
    Event,
    HeadOfMission,
    Mission,
    Publication,
    RelationPeriod,
    RelationStatus,
    Source,
)
from relations.services import CLAIM_MODELS

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# The seed article's references and further reading are kept as sources even before a record cites them.
SEED_BIBLIOGRAPHY = {
    "wikipedia-foreign-relations-of-afghanistan",
    "cia-world-factbook-afghanistan",
    "state-dept-us-relations-with-afghanistan",
    "adamec-1967",
    "adamec-1974",
    "kakar-2006",
}
HISTORY_MODELS = (Source, Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Citation, DateClaim)

# Every event the seed article dates, as (slug, year, month or None): the seed gives at most the month.
SEED_DATED_EVENTS = [
    ("1978-saur-revolution", 1978, 4),
    ("1979-soviet-invasion", 1979, 12),
    ("1988-geneva-accords", 1988, None),
    ("1989-soviet-withdrawal-completed", 1989, None),
    ("1992-fall-of-najibullah", 1992, None),
    ("1992-un-reduces-its-role", 1992, None),
    ("2001-us-led-military-campaign", 2001, 10),
    ("2001-bonn-agreement", 2001, None),
    ("2021-fall-of-kabul", 2021, 8),
    ("2021-taliban-nominate-un-representative", 2021, 9),
    ("2023-chinese-ambassador-presents-credentials", 2023, 9),
    ("2025-russia-recognises-islamic-emirate", 2025, 7),
]
SEED_DAYS = {
    "2021-fall-of-kabul": 15,
    "2021-taliban-nominate-un-representative": 20,
    "2025-russia-recognises-islamic-emirate": 3,
}


def documents():
    """``{file name: (model name, records)}`` straight from the YAML files, without the database."""
    found = {}
    for path in sorted(FIXTURES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[path.name] = (document["model"], document["records"])
    return found


def records_of(model_name):
    return [record for model, records in documents().values() if model == model_name for record in records]


def citations_in(record):
    """Every citation a record carries, including those of its claims and heads of mission."""
    items = list(record.get("citations") or [])
    for claim in record.get("date_claims") or []:
        items.extend(claim.get("citations") or [])
    for head in record.get("heads") or []:
        items.extend(citations_in(head))
    return items


def history_counts():
    return {model.__name__: model.history.count() for model in HISTORY_MODELS}


def report_text():
    out = io.StringIO()
    call_command("content_report", stdout=out, no_color=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    """The real fixtures, loaded once for the module inside a transaction that is rolled back at the end.

    Each test still runs in its own savepoint (the ``db`` fixture), so a test that changes the
    record leaves the next one the freshly loaded content.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load(FIXTURES)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(loaded_once, db):
    return loaded_once


def test_every_fixture_file_names_a_known_model():
    for name, (model, records) in documents().items():
        assert model in MODELS, name
        assert records, f"{name} has no records"


def test_fixtures_have_no_dangling_references():
    sources = {record["slug"] for record in records_of("source")}
    countries = {record["slug"] for record in records_of("country")}
    dangling = []
    for name, (model, records) in documents().items():
        for record in records:
            label = f"{name}: {record.get('slug') or record.get('country')}"
            dangling += [(label, c["source"]) for c in citations_in(record) if c["source"] not in sources]
            refs = list(record.get("successors") or []) + list(record.get("countries") or [])
            if model in ("relationperiod", "mission"):
                refs.append(record["country"])
            dangling += [(label, slug) for slug in refs if slug not in countries]
    assert dangling == []


def test_every_source_is_cited_somewhere_except_the_seed_bibliography():
    cited = {c["source"] for model, records in documents().values() for r in records for c in citations_in(r)}
    unused = {record["slug"] for record in records_of("source")} - cited
    assert unused <= SEED_BIBLIOGRAPHY


# One address that serves several Afghan embassy pages (see the two sources' editor notes).
SHARED_ADDRESSES = {"https://www.abudhabi.mfa.af/bilateral-relationship/diplomatic-history.html"}


def test_no_two_sources_describe_the_same_address():
    """A source is described once and cited from everywhere; two helpers' copies would drift apart."""
    by_url = {}
    for record in records_of("source"):
        if record.get("url"):
            by_url.setdefault(record["url"], []).append(record["slug"])
    repeated = {url: slugs for url, slugs in by_url.items() if len(slugs) > 1 and url not in SHARED_ADDRESSES}
    assert repeated == {}


def test_no_work_is_recorded_twice(loaded):
    """The same book or report under two slugs would be listed twice in a page's references."""
    from relations.management.commands.content_report import possible_duplicate_sources

    # One address known to have served two different pages (see its sources' notes).
    shared = set(Source.objects.filter(url__in=SHARED_ADDRESSES).values_list("slug", flat=True))
    assert [slugs for slugs in possible_duplicate_sources() if not set(slugs) <= shared] == []


def test_real_fixtures_load(loaded):
    assert loaded.created["eras"] == 6
    assert Event.objects.count() >= 80
    assert Source.objects.filter(slug__in=["adamec-1967", "adamec-1974", "kakar-2006"]).count() == 3
    assert Country.objects.filter(kind=CountryKind.FORMER_STATE).count() >= 5
    assert Country.objects.filter(kind=CountryKind.ORGANISATION, iso2__isnull=True, region="").count() >= 8
    assert RelationPeriod.objects.published().exists()
    assert HeadOfMission.objects.filter(name="Ghulam M. Isaczai", mission__kind="permanent_mission").exists()


def test_every_published_claim_has_a_citation(loaded):
    for model in CLAIM_MODELS:
        for obj in model.objects.published():
            assert obj.citations.exists(), f"{model.__name__} {obj} is published without a citation"


def test_every_date_claim_has_a_citation_and_one_preferred_claim_matches_the_record(loaded):
    claims = DateClaim.objects.prefetch_related("citations")
    assert claims.exists()
    fields = {}
    for claim in claims:
        assert claim.citations.exists(), f"{claim} cites no source"
        fields.setdefault((claim.content_type_id, claim.object_id, claim.field), []).append(claim)
    for group in fields.values():
        preferred = [claim for claim in group if claim.is_preferred]
        assert len(preferred) == 1, group
        target = preferred[0].content_object
        field = preferred[0].field
        assert getattr(target, field) == preferred[0].date
        assert getattr(target, f"{field}_precision") == preferred[0].precision


def test_unverified_records_are_drafts_with_a_note_for_editors(loaded):
    for model in (RelationPeriod, Mission, Event, HeadOfMission, Country, Source, Era):
        for obj in model.objects.filter(unverified=True):
            assert not obj.is_published, obj
            assert obj.editor_notes.strip(), f"{obj} is unverified without saying what is missing"


def test_no_states_relations_from_before_the_takeover_run_on_unexamined(loaded):
    """Relations with a state as they stood before 15 August 2021 say nothing of its dealings with the
    Taliban: a period from before then left open would claim they continued unchanged. Only a lasting
    absence of relations (Israel) or a recognition of a state (Palestine) carries over; organisations,
    whose membership does not hang on recognising a government, are not concerned."""
    takeover = datetime.date(2021, 8, 15)
    carried_over = RelationPeriod.objects.published().filter(
        ends_on__isnull=True, starts_on__lt=takeover, country__kind__in=(CountryKind.STATE, CountryKind.FORMER_STATE)
    )
    unexamined = carried_over.exclude(status__in=(RelationStatus.NONE, RelationStatus.RECOGNITION))
    assert not list(unexamined.values_list("country__slug", "status"))


def test_no_draft_mission_holds_a_published_head(loaded):
    """A head is shown with their mission; one published under a draft mission says more than the record stands by."""
    stray = HeadOfMission.objects.published().exclude(mission__publication=Publication.PUBLISHED)
    assert not list(stray.values_list("mission__slug", "name"))


def test_loading_twice_changes_nothing(loaded):
    before_history = history_counts()
    before_report = report_text()

    again = load(FIXTURES)

    assert not again.changed, (again.created, again.updated)
    assert history_counts() == before_history
    assert report_text() == before_report


def test_broken_fixture_changes_nothing_and_names_the_file_and_record(loaded, tmp_path):
    broken = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, broken)
    path = broken / "61_events_independence.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # An edit early in the file that must not survive, then a corrupt record after it.
    document["records"][0]["title"] = "An edit that must be rolled back"
    document["records"][2]["date"] = "the spring of 1921"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before_history = history_counts()
    before_report = report_text()

    with pytest.raises(FixtureError) as error:
        load(broken)

    message = str(error.value)
    assert "61_events_independence.yaml" in message
    assert "record 3" in message
    assert document["records"][2]["slug"] in message
    assert not Event.objects.filter(title="An edit that must be rolled back").exists()
    assert history_counts() == before_history
    assert report_text() == before_report


def test_records_read_before_a_broken_one_are_rolled_back(db, tmp_path):
    broken = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, broken)
    sources = broken / "10_sources.yaml"
    document = yaml.safe_load(sources.read_text(encoding="utf-8"))
    document["records"].append({"slug": "a-new-source", "kind": "book", "title": "A new source"})
    sources.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    relations = broken / "40_relations.yaml"
    document = yaml.safe_load(relations.read_text(encoding="utf-8"))
    document["records"][1]["country"] = "atlantis"
    relations.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = {model.__name__: model.objects.count() for model in (Source, Era, Country, RelationPeriod)}

    with pytest.raises(FixtureError, match=r"40_relations\.yaml, record 2 \(atlantis from "):
        load(broken)

    assert not Source.objects.filter(slug="a-new-source").exists()
    assert {model.__name__: model.objects.count() for model in (Source, Era, Country, RelationPeriod)} == before


def test_eras_are_contiguous_and_do_not_overlap(loaded):
    eras = list(Era.objects.published().order_by("starts_on"))
    assert [era.slug for era in eras] == [
        "great-game",
        "independence-and-neutrality",
        "democratic-republic-and-soviet-war",
        "civil-war-and-first-emirate",
        "islamic-republic",
        "islamic-emirate",
    ]
    for earlier, later in zip(eras, eras[1:], strict=False):
        assert earlier.ends_on == later.starts_on, (earlier, later)
    assert eras[0].starts_on.year < 1919
    assert eras[-1].ends_on is None
    assert [era.ends_on for era in eras[:-1]] == [
        datetime.date(1919, 8, 8),
        datetime.date(1978, 4, 27),
        datetime.date(1992, 4, 28),
        datetime.date(2001, 12, 22),
        datetime.date(2021, 8, 15),
    ]


def test_every_published_event_falls_in_an_era(loaded):
    assert not Event.objects.published().with_era().filter(era_slug__isnull=True).exists()
    for era in Era.objects.published():
        assert Event.objects.published().in_era(era).exists(), f"no event in {era}"


def test_every_seed_dated_event_is_present(loaded):
    for slug, year, month in SEED_DATED_EVENTS:
        event = Event.objects.published().get(slug=slug)
        assert event.date.year == year, slug
        if month is not None:
            assert event.date.month == month, slug
            assert event.date_precision in (Precision.MONTH, Precision.DAY), slug
        if slug in SEED_DAYS:
            assert (event.date.day, event.date_precision) == (SEED_DAYS[slug], Precision.DAY), slug


def test_status_periods_of_one_country_do_not_overlap(loaded):
    periods = {}
    for period in RelationPeriod.objects.order_by("country_id", "starts_on"):
        periods.setdefault(period.country_id, []).append(period)
    for country_periods in periods.values():
        for earlier, later in zip(country_periods, country_periods[1:], strict=False):
            assert earlier.ends_on is not None and earlier.ends_on <= later.starts_on, (earlier, later)


def test_post_2021_statuses_follow_the_seed(loaded):
    russia = Country.objects.with_status_on(datetime.date(2025, 7, 4)).get(slug="russia")
    china = Country.objects.with_status_on(datetime.date(2024, 1, 1)).get(slug="china")
    assert russia.status_on == "diplomatic"
    assert china.status_on == "informal"


def test_former_states_have_successors_and_a_dissolution_date(loaded):
    for country in Country.objects.filter(kind=CountryKind.FORMER_STATE):
        assert country.dissolved_on is not None, country
        assert country.successors.exists(), country
        assert country.citations.exists(), country
