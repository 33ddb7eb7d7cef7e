"""The API's viewsets: published records for everyone, writes for editors.

Every resource shares ``RecordViewSet``: model validation and role rules on writes,
history attributed to the writer, ETag/Last-Modified with 304s and cache headers
on reads, CSV streaming on lists, and 400s (never 500s) for input it cannot use.
"""

from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..models import Citation, Country, DateClaim, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from ..querysets import country_visible, mission_visible
from . import fields, filters, serializers
from .caching import content_validator, etag_for, not_modified, set_cache_headers, set_validators
from .pagination import PageNumberPagination
from .parsers import JSONParser
from .permissions import RolePermission, can_see_drafts
from .renderers import CSVRenderer, csv_rows

CSV_CHUNK = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record changed since you read it.")
    default_code = "conflict"


def visible(model, drafts):
    return model.objects.all() if drafts else model.objects.published()


# Generic relations are prefetched into plain lists (``to_attr``): Django otherwise builds a
# filtered queryset per record, which costs more than the serialization of the record itself.
def citations_prefetch(drafts):
    citations = Citation.objects.select_related("source")
    if not drafts:
        citations = citations.with_visible_sources()
    return Prefetch("citations", queryset=citations, to_attr=serializers.PREFETCHED_CITATIONS)


class CitedSource:
    """What a citation shows of its source (``SourceSummarySerializer``), read as plain values."""

    __slots__ = ("pk", "slug", "title", "authors")

    def __init__(self, pk, slug, title, authors):
        self.pk, self.slug, self.title, self.authors = pk, slug, title, authors


class CitationRow:
    """One citation as ``CitationSerializer`` shows it: source, locator, quote."""

    __slots__ = ("source", "locator", "quote")

    def __init__(self, source, locator, quote):
        self.source, self.locator, self.quote = source, locator, quote


def attach_citations(records, drafts):
    """Give each record its citations (``prefetched_citations``), read in one query as plain rows.

    What ``citations_prefetch`` gives a single record, for a list page: the same citations in the same
    order (``Citation.Meta.ordering``), the same sources, but no Citation or Source model instances:
    building those was about a quarter of an uncached page of 50 events.
    """
    records = list(records)
    if not records:
        return records
    content_type = ContentType.objects.get_for_model(records[0], for_concrete_model=False)
    citations = Citation.objects.filter(content_type=content_type, object_id__in=[r.pk for r in records])
    if not drafts:
        citations = citations.with_visible_sources()
    by_record = defaultdict(list)
    sources = {}
    rows = citations.order_by(*Citation._meta.ordering).values_list(
        "object_id", "source_id", "source__slug", "source__title", "source__authors", "locator", "quote"
    )
    for object_id, source_id, slug, title, authors, locator, quote in rows:
        source = sources.get(source_id)
        if source is None:
            source = sources[source_id] = CitedSource(source_id, slug, title, authors)
        by_record[object_id].append(CitationRow(source, locator, quote))
    for record in records:
        setattr(record, serializers.PREFETCHED_CITATIONS, by_record.get(record.pk, []))
    return records


# What a record's embedded summary of another shows (relations/api/fields.py), and what a prefetch of
# those records needs besides: the columns the prefetch matches them to their record by.
def _shown(summary):
    """The columns a summary serializer reads by name (all its fields but the url, built from the slug or id)."""
    return tuple(name for name in summary._declared_fields if name != "url")


SUMMARY_COLUMNS = {
    Country: _shown(fields.CountrySummarySerializer),
    Mission: ("id", "slug", "kind", "direction", "city", "country_id"),  # its name reads the country's
    HeadOfMission: ("mission_id", *_shown(fields.HeadOfMissionSummarySerializer)),
}


def summaries(relation, queryset):
    """Prefetch ``relation`` (records a serializer embeds as summaries) into ``prefetched_<relation>``, as a list.

    Only the columns a summary shows are read; a list page embeds a few hundred of them.
    """
    return Prefetch(
        relation, queryset=queryset.only(*SUMMARY_COLUMNS[queryset.model]), to_attr=fields.prefetched_name(relation)
    )


def with_summaries(queryset, path):
    """``select_related(path)``, reading of each record along it only what its summary shows.

    ``path`` is a chain of foreign keys ("mission__country"); the rest of those rows (a country's
    summary and notes, its timestamps) is deferred, never read.
    """
    deferred = []
    model = queryset.model
    prefix = ""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
        prefix += f"{name}__"
        shown = SUMMARY_COLUMNS[model]
        deferred += [f"{prefix}{f.attname}" for f in model._meta.concrete_fields if f.attname not in shown]
    return queryset.select_related(path).defer(*deferred)


def date_claims_prefetch(drafts):
    claims = DateClaim.objects.prefetch_related(citations_prefetch(drafts))
    return Prefetch("date_claims", queryset=claims, to_attr=serializers.PREFETCHED_DATE_CLAIMS)


