import textwrap

import pytest
from django.core.management import CommandError, call_command

from relations.models import Citation, Country, DateClaim, Event, HeadOfMission, RelationPeriod, Source

pytestmark = pytest.mark.django_db

SOURCES = """
model: source
records:
  - slug: ref-book
    kind: book
    authors: "Writer, Some"
    title: "A reference book"
    published_on: 1967
    publication: published
"""
COUNTRIES = """
model: country
records:
  - slug: ruritania
    name: Ruritania
    kind: state
    iso2: RR
    region: europe
    publication: published
"""
EVENTS = """
model: event
records:
  - slug: treaty-of-somewhere
    title: Treaty of Somewhere
    date: "1921-02"
    kind: treaty
    countries: [ruritania]
    publication: published
    citations:
      - {source: ref-book, locator: "p. 12", quote: "they signed"}
"""
RELATIONS = """
model: relationperiod
records:
  - country: ruritania
    status: diplomatic
    starts_on: 1921
    publication: published
    citations: [{source: ref-book, locator: "p. 3"}]
    date_claims:
      - {field: starts_on, date: 1921, preferred: true, citations: [{source: ref-book, locator: "p. 3"}]}
      - {field: starts_on, date: 1919-05-27, note: "A letter", citations: [{source: ref-book, locator: "p. 9"}]}
"""


def write(directory, **files):
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


@pytest.fixture
def fixtures_dir(tmp_path):
    return write(tmp_path, a_sources=SOURCES, b_countries=COUNTRIES, c_events=EVENTS, d_relations=RELATIONS)


def history_rows():
    return sum(m.history.count() for m in (Source, Country, Event, RelationPeriod, Citation, DateClaim))


def test_load_content_loads_records_in_dependency_order_with_precision(fixtures_dir):
    call_command("load_content", directory=str(fixtures_dir))
    event = Event.objects.published().get(slug="treaty-of-somewhere")
    assert (event.date.isoformat(), event.date_precision) == ("1921-02-01", "month")
    assert [c.slug for c in event.countries.all()] == ["ruritania"]
    assert event.citations.get().quote == "they signed"
    period = RelationPeriod.objects.get(country__slug="ruritania")
    assert period.starts_on_precision == "year"
    assert DateClaim.objects.filter(object_id=period.pk).count() == 2
    assert Country.objects.with_establishment().get(slug="ruritania").relations_established_on.year == 1921


def test_load_content_twice_changes_nothing(fixtures_dir, capsys):
    call_command("load_content", directory=str(fixtures_dir))
    before = history_rows()
    call_command("load_content", directory=str(fixtures_dir))
    assert history_rows() == before
    assert "nothing changed" in capsys.readouterr().out


def test_a_broken_record_leaves_the_database_untouched_and_is_named(fixtures_dir):
    write(fixtures_dir, c_events=EVENTS.replace('date: "1921-02"', 'date: "1921-13-45"'))
    with pytest.raises(CommandError) as error:
        call_command("load_content", directory=str(fixtures_dir))
    assert "c_events.yaml, record 1 (treaty-of-somewhere)" in str(error.value)
    assert Source.objects.count() == Country.objects.count() == 0


def test_an_uncited_published_claim_is_refused(fixtures_dir):
    write(fixtures_dir, c_events=EVENTS.split("    citations:")[0])
    with pytest.raises(CommandError, match="no citation"):
        call_command("load_content", directory=str(fixtures_dir))
    assert Event.objects.count() == 0


def test_a_reference_to_a_missing_record_is_named(fixtures_dir):
    write(fixtures_dir, c_events=EVENTS.replace("[ruritania]", "[atlantis]"))
    with pytest.raises(CommandError, match="unknown countries: atlantis"):
        call_command("load_content", directory=str(fixtures_dir))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("e_events_more", EVENTS.replace("Treaty of Somewhere", "Treaty of Somewhere, told again")),
        ("e_relations_more", RELATIONS.replace("status: diplomatic", "status: suspended")),
    ],
)
def test_a_record_given_twice_is_refused_naming_both_places(fixtures_dir, name, text):
    """Two helpers writing the same mission in two files: the second must not silently win."""
    write(fixtures_dir, **{name: text})
    with pytest.raises(CommandError) as error:
        call_command("load_content", directory=str(fixtures_dir))
    assert f"{name}.yaml, record 1" in str(error.value)
    assert "already given in" in str(error.value) and "record 1; merge the two" in str(error.value)
    assert Source.objects.count() == 0


