"""Search across countries, events, missions and sources (published records only, or drafts for staff).

On PostgreSQL: full-text search (``SearchVector``/``SearchQuery``, ranked with
``SearchRank``, English configuration, web-search syntax so quotes and ``-word``
work). A record matches when its document matches the query (``@@``), on exactly
the expression a GIN index is built on (migration 0003), so a search reads the
index instead of parsing every row's text. On SQLite (development, tests, the
benchmark by default): every word, or the beginning of one, must appear in one of the
searched fields, read from an FTS5 index over the same fields (``search_sqlite.py``).
"""

from dataclasses import dataclass
from functools import reduce
from operator import add, and_, or_

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Subquery, TextField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from . import search_sqlite
from .models import Country, Event, Mission, Source

MAX_QUERY_LENGTH = 200
CONFIG = "english"


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    model: type
    # (field, weight) pairs of the model's own fields, the ones its GIN index covers: weight A counts most.
    fields: tuple
    # (relation, field, weight) of text on a related record, which no index on this model can cover.
    related: tuple = ()
    select_related: tuple = ()

    @property
    def vector(self):
        """The indexed expression. It must stay identical to the index in the migration, or the index goes unused."""
        return weighted_vector(self.fields)

    @property
    def field_names(self):
        names = [field for field, _weight in self.fields]
        if self.related:
            relation, field, _weight = self.related
            names.append(f"{relation}__{field}")
        return names


def weighted_vector(fields):
    return reduce(add, (SearchVector(field, weight=weight, config=CONFIG) for field, weight in fields))


SCOPES = (
    Scope(
        "countries",
        _("Countries and organisations"),
        Country,
        (("name", "A"), ("official_name", "A"), ("summary", "B")),
    ),
    Scope("events", _("Events"), Event, (("title", "A"), ("summary", "B"))),
    Scope(
        "missions",
        _("Missions"),
        Mission,
        (("city", "A"), ("summary", "B"), ("address", "C")),
        related=("country", "name", "A"),
        select_related=("country",),
    ),
    Scope(
        "sources",
        _("Sources"),
        Source,
        (("title", "A"), ("authors", "A"), ("container_title", "B"), ("publisher", "C")),
    ),
)
SCOPES_BY_KEY = {scope.key: scope for scope in SCOPES}


def clean_query(text):
    return " ".join((text or "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]


def search(scope, text, user=None):
    """A queryset of the records in ``scope`` matching ``text``, best first."""
    base = scope.model.objects.visible_to(user).select_related(*scope.select_related)
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        if scope.related:
            return search_with_related(scope, base, text, query)
        matches = base.alias(document=scope.vector).filter(document=query)
        return matches.annotate(rank=SearchRank(scope.vector, query)).order_by("-rank", *scope.model._meta.ordering)
    return search_sqlite_index(scope, base, text)


def search_sqlite_index(scope, base, text):
    """SQLite: every word, or the beginning of one, must appear in one of the scope's fields (for a
    mission, its country's name counts too); ``-word`` excludes. Read from the FTS5 index of
    ``relations/search_sqlite.py``; phrases in quotes are not understood here, only on PostgreSQL."""
    wanted, unwanted = [], []
    for word in text.split()[:10]:
        exclude = word.startswith("-") and len(word) > 1
        term = search_sqlite.term(word[1:] if exclude else word)
        if term is None:
            continue
        found = Q(pk__in=RawSQL(*search_sqlite.matching(scope.model, term)))
        if scope.related:
            relation, field, _weight = scope.related
            related_model = scope.model._meta.get_field(relation).related_model
            found |= Q(**{f"{relation}__in": RawSQL(*search_sqlite.matching(related_model, term, (field,)))})
        (unwanted if exclude else wanted).append(found)
    if not wanted and not unwanted:
        return base.none()
    # As PostgreSQL's web-search syntax does, a query of exclusions alone finds everything else.
    return base.filter(reduce(and_, wanted, Q())).exclude(reduce(or_, unwanted, Q(pk__in=[])))


def search_with_related(scope, base, text, query):
    """Match the whole document (own fields, then the related record's) and still use the index.

    A record whose related text (a mission's country name) holds none of the query's words
    matches exactly when its own fields do, because the related text comes last and shifts
    no position. So the candidates are the records whose own fields match (the GIN index)
    and those of the few related records that share a word with the query (a small table);
    the whole document is checked on those candidates only.
    """
    relation, field, weight = scope.related
    document = scope.vector + SearchVector(f"{relation}__{field}", weight=weight, config=CONFIG)
    related_model = scope.model._meta.get_field(relation).related_model
    sharing_a_word = related_model.objects.alias(words=lexemes(SearchVector(field, config=CONFIG))).filter(
        words__overlap=lexemes(SearchVector(Value(text), config=CONFIG))
    )
    candidates = Q(own=query) | AnyOf(F(relation), Subquery(sharing_a_word.values("pk")))
    return (
        base.alias(own=scope.vector, document=document)
        .filter(candidates, document=query)
        .annotate(rank=SearchRank(document, query))
        .order_by("-rank", *scope.model._meta.ordering)
    )


class AnyOf(Func):
    """``column = ANY(ARRAY(subquery))``: unlike ``IN (subquery)``, PostgreSQL can OR it with an index scan."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (subquery, subquery_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{column} = ANY(ARRAY{subquery})", (*column_params, *subquery_params)


def lexemes(vector):
    return Func(vector, function="tsvector_to_array", output_field=ArrayField(TextField()))
