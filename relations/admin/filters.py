"""Changelist filters that need more than a field lookup."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Era, Region


class EraFilter(admin.SimpleListFilter):
    """Records whose date (or span) falls in an era, derived from the dates, never hand-set."""

    title = _("era")
    parameter_name = "era"
    # Names of the date fields of the filtered model: (start, end); end None for a single date.
    span = ("starts_on", "ends_on")

    def lookups(self, request, model_admin):
        return [(era.slug, era.name) for era in Era.objects.only("slug", "name").order_by("starts_on")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        era = Era.objects.filter(slug=self.value()).first()
        if era is None:
            return queryset.none()
        start, end = self.span
        if end is None:
            queryset = queryset.filter(**{f"{start}__gte": era.starts_on})
            return queryset if era.ends_on is None else queryset.filter(**{f"{start}__lt": era.ends_on})
        return queryset.overlapping(era.starts_on, era.ends_on)


class EventEraFilter(EraFilter):
    span = ("date", None)


class CitedFilter(admin.SimpleListFilter):
    """Whether a record has at least one citation: the editors' to-do list of uncited claims."""

    title = _("citations")
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return (("yes", _("cited")), ("no", _("uncited")))

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        return queryset.cited() if self.value() == "yes" else queryset.uncited()


class RegionFilter(admin.SimpleListFilter):
    """The counterpart's region, by its label (Asia, Europe, …), through ``region_path``."""

    title = _("region")
    parameter_name = "region"
    region_path = "country__region"

    def lookups(self, request, model_admin):
        return Region.choices

    def queryset(self, request, queryset):
        if self.value() not in Region.values:
            return queryset
        return queryset.filter(**{self.region_path: self.value()})


class EventRegionFilter(RegionFilter):
    region_path = "countries__region"

    def queryset(self, request, queryset):
        if self.value() not in Region.values:
            return queryset
        # An event with two countries of one region would otherwise be listed twice.
        return queryset.filter(pk__in=queryset.model.objects.filter(countries__region=self.value()).values("pk"))
