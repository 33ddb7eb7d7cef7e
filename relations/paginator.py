"""Pages deep into a long list without making the database carry every skipped row.

``LIMIT 50 OFFSET 10000`` sorts and skips ten thousand whole rows (summaries and all)
before it returns fifty. Beyond the first page this paginator first asks for the
primary keys of the page only (narrow rows: the sort can often be read from an
index), then loads those records by key, keeping their order. Same pages, same
counts, one more query on pages after the first. The "deferred join" of the
PostgreSQL and MySQL folklore, done through the ORM.

A page in the second half of the list is counted from the end: its keys are read in the
reverse order, skipping the rows after it rather than the rows before it, and put back
in reading order. The last pages (the newest events, the end of an alphabet) then cost
what the first ones do, and no page skips more than half the list. This needs an order
in which no two rows tie, so that the reverse order is exactly the reading order read
backwards; the id is added as the last key where the order does not end with it.

The number of rows comes from the tallies the database keeps (``relations/tally.py``) where
the list is every (published) row of a tallied table; other lists are counted as usual.
"""

from django.core.paginator import Paginator
from django.db.models import F, OrderBy, QuerySet
from django.utils.functional import cached_property

from . import tally


def total_order(queryset):
    """``queryset`` with the id as its last sort key (as it is, if unordered or already so)."""
    query = queryset.query
    ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    if not ordering:
        return queryset
    last = ordering[-1]
    if isinstance(last, OrderBy) and isinstance(last.expression, F):
        last = last.expression.name
    if isinstance(last, F):
        last = last.name
    if isinstance(last, str) and last.lstrip("-") in {"pk", queryset.model._meta.pk.name}:
        return queryset
    return queryset.order_by(*ordering, "pk")


class DeferredJoinPaginator(Paginator):
    @cached_property
    def count(self):
        tallied = tally.count(self.object_list)
        return super().count if tallied is None else tallied

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if isinstance(items, QuerySet):
            items = total_order(items)
        if not isinstance(items, QuerySet) or bottom == 0:
            return self._get_page(items[bottom:top], number, self)
        if items.ordered and self.count - top < bottom:
            # Nearer the end: skip the rows after the page, in the reverse order.
            keys = list(items.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom])[::-1]
        else:
            keys = list(items.values_list("pk", flat=True)[bottom:top])
        by_key = {obj.pk: obj for obj in items.filter(pk__in=keys).order_by()}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)
