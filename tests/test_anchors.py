"""Page anchors (relations/anchors.py): pages by number skip little, and are the same pages whatever was written."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relations import anchors
from relations.models import Publication, Source
from relations.paginator import DeferredJoinPaginator, total_order
from relations.querysets import PUBLISHED

from .factories import SourceFactory

pytestmark = pytest.mark.django_db

SPACING = 4


@pytest.fixture
def spacing(monkeypatch):
    monkeypatch.setattr(anchors, "SPACING", SPACING)
    return SPACING


@pytest.fixture
def sources(spacing):
    """Sources filed out of insertion order, with ties on the filing key and on (key, title), and drafts."""
    authors = ["Zand, A.", "Adamec, L.", "Kakar, H.", "Adamec, L.", "Dupree, L.", "Gregorian, V.", "Kakar, H."]
    made = [
        SourceFactory(
            slug=f"s{n}",
            authors=authors[n % len(authors)],
            title=f"Volume {n % 4}",
            publication=Publication.DRAFT if n % 5 == 0 else Publication.PUBLISHED,
        )
        for n in range(37)
    ]
    anchors.rebuild()
    return made


def lists():
    return {"all": Source.objects.all(), "published": Source.objects.published()}


def pages(paginator):
    return [[obj.pk for obj in paginator.page(n).object_list] for n in paginator.page_range]


def offsets(sql):
    found = re.search(r"OFFSET (\d+)", sql)
    return int(found.group(1)) if found else 0


def anchor_queries(captured):
    return [q["sql"] for q in captured if anchors.ANCHORS in q["sql"]]


def read_page(paginator, number):
    with CaptureQueriesContext(connection) as queries:
        keys = [obj.pk for obj in paginator.page(number).object_list]
    return keys, queries.captured_queries


@pytest.mark.parametrize("scope", ["all", "published"])
@pytest.mark.parametrize(("per_page", "orphans"), [(1, 0), (2, 0), (3, 1), (5, 2), (7, 0)])
def test_every_page_by_number_is_the_slice_of_the_reading_order_read_from_an_anchor(sources, scope, per_page, orphans):
    queryset = lists()[scope]
    expected = list(total_order(queryset).values_list("pk", flat=True))
    assert len(expected) == (37 if scope == "all" else 29)
    paginator = DeferredJoinPaginator(queryset, per_page, orphans=orphans)
    plain = pages(Paginator(total_order(queryset), per_page, orphans=orphans))
    for number in paginator.page_range:
        keys, captured = read_page(paginator, number)
        assert keys == plain[number - 1], number
        if number > 1:
            assert len(anchor_queries(captured)) == 1
            # From the anchor, the keys query skips fewer rows than lie between two anchors.
            assert max(offsets(q["sql"]) for q in captured) < SPACING
    assert [pk for page in plain for pk in page] == expected


def test_the_anchors_mark_every_spacing_th_row_of_each_list(sources):
    for scope, queryset in lists().items():
        order = list(total_order(queryset).values_list("sort_key", "title", "pk"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT position, key FROM {anchors.ANCHORS} WHERE list = %s ORDER BY position",  # noqa: S608
                [anchors.list_name(Source, scope)],
            )
            stored = [(position, tuple(json.loads(key))) for position, key in cursor.fetchall()]
        assert stored == [(position, order[position]) for position in range(0, len(order), SPACING)]
    assert anchors.verify() == ([], [])


def test_other_lists_and_orders_read_by_offset_without_asking_for_an_anchor(sources):
    for queryset in (
        Source.objects.filter(kind="book"),
        Source.objects.order_by("-sort_key", "title"),
        Source.objects.published().order_by("title"),
    ):
        paginator = DeferredJoinPaginator(queryset, 3)
        for number in paginator.page_range:
            keys, captured = read_page(paginator, number)
            assert keys == pages(Paginator(total_order(queryset), 3))[number - 1]
            assert anchor_queries(captured) == []


def write_then_compare(write):
    """After ``write``, each list's pages are still exact, read by OFFSET with the same number of queries."""
    before = {}
    for scope, queryset in lists().items():
        _keys, captured = read_page(DeferredJoinPaginator(queryset, 3), 4)
        before[scope] = len(captured)
    write()
    for scope, queryset in lists().items():
        paginator = DeferredJoinPaginator(queryset, 3)
        assert pages(paginator) == pages(Paginator(total_order(queryset), 3)), scope
        assert anchors.nearest(queryset, 8, paginator.sort_key) is None, scope
        _keys, captured = read_page(DeferredJoinPaginator(queryset, 3), 4)
        assert len(captured) == before[scope]
    assert anchors.verify()[1] == []  # out of date, never wrong
    anchors.rebuild()
    assert anchors.verify() == ([], [])


def raw_update():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE relations_source SET title = 'Aardvark' WHERE slug = 's9'")


