"""Numbered footnotes for one page, and the one way a source is written out.

A page loads the citations (and competing date claims) of every record it shows
in a fixed number of queries (``Footnotes.load``). Templates then ask for a
record's references with ``{% cite record %}``; numbers are handed out in the
order the page first cites them, so they read 1, 2, 3 down the page. The same
source with the same locator keeps its number wherever it is cited again; each
use gets its own anchor so the reference list can link back to every one.
"""

import functools
import json
from collections import defaultdict, namedtuple
from functools import lru_cache
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import F, Lookup, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .dates import Precision, format_date
from .models import Citation, DateClaim, Source
from .querysets import may_preview

# The columns a page's footnotes read: the rest (notes for editors, history, timestamps) stays in the database.
CITATION_FIELDS = ("content_type_id", "object_id", "source_id", "locator", "quote", "order")
# What a reference is written from (format_reference).
REFERENCE_FIELDS = (
    "authors",
    "published_on",
    "published_on_precision",
    "kind",
    "title",
    "container_title",
    "place",
    "publisher",
    "pages",
    "isbn",
    "archive_url",
    "accessed_on",
    "url",
)
SOURCE_FIELDS = ("slug", "publication", *REFERENCE_FIELDS)
# The order of a record's competing date claims.
CLAIM_ORDER = ("content_type", "object_id", "field", "date")


class SourceRow(namedtuple("SourceRow", ("pk", *SOURCE_FIELDS))):
    """What a footnote shows of a source: read as plain values, not as a model instance.

    A list page cites a few hundred times; building a Source and a Citation object for each
    cost more than the query that reads them. Tuples, because a tuple is built in one call.
    """

    __slots__ = ()
    get_absolute_url = Source.get_absolute_url  # reads only the slug


_REFERENCE_AT = SourceRow._fields.index(REFERENCE_FIELDS[0])
assert SourceRow._fields[_REFERENCE_AT:] == REFERENCE_FIELDS


class CitationRow(namedtuple("CitationRow", (*CITATION_FIELDS, "source"))):
    """One citation of one record (``CITATION_FIELDS``), with its ``source`` (a SourceRow)."""

    __slots__ = ()


class Reference:
    """One entry of the reference list: a source (and locator) with every place it is cited."""

    __slots__ = ("number", "citation", "uses")

    def __init__(self, number, citation):
        self.number = number
        self.citation = citation
        self.uses = []


class Use(namedtuple("Use", ("number", "anchor"))):
    """One superscript on the page."""

    __slots__ = ()

    @property
    def target(self):
        return f"ref-{self.number}"


