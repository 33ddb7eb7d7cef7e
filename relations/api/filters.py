"""The API's filters: explicit FilterSets, one per resource.

A value the API cannot use is refused with 400 and the reason, never ignored:
unknown choices, malformed dates, unknown orderings and empty values alike.
A well-formed slug that names no published record simply matches nothing.
"""

import operator
from functools import reduce

import django_filters
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import validate_slug
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from ..models import (
    Country,
    CountryKind,
    Era,
    Event,
    EventKind,
    HeadOfMission,
    Mission,
    MissionDirection,
    MissionKind,
    MissionStatus,
    Region,
    RelationPeriod,
    RelationStatus,
    Source,
    SourceKind,
)
from ..models.base import nulls_last
from ..models.record import AfghanGovernment
from .fields import SLUG_PATTERN

SLUG_SCHEMA = {"type": "string", "pattern": SLUG_PATTERN, "minLength": 1, "maxLength": 120}
# NUL cannot be stored or searched for in PostgreSQL; it is refused with 400.
TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"}


def slug_filter(field_name, help_text):
    return extend_schema_field(SLUG_SCHEMA)(
        django_filters.CharFilter(
            field_name=field_name,
            max_length=120,
            validators=[validate_slug],
            help_text=help_text,
        )
    )


def may_be_empty(model, path):
    """Whether the column at ``path`` (``"title"``, ``"country__name"``) may hold NULL."""
    *relations, name = path.split("__")
    try:
        for relation in relations:
            field = model._meta.get_field(relation)
            if field.null:
                return True
            model = field.related_model
        return model._meta.get_field(name).null
    except FieldDoesNotExist:  # an annotation, such as a country's date of establishment
        return True


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders as asked, empty values last on every database, then by id in the direction of the last key, so
    pages never skip or repeat.

    A column that is never empty is ordered plainly and the id follows its direction, so that an index on
    ``(column, id)`` serves either direction read forwards or backwards: an explicit NULLS LAST on a
    descending key, or an ascending id after it, made both databases sort every row for each page
    instead (60 ms a page of sources by title, descending, at 100 times the record on PostgreSQL). A
    column that may be empty is ordered as ``models.base.nulls_last`` spells it, which its indexes follow.
    """

    def filter(self, qs, value):
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        order = []
        for field in fields:
            descending, name = field.startswith("-"), field.lstrip("-")
            order.extend(nulls_last(name, descending) if may_be_empty(qs.model, name) else [field])
        return qs.order_by(*order, "-pk" if fields[-1].startswith("-") else "pk")


class SearchFilter(django_filters.CharFilter):
    """Every word must appear (case-insensitively) in at least one of ``fields``."""

    def __init__(self, *, fields, **kwargs):
        self.search_fields = fields
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("Words that must all appear in: %(fields)s.") % {"fields": ", ".join(fields)})
        super().__init__(**kwargs)

    def filter(self, qs, value):
        for word in value.split():
            qs = qs.filter(reduce(operator.or_, (Q(**{f"{field}__icontains": word}) for field in self.search_fields)))
        return qs


extend_schema_field(TEXT_SCHEMA)(SearchFilter)


# Parameters a list reads outside its FilterSet: pagination, the format, drafts.
NOT_FILTERS = frozenset({"page", "page_size", "after", "format", "include_drafts"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds no FilterSet for a request that asks for no filter.

    A FilterSet with nothing to filter returns the queryset as it was, but building it (a form, a
    copy of every filter) was a tenth of an API list page that a client walks page by page.
    """

    def filter_queryset(self, request, queryset, view):
        if NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses empty values instead of silently dropping the filter."""

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and not any(self.data.getlist(name)):
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


def date_filter(help_text, **kwargs):
    return django_filters.DateFilter(help_text=help_text, **kwargs)


class EraFilter(StrictFilterSet):
    on = date_filter(_("Only the era in force on this date (YYYY-MM-DD)."), method="filter_on")
    search = SearchFilter(fields=("name", "summary"))
    ordering = StableOrderingFilter(fields=("starts_on", "name"))

    class Meta:
        model = Era
        fields = ()

    def filter_on(self, queryset, name, value):
        return queryset.containing(value)


class CountryFilter(StrictFilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices, help_text=_("Continent."))
    kind = django_filters.ChoiceFilter(choices=CountryKind.choices)
    search = SearchFilter(fields=("name", "official_name", "iso2", "iso3"))
    ordering = StableOrderingFilter(fields=("name", "iso2", "relations_established_on"))

    class Meta:
        model = Country
        fields = ()


class RelationPeriodFilter(StrictFilterSet):
    country = slug_filter("country__slug", _("Slug of the counterpart."))
    status = django_filters.ChoiceFilter(choices=RelationStatus.choices)
    on = date_filter(_("Only the periods in force on this date (YYYY-MM-DD)."), method="filter_on")
    ordering = StableOrderingFilter(fields=(("country__name", "country"), "starts_on", "status"))

    class Meta:
        model = RelationPeriod
        fields = ()

    def filter_on(self, queryset, name, value):
        return queryset.on(value)


class MissionFilter(StrictFilterSet):
    direction = django_filters.ChoiceFilter(
        choices=MissionDirection.choices,
        help_text=_("in_afghanistan: foreign missions in Afghanistan; of_afghanistan: Afghan missions abroad."),
    )
    kind = django_filters.ChoiceFilter(choices=MissionKind.choices)
    status = django_filters.ChoiceFilter(choices=MissionStatus.choices)
    staff_represent = django_filters.ChoiceFilter(choices=AfghanGovernment.choices)
    country = slug_filter("country__slug", _("Slug of the counterpart."))
    city = extend_schema_field({**TEXT_SCHEMA, "maxLength": 100})(
        django_filters.CharFilter(lookup_expr="iexact", max_length=100, help_text=_("City, in any letter case."))
    )
    open_on = date_filter(_("Only missions open on this date (YYYY-MM-DD)."), method="filter_open_on")
    search = SearchFilter(fields=("city", "country__name", "address"))
    ordering = StableOrderingFilter(fields=("opened_on", "closed_on", "city", ("country__name", "country")))

    class Meta:
        model = Mission
        fields = ()

    def filter_open_on(self, queryset, name, value):
        return queryset.open_on(value)


class HeadOfMissionFilter(StrictFilterSet):
    mission = slug_filter("mission__slug", _("Slug of the mission."))
    country = slug_filter("mission__country__slug", _("Slug of the mission's counterpart."))
    on = date_filter(_("Only heads in office on this date (YYYY-MM-DD)."), method="filter_on")
    search = SearchFilter(fields=("name", "title"))
    ordering = StableOrderingFilter(fields=("started_on", "name"))

    class Meta:
        model = HeadOfMission
        fields = ()

    def filter_on(self, queryset, name, value):
        return queryset.on(value)


class EventFilter(StrictFilterSet):
    era = extend_schema_field(SLUG_SCHEMA)(
        django_filters.CharFilter(
            method="filter_era",
            max_length=120,
            validators=[validate_slug],
            help_text=_("Slug of an era: events dated within it."),
        )
    )
    country = slug_filter("countries__slug", _("Slug of a country involved."))
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    date_after = date_filter(_("Events on or after this date (YYYY-MM-DD)."), field_name="date", lookup_expr="gte")
    date_before = date_filter(_("Events on or before this date (YYYY-MM-DD)."), field_name="date", lookup_expr="lte")
    search = SearchFilter(fields=("title", "summary"))
    ordering = StableOrderingFilter(fields=("date", "title"))

    class Meta:
        model = Event
        fields = ()

    def filter_era(self, queryset, name, value):
        era = Era.objects.published().filter(slug=value).first()
        return queryset.in_era(era) if era else queryset.none()


class SourceFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    search = SearchFilter(fields=("title", "authors", "container_title", "publisher"))
    ordering = StableOrderingFilter(fields=("title", "authors", "published_on"))

    class Meta:
        model = Source
        fields = ()
