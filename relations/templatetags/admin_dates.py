"""The admin's date hierarchy, its two questions about the whole list answered from the date's index.

Above a change list of events (missions, status periods, heads of mission), Django's
``{% date_hierarchy %}`` first asks for the earliest and latest date, ``MIN`` and ``MAX`` in
one query, then for every year that has a record, ``SELECT DISTINCT`` of the year of every
row. SQLite seeks an index only for a lone ``MIN`` or ``MAX``, and both databases compute the
distinct years row by row. At scale 100 (22,800 events, 41,000 heads of mission) the two cost
3–10 ms on SQLite and 4–12 ms on PostgreSQL, the part of a change list that grew with the
record; read from the index, about 1 ms on either.

Here the same tag is run over a stand-in for the list's queryset that asks the same two
questions so that the date's index answers them:

- on SQLite, the earliest and latest dates are two scalar subqueries in one query, each an
  ``ORDER BY date LIMIT 1`` that reads one index entry (PostgreSQL's planner does that itself);
- the years are a "loose index scan": a recursive query that seeks the first date of the
  list, then the first date on or after the next 1 January, and so on, one seek per year
  that has a record (198 for the events of scale 100), instead of a pass over every row.

Everything else (the month and day levels, links, the template) is Django's own code, and the
list's filters and search apply as they do to Django's queries: the subqueries are built from
the change list's own queryset.
"""

import copy
import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import get_fields_from_path
from django.db import connections, models
from django.db.models import Subquery
from django.db.models.expressions import RawSQL

register = template.Library()

# The recursion stops before a year whose 1 January after cannot be written (SQLite keeps dates as text).
LAST_YEAR = datetime.date(9999, 1, 1)


def next_new_year(column, vendor):
    """SQL for 1 January of the year after the date ``column``."""
    if vendor == "sqlite":
        return f"printf('%%04d-01-01', CAST(substr({column}, 1, 4) AS INTEGER) + 1)"
    return f"make_date(CAST(extract(year FROM {column}) AS integer) + 1, 1, 1)"


class IndexedDates:
    """``cl.queryset`` for Django's ``date_hierarchy``: its range and its years read from the date's index."""

    def __init__(self, queryset, field_name):
        self.queryset = queryset
        self.field_name = field_name
        self.dated = queryset.filter(**{f"{field_name}__isnull": False})

    def __getattr__(self, name):
        return getattr(self.queryset, name)

    def first_and_last(self):
        field = self.field_name
        first = self.dated.order_by(field).values(field)[:1]
        last = self.dated.order_by(f"-{field}").values(field)[:1]
        row = (
            self.queryset.model._base_manager.using(self.queryset.db)
            .order_by()
            .values(first=Subquery(first), last=Subquery(last))
            .first()
        )
        return row or {"first": None, "last": None}

    def aggregate(self, *args, **kwargs):
        # PostgreSQL's planner already turns MIN and MAX into an index probe each (0.3 ms here, against
        # 0.6 for the subqueries); SQLite does so only for a lone MIN or MAX.
        if not args and kwargs.keys() == {"first", "last"} and connections[self.queryset.db].vendor == "sqlite":
            wanted = [(type(kwargs[key]), kwargs[key].source_expressions[0]) for key in ("first", "last")]
            fields = [getattr(expression, "name", None) for _kind, expression in wanted]
            if [kind for kind, _expression in wanted] == [models.Min, models.Max] and fields == [self.field_name] * 2:
                return self.first_and_last()
        return self.queryset.aggregate(*args, **kwargs)

    def dates(self, field_name, kind, order="ASC"):
        if kind != "year" or field_name != self.field_name or order != "ASC":
            return self.queryset.dates(field_name, kind, order)
        return self.years()

    def years(self):
        """1 January of every year in which the list has a date, in one query: a seek per year."""
        field = self.field_name
        connection = connections[self.queryset.db]
        column = "years.d"
        step = (
            self.dated.filter(**{f"{field}__gte": RawSQL(next_new_year(column, connection.vendor), ())})
            .order_by(field)
            .values(field)[:1]
        )
        start = self.dated.order_by(field).values(field)[:1]
        start_sql, start_params = start.query.get_compiler(connection=connection).as_sql()
        step_sql, step_params = step.query.get_compiler(connection=connection).as_sql()
        limit = connection.ops.adapt_datefield_value(LAST_YEAR)
        statement = (
            f"WITH RECURSIVE years(d) AS (SELECT ({start_sql}) UNION ALL "  # noqa: S608 - compiled by the ORM
            f"SELECT ({step_sql}) FROM years WHERE {column} IS NOT NULL AND {column} < %s) "
            "SELECT d FROM years WHERE d IS NOT NULL"
        )
        model_field = self.queryset.model._meta.get_field(field)
        with connection.cursor() as cursor:
            cursor.execute(statement, [*start_params, *step_params, limit])
            found = [model_field.to_python(row[0]) for row in cursor.fetchall()]
        return [datetime.date(day.year, 1, 1) for day in found]


def indexed_date_hierarchy(cl):
    """Django's ``date_hierarchy(cl)``, over ``IndexedDates`` where the hierarchy is of a date (not a datetime)."""
    field = get_fields_from_path(cl.model, cl.date_hierarchy)[-1]
    if "__" in cl.date_hierarchy or not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
        return date_hierarchy(cl)
    stand_in = copy.copy(cl)
    stand_in.queryset = IndexedDates(cl.queryset, cl.date_hierarchy)
    return date_hierarchy(stand_in)


@register.tag(name="indexed_date_hierarchy")
def indexed_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=indexed_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