class RecordViewSet(viewsets.ModelViewSet):
    model = None
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = (RolePermission,)
    parser_classes = (JSONParser,)
    filter_backends = (filters.FilterBackend,)
    pagination_class = PageNumberPagination
    http_method_names = ("get", "post", "put", "patch", "delete", "head", "options")
    wants_drafts = False
    cited = True  # the records have citations of their own (every resource but sources)

    def prepare(self, queryset, *, drafts):
        """Add the joins and prefetches the serializer needs; ``drafts`` widens related records too."""
        return queryset

    def citations_prefetch(self, drafts):
        """The prefetch of the records' own citations; none for a list, which attaches them as rows."""
        return [] if getattr(self, "action", None) == "list" else [citations_prefetch(drafts)]

    def get_queryset(self):
        drafts = self.request.method not in SAFE_METHODS or self.wants_drafts
        queryset = self.prepare(visible(self.model, drafts), drafts=drafts)
        # Reading order, then id: two records alike in every ordered field (the same mission
        # reopened in the same city) keep one place, so consecutive pages never overlap.
        # An ``ordering`` parameter replaces this (StableOrderingFilter adds the id too).
        queryset = queryset.order_by(*self.model._meta.ordering, "pk")
        if self.request.method not in SAFE_METHODS and transaction.get_connection().in_atomic_block:
            # Lock the record for the length of the write (update and destroy run in a transaction).
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_renderers(self):
        if getattr(self, "action", None) == "list":
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def initial(self, request, *args, **kwargs):
        # 405 before authentication, so that a wrong method is named as such even to anonymous clients.
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        # Query strings with NUL characters or that are not UTF-8 (unpaired surrogates included) never get
        # this far: relations.middleware.QueryStringGuardMiddleware answers them with a 400.
        super().initial(request, *args, **kwargs)
        self.wants_drafts = self.parse_include_drafts(request)

    def parse_include_drafts(self, request):
        raw = request.query_params.get("include_drafts")
        if raw is None or request.method not in SAFE_METHODS:
            return False
        if raw.lower() in {"true", "1"}:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(_("Sign in to see drafts."))
            if not can_see_drafts(request.user, self.model):
                raise exceptions.PermissionDenied(_("Only editors may see drafts."))
            return True
        if raw.lower() in {"false", "0"}:
            return False
        raise exceptions.ValidationError({"include_drafts": [_("Must be true or false.")]})

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, whatever format the client asked for.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    # Reads

    def conditional(self, request, build):
        token, last_modified = content_validator()
        variant = f"{request.accepted_renderer.format}|{'drafts' if self.wants_drafts else 'published'}"
        etag = etag_for(request, token=token, variant=variant)
        if not_modified(request, etag=etag, last_modified=last_modified):
            response = HttpResponseNotModified()
        elif self.shares_cache(request):
            response = self.from_shared_cache(request, etag, build)
        else:
            response = build()
        set_validators(response, etag=etag, last_modified=last_modified)
        set_cache_headers(response, public=not request.user.is_authenticated)
        return response

    def shares_cache(self, request):
        """Anonymous JSON reads of published records are the same for everyone: cache them."""
        return (
            not request.user.is_authenticated and not self.wants_drafts and request.accepted_renderer.format == "json"
        )

    def from_shared_cache(self, request, etag, build):
        """The rendered body, keyed by the ETag: it names the content version, the path and the format, so
        an entry can never outlive the data it shows. Throttling and authentication have already run."""
        key = f"afrelations:api:{etag}"
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response["X-Cache"] = "hit"
            return response
        response = build()
        if isinstance(response, Response) and response.status_code == 200:
            response.accepted_renderer = request.accepted_renderer
            response.accepted_media_type = request.accepted_media_type
            response.renderer_context = self.get_renderer_context()
            response.render()
            cache.set(key, (response.content, response["Content-Type"]), settings.PUBLIC_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    def list(self, request, *args, **kwargs):
        return self.conditional(request, lambda: self.list_response(request))

    def list_response(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == CSVRenderer.format:
            return self.stream_csv(queryset)
        return self.get_paginated_response(self.serialized(self.paginate_queryset(queryset)))

    def serialized(self, records):
        """A list page's (or a CSV batch's) records as the serializer shows them, citations attached as rows."""
        if self.cited:
            records = attach_citations(records, self.wants_drafts)
        return self.get_serializer(records, many=True).data

    def stream_csv(self, queryset):
        header = [name for name in self.get_serializer().fields if name != "date_claims"]

        def items():
            batch = []
            for record in queryset.iterator(chunk_size=CSV_CHUNK):
                batch.append(record)
                if len(batch) == CSV_CHUNK:
                    yield from self.serialized(batch)
                    batch = []
            if batch:
                yield from self.serialized(batch)

        response = StreamingHttpResponse(csv_rows(header, items()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.basename}s.csv"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.conditional(request, lambda: super(RecordViewSet, self).retrieve(request, *args, **kwargs))

    # Writes

    def reload(self, record):
        return self.prepare(self.model.objects.all(), drafts=True).get(pk=record.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = serializer.save_record(user=request.user)
        data = self.get_serializer(self.reload(record)).data
        # A plain str: WSGI servers refuse DRF's Hyperlink (a str subclass) in headers.
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": str(data["url"])})

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        sent = serializer.validated_data.get("version")
        if sent is not None and sent != record.version:
            raise Conflict(
                _(
                    "This record changed since you read it (you sent version %(sent)d; it is now at %(now)d). "
                    "Read it again and reapply your change."
                )
                % {"sent": sent, "now": record.version}
            )
        record = serializer.save_record(user=request.user)
        return Response(self.get_serializer(self.reload(record)).data)

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        record = self.get_object()
        record._history_user = request.user
        record._change_reason = "deleted through the API"
        try:
            with transaction.atomic():
                record.delete()
        except (ProtectedError, RestrictedError) as error:
            blocking = sorted({obj._meta.verbose_name_plural for obj in error.args[1]})
            raise Conflict(
                _("“%(record)s” cannot be deleted while other records refer to it (%(what)s).")
                % {"record": record, "what": ", ".join(str(name) for name in blocking)}
            ) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class EraViewSet(RecordViewSet):
    """Periods of Afghan statehood and foreign policy. Eras do not overlap."""

    model = Era
    serializer_class = serializers.EraSerializer
    filterset_class = filters.EraFilter

    def prepare(self, queryset, *, drafts):
        return queryset.prefetch_related(*self.citations_prefetch(drafts), date_claims_prefetch(drafts))


class CountryViewSet(RecordViewSet):
    """Afghanistan's counterparts: present states, former states and international organisations."""

    model = Country
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilter

    def prepare(self, queryset, *, drafts):
        return queryset.with_establishment().prefetch_related(
            summaries("successors", visible(Country, drafts)),
            summaries("predecessors", visible(Country, drafts)),
            *self.citations_prefetch(drafts),
        )


class RelationPeriodViewSet(RecordViewSet):
    """Periods during which Afghanistan's relations with one counterpart had one status.

    Intervals are half-open: a period that ends on a date no longer holds on it.
    """

    model = RelationPeriod
    serializer_class = serializers.RelationPeriodSerializer
    filterset_class = filters.RelationPeriodFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]{1,18}"  # always within a 64-bit id

    def prepare(self, queryset, *, drafts):
        queryset = queryset.filter(country_visible(drafts))
        return with_summaries(queryset, "country").prefetch_related(
            *self.citations_prefetch(drafts), date_claims_prefetch(drafts)
        )


class MissionViewSet(RecordViewSet):
    """Foreign missions in Afghanistan and Afghan missions abroad, with their heads."""

    model = Mission
    serializer_class = serializers.MissionSerializer
    filterset_class = filters.MissionFilter

    def prepare(self, queryset, *, drafts):
        queryset = queryset.filter(country_visible(drafts))
        return with_summaries(queryset, "country").prefetch_related(
            summaries("heads", visible(HeadOfMission, drafts)),
            *self.citations_prefetch(drafts),
            date_claims_prefetch(drafts),
        )


class HeadOfMissionViewSet(RecordViewSet):
    """Ambassadors, chargés d'affaires and other heads of a mission, with their terms."""

    model = HeadOfMission
    serializer_class = serializers.HeadOfMissionSerializer
    filterset_class = filters.HeadOfMissionFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]{1,18}"  # always within a 64-bit id

    def prepare(self, queryset, *, drafts):
        return with_summaries(queryset.filter(mission_visible(drafts)), "mission__country").prefetch_related(
            *self.citations_prefetch(drafts), date_claims_prefetch(drafts)
        )


class EventViewSet(RecordViewSet):
    """Dated happenings in Afghanistan's foreign relations, with the counterparts involved."""

    model = Event
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter

    def prepare(self, queryset, *, drafts):
        return queryset.with_era().prefetch_related(
            summaries("countries", visible(Country, drafts)),
            *self.citations_prefetch(drafts),
            date_claims_prefetch(drafts),
        )


class SourceViewSet(RecordViewSet):
    """The works the record cites."""

    model = Source
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    cited = False


@csrf_exempt
def not_found(request, *args, **kwargs):
    """JSON for unmatched /api/ paths; a missing trailing slash is redirected like Django does for pages."""
    if not request.path.endswith("/"):
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            response = JsonResponse({"detail": "Moved permanently."}, status=308)
            response["Location"] = f"{request.path}/" + (f"?{query}" if query else "")
            return response
    return JsonResponse({"detail": "Not found."}, status=404)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files, its start-up script a separate file: no inline script or style."""

    template_name = "api/swagger_ui.html"
