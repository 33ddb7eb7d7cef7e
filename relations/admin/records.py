"""The admin of each model of the record."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..forms import CitationForm, CountryAdminForm, DateClaimForm, RelationPeriodInlineFormSet
from ..models import (
    Citation,
    Country,
    DateClaim,
    Era,
    Event,
    HeadOfMission,
    Mission,
    RelationPeriod,
    Source,
    named_content_objects,
)
from ..resources import CitationResource, CountryResource, EventResource, MissionResource, SourceResource
from .base import (
    BulkImportExportMixin,
    CitableAdmin,
    CitationInline,
    ContentAdmin,
    ContentInline,
    RecordListAdmin,
    user_can_edit,
)
from .filters import CitedFilter, EraFilter, EventEraFilter, EventRegionFilter, RegionFilter

BOOKKEEPING = (
    gettext_lazy("Publication and review"),
    {"fields": ("publication", "unverified", "editor_notes")},
)


@admin.register(Source)
class SourceAdmin(BulkImportExportMixin, ContentAdmin):
    resource_classes = (SourceResource,)
    list_display = ("title", "authors", "kind", "published_on", "publication_badge", "times_cited")
    # The model's reading order with the id last, as indexed; without it the admin adds ``-pk`` and the
    # order no longer matches any index.
    ordering = ("sort_key", "title", "id")
    list_filter = ("kind", ("publication", admin.ChoicesFieldListFilter), "unverified")
    search_fields = ("title", "authors", "slug", "publisher", "container_title", "isbn")
    prepopulated_fields = {"slug": ("title",)}
    # Where the bibliography files the work (first author, or title without one), set on saving.
    readonly_fields = ("sort_key",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    "kind",
                    "authors",
                    "title",
                    "sort_key",
                    "container_title",
                    ("publisher", "place"),
                    ("published_on", "published_on_precision"),
                    "pages",
                    "isbn",
                )
            },
        ),
        (gettext_lazy("Online"), {"fields": ("url", "archive_url", "accessed_on")}),
        BOOKKEEPING,
    )

    def get_queryset(self, request):
        # A subquery per listed row, not a GROUP BY over every source and citation for each page.
        uses = Citation.objects.filter(source=OuterRef("pk")).order_by().values("source").annotate(n=Count("pk"))
        return super().get_queryset(request).annotate(citation_uses=Coalesce(Subquery(uses.values("n")[:1]), 0))

    @admin.display(description=gettext_lazy("cited"), ordering="citation_uses")
    def times_cited(self, obj):
        return obj.citation_uses


@admin.register(Era)
class EraAdmin(CitableAdmin):
    list_display = ("name", "span", "publication_badge", "citation_total")
    list_filter = (("publication", admin.ChoicesFieldListFilter), CitedFilter)
    search_fields = ("name", "slug", "summary")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    ("starts_on", "starts_on_precision"),
                    ("ends_on", "ends_on_precision"),
                    "summary",
                    "narrative",
                )
            },
        ),
        BOOKKEEPING,
    )

    @admin.display(description=gettext_lazy("span"), ordering="starts_on")
    def span(self, obj):
        return obj.span_display


class RelationPeriodInline(ContentInline):
    model = RelationPeriod
    formset = RelationPeriodInlineFormSet
    fields = ("status", "starts_on", "starts_on_precision", "ends_on", "ends_on_precision", "publication")
    verbose_name_plural = gettext_lazy("relation status periods (cite each on its own page)")


class MissionInline(ContentInline):
    model = Mission
    fields = ("slug", "direction", "kind", "city", "opened_on", "opened_on_precision", "status", "publication")
    verbose_name_plural = gettext_lazy("missions (details and citations on each mission's page)")


@admin.register(Country)
class CountryAdmin(BulkImportExportMixin, CitableAdmin):
    resource_classes = (CountryResource,)
    export_prefetch = ("successors",)
    form = CountryAdminForm
    list_display = ("name", "kind", "region", "iso2", "iso3", "publication_badge", "citation_total")
    list_filter = ("kind", "region", ("publication", admin.ChoicesFieldListFilter), CitedFilter)
    search_fields = ("name", "official_name", "slug", "iso2", "iso3")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("successors",)
    inlines = (RelationPeriodInline, MissionInline, *CitableAdmin.inlines)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "official_name",
                    "kind",
                    "region",
                    ("iso2", "iso3", "iso_numeric"),
                    "successors",
                    ("dissolved_on", "dissolved_on_precision"),
                    "summary",
                )
            },
        ),
        BOOKKEEPING,
    )


@admin.register(RelationPeriod)
class RelationPeriodAdmin(CitableAdmin):
    list_display = ("country", "status", "span", "publication_badge", "citation_total")
    list_filter = (
        "status",
        EraFilter,
        RegionFilter,
        ("publication", admin.ChoicesFieldListFilter),
        CitedFilter,
    )
    list_select_related = ("country",)
    search_fields = ("country__name", "summary")
    autocomplete_fields = ("country",)
    date_hierarchy = "starts_on"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "country",
                    "status",
                    ("starts_on", "starts_on_precision"),
                    ("ends_on", "ends_on_precision"),
                    "summary",
                )
            },
        ),
        BOOKKEEPING,
    )

    @admin.display(description=gettext_lazy("span"), ordering="starts_on")
    def span(self, obj):
        return obj.span_display


class HeadOfMissionInline(ContentInline):
    model = HeadOfMission
    fields = ("name", "title", "started_on", "started_on_precision", "ended_on", "ended_on_precision", "publication")


@admin.register(Mission)
class MissionAdmin(BulkImportExportMixin, CitableAdmin):
    resource_classes = (MissionResource,)
    list_display = (
        "__str__",
        "direction",
        "kind",
        "city",
        "status",
        "opened_on",
        "publication_badge",
        "citation_total",
    )
    list_filter = (
        "direction",
        "kind",
        "status",
        "staff_represent",
        EraFilter,
        RegionFilter,
        ("publication", admin.ChoicesFieldListFilter),
        CitedFilter,
    )
    list_select_related = ("country",)
    search_fields = ("city", "country__name", "slug", "address")
    autocomplete_fields = ("country",)
    date_hierarchy = "opened_on"
    inlines = (HeadOfMissionInline, *CitableAdmin.inlines)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "country",
                    "direction",
                    "kind",
                    "city",
                    "slug",
                    ("opened_on", "opened_on_precision"),
                    ("closed_on", "closed_on_precision"),
                    "status",
                    "staff_represent",
                    "address",
                    "website",
                    "summary",
                )
            },
        ),
        BOOKKEEPING,
    )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset.select_related("country"), search_term)


@admin.register(HeadOfMission)
class HeadOfMissionAdmin(CitableAdmin):
    list_display = ("name", "title", "mission", "span", "publication_badge", "citation_total")
    list_filter = ("title", ("publication", admin.ChoicesFieldListFilter), CitedFilter)
    list_select_related = ("mission__country",)
    search_fields = ("name", "title", "mission__city", "mission__country__name")
    autocomplete_fields = ("mission",)
    date_hierarchy = "started_on"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "mission",
                    "name",
                    "title",
                    ("started_on", "started_on_precision"),
                    ("ended_on", "ended_on_precision"),
                )
            },
        ),
        BOOKKEEPING,
    )

    @admin.display(description=gettext_lazy("span"), ordering="started_on")
    def span(self, obj):
        return obj.span_display


@admin.register(Event)
class EventAdmin(BulkImportExportMixin, CitableAdmin):
    resource_classes = (EventResource,)
    export_prefetch = ("countries",)
    list_display = ("title", "date_shown", "kind", "era_name", "publication_badge", "citation_total")
    list_filter = (
        "kind",
        EventEraFilter,
        EventRegionFilter,
        ("publication", admin.ChoicesFieldListFilter),
        CitedFilter,
    )
    search_fields = ("title", "slug", "summary", "countries__name")
    autocomplete_fields = ("countries",)
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": ("title", "slug", ("date", "date_precision"), "kind", "countries", "summary")}),
        BOOKKEEPING,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_era()

    @admin.display(description=gettext_lazy("date"), ordering="date")
    def date_shown(self, obj):
        return obj.date_display

    @admin.display(description=gettext_lazy("era"))
    def era_name(self, obj):
        return obj.era_name or "—"


class AttachedAdmin(RecordListAdmin):
    """Citations and date claims edited on their own: history, and the publisher rule of their record."""

    object_history_list_template = "admin/relations/object_history_list.html"
    object_history_form_template = "admin/relations/object_history_form.html"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        target = obj.content_object if obj is not None else None
        return super().has_change_permission(request, obj) and user_can_edit(request, target)

    def has_delete_permission(self, request, obj=None):
        target = obj.content_object if obj is not None else None
        return super().has_delete_permission(request, obj) and user_can_edit(request, target)

    def revert_disabled(self, request, obj=None):
        return not services.can_publish(request.user)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Citation)
class CitationAdmin(BulkImportExportMixin, AttachedAdmin):
    """Citations are edited inline on the record they support; this list is for review and bulk work."""

    resource_classes = (CitationResource,)
    form = CitationForm
    list_display = ("source", "locator", "content_type", "object_id", "cited_record")
    list_filter = ("content_type",)
    list_select_related = ("source", "content_type")
    search_fields = ("source__title", "source__authors", "locator", "quote")
    autocomplete_fields = ("source",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(named_content_objects())

    @admin.display(description=gettext_lazy("supports"))
    def cited_record(self, obj):
        return obj.content_object or "—"


@admin.register(DateClaim)
class DateClaimAdmin(AttachedAdmin):
    """Competing dates from different sources; the preferred one is copied onto the record."""

    form = DateClaimForm
    list_display = ("__str__", "content_type", "object_id", "claimed_for", "is_preferred")
    list_filter = ("content_type", "field", "is_preferred")
    list_select_related = ("content_type",)
    search_fields = ("note",)
    readonly_fields = ("is_preferred",)
    inlines = (CitationInline,)
    actions = ("make_preferred",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(named_content_objects())

    @admin.display(description=gettext_lazy("record"))
    def claimed_for(self, obj):
        return obj.content_object or "—"

    @admin.action(description=gettext_lazy("Make the selected claim the record's date"))
    def make_preferred(self, request, queryset):
        for claim in queryset:
            if not user_can_edit(request, claim.content_object):
                self.message_user(
                    request,
                    _("“%(record)s” is published: ask a publisher.") % {"record": claim.content_object},
                    messages.ERROR,
                )
                continue
            try:
                services.prefer_claim(claim=claim, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("“%(claim)s” is now the record's date.") % {"claim": claim})
