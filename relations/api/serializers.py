"""What the API says about each record, and how writes are checked.

Writes are validated by the model itself (``full_clean``: field rules, ``clean()``,
uniqueness and ``Meta.constraints``), so the API can never accept what the admin
refuses. Publishing goes through ``services.publish``/``unpublish``, so the
citation rule and the role rule hold here as everywhere else.
"""

import copy

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from .. import services
from ..dates import Precision
from ..models import (
    Citation,
    Country,
    Era,
    Event,
    HeadOfMission,
    Mission,
    Publication,
    RelationPeriod,
    Source,
)
from .fields import (
    CountrySummarySerializer,
    EmbeddedRelatedField,
    EraSummarySerializer,
    HeadOfMissionSummarySerializer,
    IdentityField,
    MissionSummarySerializer,
    OptionalURLField,
    PageURLField,
    PrefetchedListSerializer,
    SourceSummarySerializer,
    api_url,
)

extend_schema_field(OpenApiTypes.URI)(PageURLField)

COMMON_FIELDS = ("publication", "unverified", "version", "created_at", "updated_at")
PREFETCHED_CITATIONS = "prefetched_citations"
PREFETCHED_DATE_CLAIMS = "prefetched_date_claims"


class CitationSerializer(serializers.Serializer):
    """One footnote: the source (embedded when read, its slug when written), where in it, and its words."""

    source = EmbeddedRelatedField(summary=SourceSummarySerializer, queryset=Source.objects.all())
    locator = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Page or section, e.g. p. 42.")
    )
    quote = serializers.CharField(required=False, allow_blank=True, default="")

    prefetched_attr = PREFETCHED_CITATIONS

    class Meta:
        list_serializer_class = PrefetchedListSerializer

    def to_representation(self, instance):
        return {
            "source": SourceSummarySerializer.represent(instance.source, self.context.get("request")),
            "locator": instance.locator,
            "quote": instance.quote,
        }


class DateClaimSerializer(serializers.Serializer):
    """What one or more sources say a date was, where sources disagree."""

    field = serializers.CharField(read_only=True, help_text=_("Which date of the record the claim is about."))
    date = serializers.DateField(read_only=True)
    precision = serializers.ChoiceField(choices=Precision.choices, read_only=True)
    preferred = serializers.BooleanField(read_only=True, help_text=_("The claim the record's own date follows."))
    note = serializers.CharField(read_only=True)
    citations = CitationSerializer(many=True, read_only=True)

    prefetched_attr = PREFETCHED_DATE_CLAIMS

    class Meta:
        list_serializer_class = PrefetchedListSerializer

    def to_representation(self, instance):
        cite = CitationSerializer(context=self.context)
        citations = getattr(instance, PREFETCHED_CITATIONS, None)
        if citations is None:
            citations = instance.citations.all()
        return {
            "field": instance.field,
            "date": instance.date.isoformat(),
            "precision": instance.precision,
            "preferred": instance.is_preferred,
            "note": instance.note,
            "citations": [cite.to_representation(citation) for citation in citations],
        }


