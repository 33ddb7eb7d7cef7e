"""Pages deep into a long list without making the database carry every skipped row.

``LIMIT 50 OFFSET 10000`` sorts and skips ten thousand whole rows (summaries and all)
before it returns fifty. Beyond the first page this paginator first asks for the
primary keys of the page only (narrow rows: the sort can often be read from an
index), then loads those records by key, keeping their order. Same pages, same
counts, one more query on pages after the first. The "deferred join" of the
PostgreSQL and MySQL folklore, done through the ORM.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet


class DeferredJoinPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if not isinstance(items, QuerySet) or bottom == 0:
            return self._get_page(items[bottom:top], number, self)
        keys = list(items.values_list("pk", flat=True)[bottom:top])
        by_key = {obj.pk: obj for obj in items.filter(pk__in=keys).order_by()}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)