@pytest.mark.parametrize(
    "write",
    [
        lambda: SourceFactory(slug="first", authors="Aaron, B.", title="Earliest"),
        lambda: Source.objects.filter(slug="s3").update(publication=Publication.DRAFT),
        lambda: Source.objects.bulk_create([Source(slug="bulk", kind="book", title="Bulk", publication=PUBLISHED)]),
        raw_update,
        lambda: Source.objects.filter(slug__in=["s1", "s2"]).delete(),
        lambda: Source.objects.filter(slug="s7").update(sort_key="0"),
    ],
    ids=["save", "update", "bulk-insert", "raw-sql", "delete", "refile"],
)
def test_after_any_write_the_anchors_go_unused_until_recomputed(sources, write):
    write_then_compare(write)


def test_a_save_recomputes_the_anchors_once_its_transaction_commits(spacing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(11):
            SourceFactory(slug=f"new-{n}", authors=f"Aaron, {10 - n}.")
        Source.objects.get(slug="new-4").delete()
    assert len([c for c in callbacks if getattr(c, "anchors_for", None)]) == 1  # once, however many writes
    assert anchors.verify() == ([], [])
    queryset = Source.objects.published()
    paginator = DeferredJoinPaginator(queryset, 2)
    assert anchors.nearest(queryset, 6, paginator.sort_key) is not None
    assert pages(paginator) == pages(Paginator(total_order(queryset), 2))


def test_a_rolled_back_write_leaves_the_anchors_current(sources, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            SourceFactory(slug="undone", authors="Aaron, B.")
            raise RuntimeError
    assert callbacks == []
    assert anchors.verify() == ([], [])


def test_the_write_counting_triggers_exist_and_migrate_puts_them_back():
    """SQLite drops a table's triggers when a migration rebuilds it; every migrate ensures them again."""
    table = Source._meta.db_table
    assert anchors.triggers_present() == {table: anchors.trigger_names(Source)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER {table}_writes_insert" + ("" if connection.vendor == "sqlite" else f" ON {table}")
        )
    assert anchors.triggers_present() == {table: [n for n in anchors.trigger_names(Source) if "insert" not in n]}
    anchors.ensure()
    assert anchors.triggers_present() == {table: anchors.trigger_names(Source)}
    before = anchors.writes(Source)
    SourceFactory()
    assert anchors.writes(Source) > before


def test_recount_reports_out_of_date_anchors_refuses_wrong_ones_and_fixes_both(sources):
    SourceFactory(slug="late", authors="Aaron, B.")  # no commit in this test: the anchors are out of date
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "relations_source:published: page anchors predate the last write" in out.getvalue()
    assert "Out-of-date anchors are never used" in out.getvalue()
    call_command("recount", "--fix", stdout=io.StringIO())
    assert anchors.verify() == ([], [])
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {anchors.ANCHORS} SET key = \'["a", "b", 1]\' WHERE position = %s', [SPACING])  # noqa: S608
    with pytest.raises(CommandError, match="2 lists' page anchors differ from a fresh pass"):
        call_command("recount", stdout=io.StringIO())
    out = io.StringIO()
    call_command("recount", "--fix", stdout=out)
    assert "0 lists' page anchors are not current" in out.getvalue()


def test_the_sources_page_and_api_read_a_page_by_number_from_an_anchor(client, spacing):
    Source.objects.bulk_create(
        Source(slug=f"b{n:03}", kind="book", title=f"Book {n:03}", sort_key=f"book {n:03}", publication=PUBLISHED)
        for n in range(130)
    )
    Source.objects.bulk_create(
        [Source(slug="hidden", kind="book", title="Book 075a", sort_key="book 075a", publication=Publication.DRAFT)]
    )
    anchors.rebuild()
    pages = {reverse("relations:source-list") + "?page=2": 'id="source-{}"', "/api/v1/sources/?page=2": '"slug":"{}"'}
    for url, key in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode().replace(": ", ":")
        assert len(anchor_queries(queries.captured_queries)) == 1, url
        assert max(offsets(q["sql"]) for q in queries.captured_queries) < SPACING
        assert key.format("b050") in body and key.format("b099") in body
        assert key.format("b049") not in body and key.format("b100") not in body and key.format("hidden") not in body


def test_a_failed_recomputation_keeps_the_write_and_logs(
    spacing, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The save has committed when the anchors are recomputed: a failure there is logged, not raised."""
    Source.objects.bulk_create(
        Source(slug=f"b{n}", kind="book", title=f"Book {n}", publication=PUBLISHED) for n in range(9)
    )
    anchors.rebuild()

    def fail(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(anchors, "rebuild", fail)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        SourceFactory(slug="kept", authors="Aaron, B.")
    assert Source.objects.filter(slug="kept").exists()
    assert "Recomputing the page anchors failed" in caplog.text
    queryset = Source.objects.published()
    assert pages(DeferredJoinPaginator(queryset, 3)) == pages(Paginator(total_order(queryset), 3))