class ContentSerializer(serializers.ModelSerializer):
    """Common to every record: publication, version (optimistic concurrency) and model validation."""

    publication = serializers.ChoiceField(
        choices=Publication.choices,
        required=False,
        help_text=_("Only publishers may set “published”; a record is created as a draft unless they do."),
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text=_(
            "Grows by one on every change. Send back the version you read with a change: "
            "if someone changed the record since, the write is refused with 409 instead of overwriting their work."
        ),
    )

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: OptionalURLField,
    }

    # Saved after the record itself; never set on it before validation.
    deferred = frozenset({"citations", "version"})

    def to_representation(self, instance):
        """DRF's ``Serializer.to_representation``, with the columns of the record read directly.

        For a field that shows one of the model's own (non-relation) columns, DRF's ``get_attribute``
        walks its source, checks whether the value is callable and catches lookup errors; a column's value
        is never callable and is always there, so it is read with ``getattr``. Every value still goes
        through its field's ``to_representation``, so the output is DRF's to the byte
        (``tests/test_api_read.py`` compares every list item with DRF's own output).
        """
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self._read_plan = self._build_read_plan()
        data = {}
        for name, column, field in plan:
            if column is not None:
                value = getattr(instance, column)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject):
                    value = value if value.pk is not None else None
            data[name] = None if value is None else field.to_representation(value)
        return data

    def _build_read_plan(self):
        columns = {f.name for f in self.Meta.model._meta.concrete_fields if not f.is_relation}
        plan = []
        for field in self._readable_fields:
            plain = (
                type(field).get_attribute is serializers.Field.get_attribute
                and len(field.source_attrs) == 1
                and field.source_attrs[0] in columns
            )
            plan.append((field.field_name, field.source_attrs[0] if plain else None, field))
        return plan

    @property
    def m2m_names(self):
        return {field.name for field in self.Meta.model._meta.many_to_many}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        record = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            if name not in self.deferred and name not in self.m2m_names:
                setattr(record, name, value)
        try:
            record.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.api_errors(error)) from error
        self.record = record
        return attrs

    def validate_citations(self, citations):
        seen = set()
        for citation in citations:
            key = (citation["source"].pk, citation.get("locator", ""))
            if key in seen:
                raise serializers.ValidationError(
                    _("“%(source)s” is cited twice with the same locator.") % {"source": citation["source"].slug}
                )
            seen.add(key)
        return citations

    def api_errors(self, error):
        """Django's errors keyed by API field names; errors about fields the API does not show become general."""
        general = api_settings.NON_FIELD_ERRORS_KEY
        if not hasattr(error, "error_dict"):
            return {general: error.messages}
        names = {field.source: name for name, field in self.fields.items() if not field.read_only}
        errors = {}
        for key, messages in error.message_dict.items():
            name = names.get(key, general) if key != NON_FIELD_ERRORS else general
            errors.setdefault(name, []).extend(messages)
        return errors

    @transaction.atomic
    def save_record(self, *, user):
        """Save the validated record, its relations and citations, then publish or unpublish as asked."""
        data = self.validated_data
        record = self.record
        current = self.instance.publication if self.instance is not None else Publication.DRAFT
        wanted = data.get("publication", current)
        record.publication = current
        record._history_user = user
        record._change_reason = "edited through the API"
        record.save()
        for name in self.m2m_names & data.keys():
            getattr(record, name).set(data[name])
        if "citations" in data:
            replace_citations(record, data["citations"], user=user)
        try:
            if wanted == Publication.PUBLISHED and current != Publication.PUBLISHED:
                services.publish(obj=record, user=user)
            elif wanted != Publication.PUBLISHED and current == Publication.PUBLISHED:
                services.unpublish(obj=record, user=user)
            elif record.is_published and (problems := services.publication_problems(record)):
                raise DjangoValidationError(
                    _("A published record must stay publishable: %(problems)s.") % {"problems": "; ".join(problems)}
                )
        except DjangoValidationError as error:
            raise serializers.ValidationError({"publication": error.messages}) from error
        self.instance = record
        return record


def replace_citations(record, items, *, user):
    """Make ``record``'s citations exactly ``items``, in order, recording each change in history."""
    content_type = ContentType.objects.get_for_model(record)
    existing = {
        (citation.source_id, citation.locator): citation
        for citation in Citation.objects.filter(content_type=content_type, object_id=record.pk)
    }
    wanted = set()
    for order, item in enumerate(items):
        key = (item["source"].pk, item.get("locator", ""))
        wanted.add(key)
        citation = existing.get(key) or Citation(
            content_type=content_type, object_id=record.pk, source=item["source"], locator=key[1]
        )
        if citation.pk is None or citation.quote != item.get("quote", "") or citation.order != order:
            citation.quote = item.get("quote", "")
            citation.order = order
            citation._history_user = user
            citation.save()
    for key, citation in existing.items():
        if key not in wanted:
            citation._history_user = user
            citation.delete()


class CitableSerializer(ContentSerializer):
    citations = CitationSerializer(
        many=True,
        required=False,
        help_text=_("The sources for this record. When written, the list replaces the record's citations."),
    )


class DatedCitableSerializer(CitableSerializer):
    date_claims = DateClaimSerializer(
        many=True,
        read_only=True,
        help_text=_("Competing dates given by different sources, each cited; empty when sources agree."),
    )


class EraSerializer(DatedCitableSerializer):
    """A period of Afghan statehood and foreign policy."""

    url = IdentityField(view_name="api:era-detail", lookup_field="slug")
    page_url = PageURLField()

    class Meta:
        model = Era
        fields = (
            "id",
            "url",
            "page_url",
            "slug",
            "name",
            "starts_on",
            "starts_on_precision",
            "ends_on",
            "ends_on_precision",
            "summary",
            "narrative",
            "citations",
            "date_claims",
            *COMMON_FIELDS,
        )


