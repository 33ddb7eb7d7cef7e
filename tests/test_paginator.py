"""The list paginator returns exactly the pages of plain slicing, whichever end it counts from."""

import datetime
import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from relations.models import Event, Mission
from relations.paginator import BadContinuation, DeferredJoinPaginator, _from, _sort_key, total_order

from .factories import CountryFactory, EventFactory, MissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    # Ties on date and on (date, title), and dates out of insertion order.
    days = [3, 1, 2, 1, 3, 2, 1, 5, 4, 4, 2, 1, 3]
    return [
        EventFactory(slug=f"e{n}", title=f"Title {n % 3}", date=datetime.date(1950, 1, day))
        for n, day in enumerate(days)
    ]


@pytest.fixture
def missions():
    country = CountryFactory(name="Ruritania")
    opened = [None, 1950, None, 1960, 1950, None, 1970, 1960, None]
    return [
        MissionFactory(
            slug=f"m{n}",
            country=country,
            opened_on=datetime.date(year, 1, 1) if year else None,
            opened_on_precision="year" if year else "",
        )
        for n, year in enumerate(opened)
    ]


def pages(paginator):
    return [[obj.pk for obj in paginator.page(n).object_list] for n in paginator.page_range]


ORDERINGS = [
    ("date",),
    ("-date",),
    ("date", "title"),
    ("-date", "-title"),
    ("title", "-date"),
    (F("date").desc(), "title"),
]


@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
@pytest.mark.parametrize(("per_page", "orphans"), [(2, 0), (3, 0), (4, 1), (5, 2), (13, 0)])
def test_every_page_is_the_slice_of_the_reading_order_then_id(events, ordering, per_page, orphans):
    queryset = Event.objects.order_by(*ordering)
    expected = list(total_order(queryset).values_list("pk", flat=True))
    ours = pages(DeferredJoinPaginator(queryset, per_page, orphans=orphans))
    plain = pages(Paginator(total_order(queryset), per_page, orphans=orphans))
    assert ours == plain
    assert [pk for page in ours for pk in page] == expected


@pytest.mark.parametrize(
    "ordering",
    [("opened_on",), ("-opened_on",), (F("opened_on").asc(nulls_last=True),), (F("opened_on").desc(nulls_first=True),)],
    ids=str,
)
def test_pages_are_exact_with_empty_dates_in_the_order(missions, ordering):
    queryset = Mission.objects.order_by(*ordering)
    assert pages(DeferredJoinPaginator(queryset, 2)) == pages(Paginator(total_order(queryset), 2))


def test_the_id_ends_the_order_once(events):
    assert total_order(Event.objects.order_by("date", "pk")).query.order_by == ("date", "pk")
    assert total_order(Event.objects.order_by("date", "-id")).query.order_by == ("date", "-id")
    assert total_order(Event.objects.order_by("date")).query.order_by == ("date", "pk")
    assert total_order(Event.objects.all()).query.order_by == (*Event._meta.ordering, "pk")
    unordered = Event.objects.order_by()
    assert total_order(unordered) is unordered


def offsets(sql):
    found = re.search(r"OFFSET (\d+)", sql)
    return int(found.group(1)) if found else 0


def test_a_page_in_the_second_half_skips_the_rows_after_it(events):
    """The last page reads its keys from the end: nothing skipped; no page skips more than half."""
    queryset = Event.objects.order_by("date", "title")
    paginator = DeferredJoinPaginator(queryset, 2)
    skipped = {}
    for number in paginator.page_range:
        with CaptureQueriesContext(connection) as queries:
            list(paginator.page(number).object_list)
        skipped[number] = max((offsets(q["sql"]) for q in queries.captured_queries), default=0)
    assert skipped[paginator.num_pages] == 0
    assert skipped[paginator.num_pages - 1] == 1  # 13 rows: the last page holds one, the one before skips it
    assert max(skipped.values()) <= len(events) // 2


# Continuations: a page read as the one after the page before, from an index seek


def walk(paginator, scope=""):
    """Every page, each read as the continuation of the one before; the SQL of each page's keys."""
    page = paginator.page(1)
    seen, sqls = [[obj.pk for obj in page.object_list]], []
    while page.has_next():
        token = paginator.continuation(page, scope)
        assert token is not None
        after = paginator.read_continuation(token, page.number + 1, scope)
        with CaptureQueriesContext(connection) as queries:
            page = paginator.page(page.number + 1, after=after)
            seen.append([obj.pk for obj in page.object_list])
        sqls += [q["sql"] for q in queries.captured_queries]
    return seen, sqls


@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
@pytest.mark.parametrize(("per_page", "orphans"), [(2, 0), (3, 0), (4, 1), (5, 2)])
def test_continued_pages_are_the_numbered_pages_without_an_offset(events, ordering, per_page, orphans):
    queryset = Event.objects.order_by(*ordering)
    paginator = DeferredJoinPaginator(queryset, per_page, orphans=orphans)
    continued, sqls = walk(paginator)
    assert continued == pages(DeferredJoinPaginator(queryset, per_page, orphans=orphans))
    assert sqls and all(offsets(sql) == 0 for sql in sqls)


def test_a_walk_neither_repeats_nor_skips_when_a_record_is_added_before_it(events):
    queryset = Event.objects.order_by("date", "title")
    paginator = DeferredJoinPaginator(queryset, 4)
    first = paginator.page(1)
    token = paginator.continuation(first)
    EventFactory(slug="earliest", title="Title 0", date=datetime.date(1900, 1, 1))  # sorts before page 1
    paginator = DeferredJoinPaginator(queryset, 4)
    second = paginator.page(2, after=paginator.read_continuation(token, 2))
    numbered = paginator.page(2)
    assert [e.pk for e in second.object_list] == list(
        total_order(queryset).values_list("pk", flat=True)[5:9]
    )  # the four after page 1's last row, now at 5 to 8
    assert numbered.object_list[0].pk == first.object_list[-1].pk  # by number, the last row comes back


def test_orders_on_empty_or_joined_values_are_not_continued(missions):
    for queryset in (Mission.objects.order_by("opened_on"), Mission.objects.all()):  # nullable; country__name
        paginator = DeferredJoinPaginator(queryset, 2)
        assert paginator.continuation(paginator.page(1)) is None


def test_a_continuation_serves_only_its_own_page_size_order_and_scope(events):
    queryset = Event.objects.order_by("date", "title")
    paginator = DeferredJoinPaginator(queryset, 3)
    token = paginator.continuation(paginator.page(1), "country=x")
    assert paginator.read_continuation(token, 2, "country=x")
    refused = [
        (paginator, token, 3, "country=x"),  # another page
        (paginator, token, 2, "country=y"),  # another filter
        (DeferredJoinPaginator(queryset, 4), token, 2, "country=x"),  # another page size
        (DeferredJoinPaginator(Event.objects.order_by("-date"), 3), token, 2, "country=x"),  # another order
        (paginator, token[:-3] + "abc", 2, "country=x"),  # altered
        (paginator, "garbage", 2, "country=x"),
    ]
    for other, bad, number, scope in refused:
        with pytest.raises(BadContinuation):
            other.read_continuation(bad, number, scope)


@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
def test_rows_from_a_key_are_that_row_and_those_after_it(events, ordering):
    """``_from`` (a page read from its anchor) in one direction and in mixed ones."""
    queryset = total_order(Event.objects.order_by(*ordering))
    keys = _sort_key(queryset)
    order = list(queryset)
    for n, row in enumerate(order):
        values = [getattr(row, field.attname) for field, _descending in keys]
        assert list(queryset.filter(_from(keys, values))) == order[n:]
