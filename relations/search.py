"""Search across countries, events, missions and sources (published records only, or drafts for staff).

On PostgreSQL: full-text search (``SearchVector``/``SearchQuery``, ranked with
``SearchRank``, English configuration, web-search syntax so quotes and ``-word``
work). Elsewhere (SQLite): every word must appear, case-insensitively, in one of
the searched fields.
"""

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Country, Event, Mission, Source

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    model: type
    # (field, weight) pairs: weight A counts most in the ranking.
    fields: tuple
    select_related: tuple = ()


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
        (("city", "A"), ("country__name", "A"), ("summary", "B"), ("address", "C")),
        ("country",),
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
        vector = reduce(
            lambda a, b: a + b,
            (SearchVector(field, weight=weight, config="english") for field, weight in scope.fields),
        )
        query = SearchQuery(text, search_type="websearch", config="english")
        return (
            base.annotate(rank=SearchRank(vector, query))
            .filter(rank__gt=0)
            .order_by("-rank", *scope.model._meta.ordering)
        )
    words = text.split()[:10]
    conditions = [reduce(or_, (Q(**{f"{field}__icontains": word}) for field, _w in scope.fields)) for word in words]
    return base.filter(reduce(and_, conditions)) if conditions else base.none()