class CountrySerializer(CitableSerializer):
    """A counterpart of Afghanistan: a state, a former state or an international organisation."""

    url = IdentityField(view_name="api:country-detail", lookup_field="slug")
    page_url = PageURLField()
    successors = EmbeddedRelatedField(
        summary=CountrySummarySerializer,
        queryset=Country.objects.all(),
        many=True,
        required=False,
        help_text=_("For a former state: the states that took its place (slugs when written)."),
    )
    predecessors = EmbeddedRelatedField(summary=CountrySummarySerializer, many=True, read_only=True)
    relations_established_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("Start of the first period of diplomatic relations; derived from the status periods."),
    )
    relations_established_on_precision = serializers.ChoiceField(
        choices=Precision.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = Country
        fields = (
            "id",
            "url",
            "page_url",
            "slug",
            "name",
            "official_name",
            "kind",
            "iso2",
            "iso3",
            "iso_numeric",
            "region",
            "successors",
            "predecessors",
            "dissolved_on",
            "dissolved_on_precision",
            "relations_established_on",
            "relations_established_on_precision",
            "summary",
            "citations",
            *COMMON_FIELDS,
        )


class RelationPeriodSerializer(DatedCitableSerializer):
    """A period during which relations with one counterpart had one status; ``ends_on`` null while it holds."""

    url = IdentityField(view_name="api:relation-detail")
    country = EmbeddedRelatedField(summary=CountrySummarySerializer, queryset=Country.objects.all())

    class Meta:
        model = RelationPeriod
        fields = (
            "id",
            "url",
            "country",
            "status",
            "starts_on",
            "starts_on_precision",
            "ends_on",
            "ends_on_precision",
            "summary",
            "citations",
            "date_claims",
            *COMMON_FIELDS,
        )


class MissionSerializer(DatedCitableSerializer):
    """An embassy, consulate or other office; ``closed_on`` null while open."""

    url = IdentityField(view_name="api:mission-detail", lookup_field="slug")
    page_url = PageURLField()
    name = serializers.CharField(read_only=True)
    country = EmbeddedRelatedField(
        summary=CountrySummarySerializer,
        queryset=Country.objects.all(),
        help_text=_("The counterpart: the sending state for a mission in Afghanistan, the host for one abroad."),
    )
    heads = HeadOfMissionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Mission
        fields = (
            "id",
            "url",
            "page_url",
            "slug",
            "name",
            "country",
            "direction",
            "kind",
            "city",
            "opened_on",
            "opened_on_precision",
            "closed_on",
            "closed_on_precision",
            "status",
            "staff_represent",
            "address",
            "website",
            "summary",
            "heads",
            "citations",
            "date_claims",
            *COMMON_FIELDS,
        )


class HeadOfMissionSerializer(DatedCitableSerializer):
    """The head of a mission over a term."""

    url = IdentityField(view_name="api:head-of-mission-detail")
    mission = EmbeddedRelatedField(summary=MissionSummarySerializer, queryset=Mission.objects.select_related("country"))

    class Meta:
        model = HeadOfMission
        fields = (
            "id",
            "url",
            "mission",
            "name",
            "title",
            "started_on",
            "started_on_precision",
            "ended_on",
            "ended_on_precision",
            "citations",
            "date_claims",
            *COMMON_FIELDS,
        )


class EventSerializer(DatedCitableSerializer):
    """A dated happening in Afghanistan's foreign relations."""

    url = IdentityField(view_name="api:event-detail", lookup_field="slug")
    page_url = PageURLField()
    era = serializers.SerializerMethodField(help_text=_("The era the date falls in; derived from the date."))
    countries = EmbeddedRelatedField(
        summary=CountrySummarySerializer, queryset=Country.objects.all(), many=True, required=False
    )

    class Meta:
        model = Event
        fields = (
            "id",
            "url",
            "page_url",
            "slug",
            "title",
            "date",
            "date_precision",
            "kind",
            "era",
            "summary",
            "countries",
            "citations",
            "date_claims",
            *COMMON_FIELDS,
        )

    @extend_schema_field(EraSummarySerializer(allow_null=True))
    def get_era(self, event):
        slug = getattr(event, "era_slug", None)
        if slug is None:
            return None
        return {
            "url": api_url(self.context.get("request"), "era-detail", slug=slug),
            "slug": slug,
            "name": event.era_name,
        }


class SourceSerializer(ContentSerializer):
    """A work the record cites. ``url`` is this record in the API; ``web_url`` is the work online."""

    url = IdentityField(view_name="api:source-detail", lookup_field="slug")
    page_url = PageURLField()
    web_url = OptionalURLField(
        source="url", max_length=1000, required=False, allow_blank=True, help_text=_("Where the work is online.")
    )

    class Meta:
        model = Source
        fields = (
            "id",
            "url",
            "page_url",
            "slug",
            "kind",
            "authors",
            "title",
            "container_title",
            "publisher",
            "place",
            "published_on",
            "published_on_precision",
            "web_url",
            "archive_url",
            "accessed_on",
            "isbn",
            "pages",
            *COMMON_FIELDS,
        )