def test_a_preferred_claim_must_match_the_record(fixtures_dir):
    write(fixtures_dir, d_relations=RELATIONS.replace("starts_on: 1921\n", "starts_on: 1922\n"))
    with pytest.raises(CommandError, match="preferred claim"):
        call_command("load_content", directory=str(fixtures_dir))


def test_changing_a_fixture_updates_the_record_and_keeps_history(fixtures_dir):
    call_command("load_content", directory=str(fixtures_dir))
    versions = Event.objects.get(slug="treaty-of-somewhere").history.count()
    write(fixtures_dir, c_events=EVENTS.replace("Treaty of Somewhere", "Treaty of Somewhere Else"))
    call_command("load_content", directory=str(fixtures_dir))
    event = Event.objects.get(slug="treaty-of-somewhere")
    assert event.title == "Treaty of Somewhere Else"
    assert event.history.count() == versions + 1
    latest = event.history.first()
    assert (latest.title, latest.history_change_reason) == ("Treaty of Somewhere Else", "load_content")


def test_a_field_left_out_of_a_fixture_goes_back_to_its_default(fixtures_dir):
    write(
        fixtures_dir,
        c_events=EVENTS.replace("    kind: treaty\n", "    kind: treaty\n    unverified: true\n").replace(
            "publication: published", "publication: draft"
        ),
    )
    call_command("load_content", directory=str(fixtures_dir))
    assert Event.objects.get(slug="treaty-of-somewhere").unverified is True
    write(fixtures_dir, c_events=EVENTS)
    call_command("load_content", directory=str(fixtures_dir))
    event = Event.objects.get(slug="treaty-of-somewhere")
    assert (event.unverified, event.publication) == (False, "published")


MISSIONS = """
model: mission
records:
  - slug: ruritania-embassy-kabul
    country: ruritania
    direction: in_afghanistan
    kind: embassy
    city: Kabul
    status: open
    publication: published
    citations: [{source: ref-book, locator: "p. 20"}]
    heads:
      - {name: First Envoy, title: Minister, publication: published, citations: [{source: ref-book, locator: "p. 21"}]}
      - {name: Twice Envoy, title: Minister, started_on: 1950, publication: published, citations: [{source: ref-book}]}
      - {name: Twice Envoy, title: Envoy, started_on: 1960, publication: published, citations: [{source: ref-book}]}
"""


def test_a_heads_start_found_later_updates_the_same_row(fixtures_dir):
    """A person the fixture gives one term keeps their row when the term's start is sourced or corrected;
    a person with several terms is told apart by the start of each."""
    write(fixtures_dir, e_missions=MISSIONS)
    call_command("load_content", directory=str(fixtures_dir))
    first = HeadOfMission.objects.get(name="First Envoy")
    twice = set(HeadOfMission.objects.filter(name="Twice Envoy").values_list("pk", flat=True))
    assert len(twice) == 2

    for started_on in ("1948-03", "1947"):  # first sourced, then corrected
        undated = "First Envoy, title: Minister,"
        dated = MISSIONS.replace(undated, f"{undated} started_on: {started_on},")
        write(fixtures_dir, e_missions=dated)
        call_command("load_content", directory=str(fixtures_dir))

    (head,) = HeadOfMission.objects.filter(name="First Envoy")
    assert (head.pk, str(head.started_on), head.started_on_precision) == (first.pk, "1947-01-01", "year")
    assert head.citations.count() == 1
    assert set(HeadOfMission.objects.filter(name="Twice Envoy").values_list("pk", flat=True)) == twice


@pytest.mark.django_db(transaction=True)
def test_a_load_refreshes_the_planners_statistics_and_on_postgresql_vacuums():
    """After a bulk load the planner knows the tables; PostgreSQL's index-only scans need the VACUUM."""
    from django.db import connection

    from relations.services import refresh_planner_statistics
    from tests.factories import EventFactory

    EventFactory.create_batch(3)
    refresh_planner_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'relations_event'"
            )
            assert cursor.fetchone() == (True, True)
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'relations_event'")
            assert cursor.fetchone()[0] > 0
