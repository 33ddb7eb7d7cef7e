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

A page can also be asked for as the continuation of the page before it (``page(number,
after=...)``): its keys are then read from an index seek just past the last row of that page,
so a client walking a whole list page by page never pays for an OFFSET at all. The API's
``next`` links carry such a continuation (``relations/api/pagination.py``); where the order
cannot be continued this way (a sort key on another table, or one that may be empty) the page
is read by its number as above.

A page of a long list kept in its reading order (the sources, for now) is read from the nearest
page anchor before it (``relations/anchors.py``): an index seek to a row whose position is known,
then fewer than ``anchors.SPACING`` rows skipped, whatever the page's number. Where no anchor is
current (a write since they were computed), the page is read by its OFFSET as above; either way
the same number of queries.

The number of rows comes from the tallies the database keeps (``relations/tally.py``) where
the list is every (published) row of a tallied table; other lists are counted as usual.
"""

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from . import anchors, tally


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


def _sort_key(queryset):
    """The total order of ``queryset`` as ``[(field, descending), ...]``, if a page can be continued on it.

    Only columns of the record's own table that are never empty qualify: a row comparison on them
    seeks the same index the order walks, and with no NULLs it means the same on every database.
    """
    meta = queryset.model._meta
    keys = []
    for item in queryset.query.order_by:
        descending = False
        if isinstance(item, OrderBy):
            descending, item = item.descending, item.expression
        if isinstance(item, F):
            item = item.name
        if not isinstance(item, str) or "__" in item or item == "?":
            return None
        if item.startswith("-"):
            descending, item = not descending, item[1:]
        try:
            field = meta.pk if item == "pk" else meta.get_field(item)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.is_relation or field.null:
            return None
        keys.append((field, descending))
    if not keys or keys[-1][0] != meta.pk:
        return None
    return keys


def _after(keys, values):
    """Rows after ``values`` in the order ``keys``.

    In one direction that is the row comparison ``(a, b, c) > (x, y, z)``, which PostgreSQL and
    SQLite both answer by seeking the index the order walks (Django's own tuple lookups, made for
    composite keys). Mixed directions have no row comparison, so it is spelled out, after a bound on
    the first key that an index can still seek.
    """
    if len({descending for _field, descending in keys}) == 1:
        lookup = _RowBefore if keys[0][1] else _RowAfter
        return lookup(Tuple(*(F(field.attname) for field, _descending in keys)), list(values))

    def strictly_after(keys, values):
        field, descending = keys[0]
        strict = Q(**{f"{field.attname}__{'lt' if descending else 'gt'}": values[0]})
        if len(keys) == 1:
            return strict
        return strict | (Q(**{field.attname: values[0]}) & strictly_after(keys[1:], values[1:]))

    field, descending = keys[0]
    return Q(**{f"{field.attname}__{'lte' if descending else 'gte'}": values[0]}) & strictly_after(keys, values)


def _from(keys, values):
    """Rows from ``values`` on, in the order ``keys``: the row holding them and those after it."""
    if len({descending for _field, descending in keys}) == 1:
        lookup = _RowAtOrBefore if keys[0][1] else _RowAtOrAfter
        return lookup(Tuple(*(F(field.attname) for field, _descending in keys)), list(values))
    return _after(keys, values) | Q(
        **{field.attname: value for (field, _descending), value in zip(keys, values, strict=True)}
    )


class _RowAfter(TupleGreaterThan):
    """``(a, b, c) > (x, y, z)`` as a row value on every database here.

    Django spells tuple lookups out as ORs on SQLite (``supports_tuple_lookups`` is off there for
    the sake of old versions), which no index can seek; SQLite has compared row values since 3.15.
    The tuple lookups are Django's (5.2) support for composite primary keys: the paginator tests
    run these comparisons on both databases, so a change there fails them.
    """

    def as_sql(self, compiler, connection):
        return GreaterThan.as_sql(self, compiler, connection)


class _RowBefore(TupleLessThan):
    def as_sql(self, compiler, connection):
        return LessThan.as_sql(self, compiler, connection)


class _RowAtOrAfter(TupleGreaterThanOrEqual):
    def as_sql(self, compiler, connection):
        return GreaterThanOrEqual.as_sql(self, compiler, connection)


class _RowAtOrBefore(TupleLessThanOrEqual):
    def as_sql(self, compiler, connection):
        return LessThanOrEqual.as_sql(self, compiler, connection)


class BadContinuation(ValueError):
    """A continuation this site did not issue, or one for another list order or page."""


CONTINUATION_SALT = "afrelations.paginator.continuation"


def _order_names(keys):
    """``keys`` as the names a continuation records its order by ("date", "-title", ...)."""
    return [("-" if descending else "") + field.name for field, descending in keys]


class DeferredJoinPaginator(Paginator):
    @cached_property
    def sort_key(self):
        """The list's total order as ``_sort_key`` gives it, or None if it cannot be continued."""
        return _sort_key(total_order(self.object_list)) if isinstance(self.object_list, QuerySet) else None

    def continuation(self, page, scope=""):
        """A signed token from which ``page(page.number + 1, after=...)`` reads the next page, or None.

        ``scope`` names the list (its filters, say): ``read_continuation`` refuses the token elsewhere.
        """
        keys = self.sort_key
        if keys is None or not page.has_next() or not len(page):
            return None
        last = page[-1]  # the page's rows as a list, read once
        values = [field.value_to_string(last) for field, _descending in keys]
        target = [page.number + 1, self.per_page, scope]
        return signing.Signer(salt=CONTINUATION_SALT).sign_object([target, _order_names(keys), values], compress=True)

    def read_continuation(self, token, number, scope=""):
        """The sort key a continuation carries, checked against this list and page.

        Raises BadContinuation for a token this site did not sign, or one made for another page,
        page size, scope or order.
        """
        try:
            target, order, values = signing.Signer(salt=CONTINUATION_SALT).unsign_object(token)
        except (signing.BadSignature, ValueError, TypeError) as error:
            raise BadContinuation(_("not one this site issued")) from error
        keys = self.sort_key
        if keys is None or order != _order_names(keys):
            raise BadContinuation(_("made for another order"))
        if target != [int(number), self.per_page, scope]:
            raise BadContinuation(_("made for another page, page size or filter"))
        try:
            return [field.to_python(value) for (field, _descending), value in zip(keys, values, strict=True)]
        except (ValidationError, ValueError) as error:
            raise BadContinuation(_("not one this site issued")) from error

    @cached_property
    def count(self):
        tallied = tally.count(self.object_list)
        return super().count if tallied is None else tallied

    def page(self, number, after=None):
        """Page ``number``; with ``after`` (``read_continuation``), the rows after that key, not an OFFSET."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if isinstance(items, QuerySet):
            items = total_order(items)
        if not isinstance(items, QuerySet) or (bottom == 0 and after is None):
            return self._get_page(items[bottom:top], number, self)
        if after is not None:
            keys = list(items.filter(_after(self.sort_key, after)).values_list("pk", flat=True)[: top - bottom])
        elif (anchor := anchors.nearest(items, bottom, self.sort_key)) is not None:
            # From the nearest anchor: a seek, then fewer than anchors.SPACING rows skipped.
            position, values = anchor
            from_anchor = items.filter(_from(self.sort_key, values)).values_list("pk", flat=True)
            keys = list(from_anchor[bottom - position : top - position])
        elif items.ordered and self.count - top < bottom:
            # Nearer the end: skip the rows after the page, in the reverse order.
            keys = list(items.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom])[::-1]
        else:
            keys = list(items.values_list("pk", flat=True)[bottom:top])
        by_key = {obj.pk: obj for obj in items.filter(pk__in=keys).order_by()}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)