class AmongIds(Lookup):
    """``column`` is one of a list of ids given as one parameter: ``= ANY(array)`` on PostgreSQL (an index
    condition, under ``OR`` too, where ``IN (SELECT unnest(…))`` became a hashed subplan and a pass over
    every citation: 93 ms for a page at scale 100), and ``IN`` the values of a JSON array on SQLite."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, self.rhs]


class Statement:
    """A query of the records of ``kinds`` kinds (content types), compiled once a process.

    Building and compiling the two queries of ``Footnotes.load`` through the ORM cost three times
    running them (2 of a list page's 3 ms of footnotes at scale 100). Each kind is two parameters,
    its content type id and its ids as one value (a JSON array on SQLite, an array on PostgreSQL),
    so the SQL of a page with three kinds of record is the same whatever the records.
    The queryset is the ORM's, built once with stand-ins for those parameters; ``bind`` puts a
    page's values in their places.
    """

    def __init__(self, db, kinds, build):
        self.vendor = connections[db].vendor
        records = Q()
        for kind in range(kinds):
            # A stand-in content type no row has (ids are positive), and a marked string for the ids.
            records |= Q(content_type_id=-1 - kind) & Q(AmongIds(F("object_id"), f"{IDS_MARK}{kind}"))
        self.query = build(records).query
        compiler = self.query.get_compiler(using=db)
        self.sql, params = compiler.as_sql()
        # The database's values made Python's as the ORM makes them (dates are text on SQLite).
        self.converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        self.slots = []
        for value in params:
            if isinstance(value, str) and value.startswith(IDS_MARK):
                self.slots.append(("ids", int(value.removeprefix(IDS_MARK))))
            elif isinstance(value, int) and -kinds <= value < 0:
                self.slots.append(("content type", -1 - value))
            else:
                self.slots.append((None, value))
        placed = sorted(slot for slot in self.slots if slot[0])
        if placed != sorted([("content type", k) for k in range(kinds)] + [("ids", k) for k in range(kinds)]):
            raise ImproperlyConfigured(f"A footnotes query lost a parameter in compiling: {self.slots}")

    def bind(self, kinds):
        """``(sql, params)`` for ``kinds``, a list of (content type id, record ids)."""
        params = []
        for slot, value in self.slots:
            if slot == "content type":
                params.append(kinds[value][0])
            elif slot == "ids":
                ids = sorted(kinds[value][1])
                params.append(json.dumps(ids) if self.vendor == "sqlite" else ids)
            else:
                params.append(value)
        return self.sql, params

    def rows(self, db, kinds):
        """The rows for ``kinds``, as sequences of Python values."""
        with connections[db].cursor() as cursor:
            cursor.execute(*self.bind(kinds))
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        # The compiler's own conversion, on this thread's connection (a compiler is cheap; compiling is not).
        return self.query.get_compiler(using=db).apply_converters(rows, self.converters)


IDS_MARK = "\x00footnote-ids-"


@functools.cache
def claims_statement(db, kinds):
    """The competing date claims about records of ``kinds`` kinds, in the order a page lists them."""
    return Statement(db, kinds, lambda records: DateClaim.objects.filter(records).order_by(*CLAIM_ORDER))


_citation_statements = {}


def citations_statement(db, kinds, user):
    """The citations of ``kinds`` kinds of record whose source ``user`` may see, with what a
    reference shows of the source: ``with_visible_sources`` says which, and depends on the
    user only through ``may_preview``."""
    key = (db, kinds, may_preview(user))
    statement = _citation_statements.get(key)
    if statement is None:
        statement = _citation_statements[key] = Statement(
            db,
            kinds,
            lambda records: Citation.objects.filter(records)
            .with_visible_sources(user)
            .order_by("content_type", "object_id", "order", "pk")
            .values_list(*CITATION_FIELDS, *(f"source__{name}" for name in SOURCE_FIELDS)),
        )
    return statement


class Footnotes:
    """The footnotes of one rendered page."""

    def __init__(self, citations=None, claims=None):
        # (content_type_id, object_id) -> [CitationRow, ...]
        self._citations = citations or {}
        # (content_type_id, object_id, field) -> [DateClaim, ...]
        self._claims = claims or {}
        self._numbers = {}
        self._content_types = {}  # model class -> content type id, looked up once a page
        self.references = []

    def _content_type_id(self, obj):
        model = type(obj)
        ct_id = self._content_types.get(model)
        if ct_id is None:
            ct_id = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
            self._content_types[model] = ct_id
        return ct_id

    @classmethod
    def load(cls, *groups, user=None):
        """Load the citations and date claims of every record in ``groups`` (iterables of records).

        Two queries whatever the number of records (content types are cached by Django), each
        compiled once a process for each number of kinds of record (``Statement``).
        """
        footnotes = cls()
        keys = defaultdict(set)
        for group in groups:
            for obj in group:
                if obj is not None and obj.pk is not None:
                    keys[footnotes._content_type_id(obj)].add(obj.pk)
        if not keys:
            return footnotes
        kinds = sorted(keys.items())
        db = router.db_for_read(Citation)
        claims = footnotes._claims = defaultdict(list)
        claim_list = list(DateClaim.objects.db_manager(db).raw(*claims_statement(db, len(kinds)).bind(kinds)))
        for claim in claim_list:
            claims[(claim.content_type_id, claim.object_id, claim.field)].append(claim)
        if claim_list:
            claim_ct = ContentType.objects.get_for_model(DateClaim).pk
            kinds.append((claim_ct, [claim.pk for claim in claim_list]))

        citations = footnotes._citations = defaultdict(list)
        sources = {}
        width = len(CITATION_FIELDS)
        source_at = CITATION_FIELDS.index("source_id")
        for row in citations_statement(db, len(kinds), user).rows(db, kinds):
            source_id = row[source_at]
            source = sources.get(source_id)
            if source is None:
                source = sources[source_id] = SourceRow(source_id, *row[width:])
            citations[(row[0], row[1])].append(CitationRow(*row[:width], source))
        if claim_list:
            for claim in claim_list:
                claim.cached_citations = citations.get((claim_ct, claim.pk), [])
        return footnotes

    def _key(self, obj):
        return (self._content_type_id(obj), obj.pk)

    def _use(self, citation):
        key = (citation.source_id, citation.locator.strip())
        reference = self._numbers.get(key)
        if reference is None:
            reference = Reference(len(self.references) + 1, citation)
            self._numbers[key] = reference
            self.references.append(reference)
        anchor = f"cite-{reference.number}-{len(reference.uses) + 1}"
        reference.uses.append(anchor)
        return Use(reference.number, anchor)

    def _number(self, citations):
        uses = []
        for citation in citations:
            use = self._use(citation)
            if all(u.number != use.number for u in uses):
                uses.append(use)
        return uses

    def cite(self, obj):
        """Number the citations of ``obj`` and return its superscripts, in citation order."""
        if obj is None:
            return []
        citations = self._citations.get(self._key(obj))
        return self._number(citations) if citations else []

    def cite_claim(self, claim):
        return self._number(getattr(claim, "cached_citations", ()))

    def claims(self, obj, field_name):
        """The competing claims about ``obj.<field_name>`` when sources differ (two or more), else []."""
        claims = self._claims.get((self._content_type_id(obj), obj.pk, field_name), [])
        return claims if len(claims) > 1 else []

    def __bool__(self):
        return bool(self.references)


def _authors(authors):
    names = [name.strip() for name in authors.split(";") if name.strip()]
    if len(names) <= 3:
        return "; ".join(names)
    return _("%(first)s et al.") % {"first": names[0]}


def format_reference(source, locator="", language=None):
    """A source written out the same way everywhere (footnotes, bibliography, source page).

    Authors (date). Title. Container. Place: Publisher. Pages/locator. ISBN. URL (archived copy; accessed on).
    Memoised on the values it reads (and the language), so an edited source is written out afresh
    and an unchanged one, cited on many pages, is formatted once per process.

    A footnote's source is a ``SourceRow``, whose last fields are ``REFERENCE_FIELDS``: a slice of it
    is the key (a list of three hundred references spent a tenth of its time on the attribute reads).
    A caller writing many references passes ``language`` once (``get_language`` is a request-local read).
    """
    if type(source) is SourceRow:
        values = source[_REFERENCE_AT:]
    else:
        values = tuple(getattr(source, name) for name in REFERENCE_FIELDS)
    return _format_reference(values, locator, language or get_language())


@lru_cache(maxsize=8192)
def _format_reference(values, locator, language):
    source = SimpleNamespace(**dict(zip(REFERENCE_FIELDS, values, strict=True)))
    parts = []
    head = _authors(source.authors) if source.authors else ""
    date = format_date(source.published_on, source.published_on_precision) if source.published_on else ""
    if head and date:
        parts.append(format_html("{} ({}).", head, date))
    elif head:
        parts.append(format_html("{}.", head))
    italic_title = source.kind in {"book", "dataset", "government", "un"} or not source.container_title
    if italic_title:
        parts.append(format_html("<cite>{}</cite>.", source.title))
    else:
        parts.append(format_html("“{}”.", source.title))
    if source.container_title:
        parts.append(format_html("<cite>{}</cite>.", source.container_title))
    publisher = ": ".join(part for part in (source.place, source.publisher) if part)
    if publisher:
        parts.append(format_html("{}.", publisher))
    if date and not head:
        parts.append(format_html("{}.", date))
    if source.pages and not locator:
        parts.append(format_html("{}.", source.pages))
    if locator:
        parts.append(format_html("{}.", locator))
    if source.isbn:
        parts.append(format_html("ISBN {}.", source.isbn))
    extras = []
    if source.archive_url:
        extras.append(format_html('<a href="{}" rel="noopener noreferrer">{}</a>', source.archive_url, _("archived")))
    if source.accessed_on:
        extras.append(format_html("{} {}", _("accessed"), format_date(source.accessed_on, Precision.DAY)))
    extra = format_html_join("; ", "{}", ((e,) for e in extras))
    if source.url:
        link = format_html('<a href="{}" rel="noopener noreferrer">{}</a>', source.url, source.url)
        parts.append(format_html("{} ({}).", link, extra) if extras else format_html("{}.", link))
    elif extras:
        parts.append(format_html("({}).", extra))
    return format_html_join(" ", "{}", ((part,) for part in parts))
