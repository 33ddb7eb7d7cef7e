"""``manage.py content_report``: what an editor learns about the state of the record."""

import datetime
import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from relations.models import MissionStatus, Publication

from .factories import (
    CountryFactory,
    EventFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    cite,
    date_claim,
)


def report(*args):
    out = io.StringIO()
    call_command("content_report", *args, stdout=out, no_color=True)
    return out.getvalue()


def section(text, title):
    """The lines of the report section whose heading starts with ``title``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line)
    return "\n".join(body)


def test_report_counts_published_and_draft_records_per_kind(db):
    EventFactory.create_batch(3)
    EventFactory(publication=Publication.DRAFT, unverified=True, editor_notes="Date unconfirmed.")

    text = report()

    events_row = next(line for line in section(text, "Records").splitlines() if line.strip().startswith("events"))
    assert events_row.split()[1:] == ["3", "1", "1"]


def test_uncited_published_claim_is_listed_and_fails_the_strict_report(db):
    EventFactory(title="Cited treaty")
    EventFactory(title="Treaty nobody cites", cited=False)

    text = report()

    assert "Uncited published claims: 1" in text
    assert "Treaty nobody cites" in section(text, "Uncited published claims")
    assert "Cited treaty" not in section(text, "Uncited published claims")
    with pytest.raises(CommandError) as error:
        report("--strict")
    assert error.value.returncode == 1


def test_strict_report_exits_with_status_1_from_the_command_line(db):
    MissionFactory(cited=False)

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "content_report", "--strict", "--no-color"])

    assert exit_info.value.code == 1


def test_strict_report_passes_when_every_published_claim_is_cited(db):
    EventFactory()
    RelationPeriodFactory()
    MissionFactory()
    EventFactory(publication=Publication.DRAFT, cited=False)

    text = report("--strict")

    assert "Uncited published claims: 0" in text


def test_report_lists_countries_without_any_status_period(db):
    RelationPeriodFactory(country=CountryFactory(name="Countryland"))
    CountryFactory(name="Nowhereland")

    text = report()

    listed = section(text, "Countries without any status period")
    assert "Countries without any status period: 1" in text
    assert "Nowhereland" in listed
    assert "Countryland" not in listed


def test_report_lists_missions_without_dates(db):
    MissionFactory(country=CountryFactory(name="Dated"), city="Herat")
    MissionFactory(country=CountryFactory(name="Undated"), city="Kabul", opened_on=None)
    MissionFactory(
        country=CountryFactory(name="Closedland"),
        city="Kabul",
        status=MissionStatus.CLOSED,
        closed_on=None,
    )

    listed = section(report(), "Missions without dates")

    assert "Embassy of Undated in Kabul — no opening date" in listed
    assert "Embassy of Closedland in Kabul — no closing date" in listed
    assert "Dated" not in listed


def test_report_lists_disputed_dates_with_the_preferred_claim_marked(db):
    event = EventFactory(title="Disputed treaty", date=datetime.date(1921, 2, 28))
    date_claim(event, "date", datetime.date(1921, 2, 28), preferred=True, source=SourceFactory(slug="first-source"))
    date_claim(event, "date", datetime.date(1921, 1, 1), "year", source=SourceFactory(slug="second-source"))
    lone = EventFactory(title="Undisputed treaty")
    date_claim(lone, "date", lone.date, preferred=True)

    text = report()

    listed = section(text, "Disputed dates")
    assert "Disputed dates: 1" in text
    assert "Disputed treaty — date" in listed
    assert "* 28 February 1921 (first-source)" in listed
    assert "- 1921 (second-source)" in listed
    assert "Undisputed treaty" not in listed


def test_report_lists_unverified_records_with_their_notes(db):
    EventFactory(
        title="Doubtful visit", publication=Publication.DRAFT, unverified=True, editor_notes="Day unknown.\nMore."
    )

    listed = section(report(), "Unverified records")

    assert "Doubtful visit — Day unknown." in listed
    assert "More." not in listed


def test_report_lists_sources_not_fully_described_by_what_they_lack(db):
    SourceFactory(slug="complete-book", isbn="978-0-300-08340-8", published_on=datetime.date(2000, 1, 1))
    SourceFactory(slug="old-book", published_on=datetime.date(1967, 1, 1))  # before ISBNs: none to give
    SourceFactory(slug="bare-book", publisher="", published_on=None)
    SourceFactory(slug="dated-page", kind="web", publisher="", url="https://example.org/a", accessed_on=None)
    SourceFactory(slug="undated-page", kind="web", publisher="", url="https://example.org/b", accessed_on="2026-11-27")
    SourceFactory(slug="nowhere", kind="news", publisher="", container_title="", published_on="2021-08-15")

    text = report()

    listed = section(text, "Sources not fully described")
    assert "Sources not fully described: 3" in text
    assert "no publisher (1): bare-book" in listed
    assert "no ISBN (1): bare-book" in listed
    assert "no date of publication (1): bare-book" in listed
    assert "no access date (1): dated-page" in listed
    assert "no journal or outlet (1): nowhere" in listed
    assert "no URL, publisher or outlet (2): bare-book, nowhere" in listed
    for complete in ("complete-book", "old-book", "undated-page"):
        assert complete not in listed


def test_report_lists_one_work_recorded_twice_but_not_one_story_in_two_outlets(db):
    SourceFactory(slug="lee-2018", title="Afghanistan: A History", publisher="Reaktion Books")
    SourceFactory(slug="lee-again", title="AFGHANISTAN — a history", publisher="")
    SourceFactory(slug="ap-story", kind="news", title="Embassy to close", container_title="AP", publisher="")
    SourceFactory(slug="ap-reprint", kind="news", title="Embassy to close", container_title="Newsnet", publisher="")
    SourceFactory(slug="ap-twice", kind="news", title="Embassy to close!", container_title="AP", publisher="")
    SourceFactory(slug="page-once", kind="web", title="A page", url="https://example.org/p")
    SourceFactory(slug="page-again", kind="web", title="Another title", url="https://example.org/p/")

    text = report()

    listed = section(text, "Possible duplicate sources")
    assert "Possible duplicate sources: 3" in text
    assert "page-again = page-once" in listed
    assert "lee-2018 = lee-again" in listed
    assert "ap-story = ap-twice" in listed
    assert "ap-reprint" not in listed


def test_report_query_count_does_not_grow_with_the_record(db, django_assert_max_num_queries):
    def grow():
        source = SourceFactory()
        event = EventFactory()
        date_claim(event, "date", event.date, preferred=True, source=source)
        date_claim(event, "date", datetime.date(event.date.year, 1, 1), "year", source=source)
        period = RelationPeriodFactory()
        date_claim(period, "starts_on", period.starts_on, "year", preferred=True, source=source)
        date_claim(period, "starts_on", datetime.date(1921, 1, 1), "year", source=source)
        mission = MissionFactory(opened_on=None)
        cite(mission, source, locator="p. 2")
        CountryFactory()

    grow()
    with django_assert_max_num_queries(40):
        small = report()
    for _ in range(10):
        grow()
    with django_assert_max_num_queries(40):
        large = report()
    assert "Disputed dates: 22" in large
    assert "Disputed dates: 2" in small
