"""The list paginator returns exactly the pages of plain slicing, whichever end it counts from."""

import datetime
import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from relations.models import Event, Mission
from relations.paginator import DeferredJoinPaginator, total_order

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
