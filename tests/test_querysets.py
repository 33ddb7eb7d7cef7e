import datetime
from collections import Counter

import pytest

from relations.models import Event, Publication
from relations.querysets import count_per_year
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

DATES = [
    datetime.date(1740, 5, 1),  # before the first year: counted under first_year - 1
    datetime.date(1747, 1, 1),  # the first day of the first year
    datetime.date(1747, 12, 31),
    datetime.date(1800, 3, 3),
    datetime.date(1800, 3, 3),
    datetime.date(1919, 8, 8),
    datetime.date(1919, 12, 31),
    datetime.date(1920, 1, 1),  # the boundary belongs to the year it opens
    datetime.date(2026, 11, 27),
    datetime.date(2030, 1, 1),  # after the last year: counted under last_year + 1
]


def expected(dates, first_year, last_year):
    return Counter(min(max(d.year, first_year - 1), last_year + 1) for d in dates)


@pytest.mark.parametrize(
    "queryset",
    [
        pytest.param(lambda: Event.objects.all(), id="tallied by the database's triggers"),
        pytest.param(lambda: Event.objects.filter(pk__gt=0), id="counted year by year"),
    ],
)
def test_count_per_year_counts_each_date_in_its_year_and_the_rest_at_either_end(queryset, django_assert_num_queries):
    for date in DATES:
        EventFactory(date=date)
    with django_assert_num_queries(1):
        counts = count_per_year(queryset(), "date", 1747, 2026)
    assert counts == expected(DATES, 1747, 2026)
    assert counts[1746] == 1 and counts[2027] == 1 and counts[1919] == 2 and counts[1920] == 1


def test_count_per_year_keeps_the_querysets_conditions():
    EventFactory(date=datetime.date(1950, 1, 1))
    EventFactory(date=datetime.date(1950, 6, 1), publication=Publication.DRAFT)
    assert count_per_year(Event.objects.published(), "date", 1900, 2000) == {1950: 1}
    assert count_per_year(Event.objects.all(), "date", 1900, 2000) == {1950: 2}
    assert count_per_year(Event.objects.published().filter(title="none such"), "date", 1900, 2000) == {}
