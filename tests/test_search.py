import pytest
import time_machine
from django.db import connection

from relations import search
from tests.factories import UserFactory
from tests.site_data import build_world
from tests.test_views import TODAY

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


@pytest.fixture
def world():
    with time_machine.travel(TODAY, tick=False):
        yield build_world()


def slugs(scope_key, text):
    return {record.slug for record in search.search(search.SCOPES_BY_KEY[scope_key], text)}


def test_search_requires_every_word(world):
    assert slugs("events", "alphaland treaty") == {"alpha-treaty"}
    assert slugs("events", "alphaland resolution") == set()


def test_missions_are_found_by_their_own_text_and_their_countrys_name_together(world):
    assert slugs("missions", "betaland") == {"afghan-embassy-betaville", "beta-consulate-herat"}
    assert slugs("missions", "alphaland kabul") == {"alpha-embassy-kabul"}
    assert slugs("missions", "kabul") == {"alpha-embassy-kabul", "utn-mission-kabul"}


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")


def test_search_honours_exclusions_on_every_database(world):
    assert slugs("events", "alphaland -treaty") == {"alpha-break"}
    assert slugs("missions", "kabul -alphaland") == {"utn-mission-kabul"}
    # Exclusions alone find everything else, as PostgreSQL's web-search syntax does.
    assert "alpha-break" in slugs("events", "-treaty") and "alpha-treaty" not in slugs("events", "-treaty")


@postgresql_only
def test_search_honours_exclusions_and_phrases(world):
    assert slugs("events", "alphaland -treaty") == {"alpha-break"}
    assert slugs("missions", "kabul -alphaland") == {"utn-mission-kabul"}
    assert slugs("events", '"broken off"') == {"alpha-break"}
    assert slugs("events", '"alphaland relations"') == set()


@postgresql_only
@pytest.mark.parametrize("scope", search.SCOPES, ids=lambda scope: scope.key)
def test_search_reads_the_scopes_gin_index(world, scope):
    """The query's vector is the index's expression; a drift between them would leave the index unused.

    The test tables are tiny, so sequential scans and plain index scans (of some other index, read whole)
    are switched off to ask whether the GIN index *can* serve, whatever statistics the test database has;
    and the search is a staff member's, whose drafts leave no other index to choose.
    """
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
    plan = search.search(scope, "treaty", UserFactory(is_staff=True)).explain()
    assert f"Bitmap Index Scan on {scope.model._meta.model_name}_search" in plan


@sqlite_only
def test_sqlite_search_finds_the_beginning_of_a_word_and_survives_odd_input(world):
    assert slugs("events", "alphal treat") == {"alpha-treaty"}
    for odd in ('"', 'a"b', "- -- ***", "NEAR(alpha beta)", "title:alpha", "alpha OR"):
        slugs("events", odd)  # any of these is a syntax error if passed to FTS5 unquoted


@sqlite_only
def test_sqlite_search_takes_a_one_letter_word_whole_not_as_the_beginning_of_every_word(world):
    """As a prefix, one letter matched nearly every record (160 ms a search with 100 times the record)."""
    assert "alpha-treaty" in slugs("events", "al")
    assert slugs("events", "x") == set()


@sqlite_only
def test_sqlite_search_leaves_out_the_words_postgresql_leaves_out(world):
    """Stop words matched nearly every record ("of": 110 ms a search with 100 times the record); as with
    PostgreSQL's "english" configuration, they are left out, and a query of them alone finds nothing."""
    assert slugs("events", "treaty of the") == slugs("events", "treaty") == {"alpha-treaty"}
    assert slugs("events", "of") == slugs("events", "The A") == set()


@sqlite_only
def test_sqlite_search_index_follows_every_write(world):
    from relations.models import Event

    event = Event.objects.get(slug="alpha-treaty")
    event.title = "Accord of Zanzibarland"
    event.save()
    assert slugs("events", "zanzibarland") == {"alpha-treaty"}
    assert slugs("events", "alphaland treaty") == set()
    Event.objects.filter(slug="alpha-treaty").update(title="Pact of Quuxland")  # a bulk update, no save()
    assert slugs("events", "quuxland") == {"alpha-treaty"}
    Event.objects.filter(slug="alpha-treaty").delete()
    assert slugs("events", "quuxland") == set()


@sqlite_only
def test_sqlite_search_index_is_rebuilt_when_a_migration_drops_its_triggers(world):
    """A migration that alters a searched table makes SQLite rebuild it, losing its triggers."""
    from relations.search_sqlite import ensure_index

    with connection.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER relations_event_fts_{suffix}")
        cursor.execute("UPDATE relations_event SET title = 'Pact of Quuxland' WHERE slug = 'alpha-treaty'")
    assert slugs("events", "quuxland") == set()  # the index no longer follows the table
    assert ensure_index() == ["relations_event"]
    assert slugs("events", "quuxland") == {"alpha-treaty"}
    assert ensure_index() == []  # nothing missing, nothing rebuilt
