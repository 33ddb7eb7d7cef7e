"""Fields shared by the API's serializers.

Related records are embedded when read (so a consumer needs no second request) and
named by their slug when written. The summaries build plain dicts: nested DRF
serializers cost several times more per row, and list pages embed many of them.
"""

import re

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from ..dates import Precision
from ..links import absolute, absolute_keyed_url

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")


def api_url(request, view_name, **kwargs):
    """The absolute API address of the record named by one key (``slug=`` or ``pk=``)."""
    ((kwarg, value),) = kwargs.items()
    return absolute_keyed_url(request, f"api:{view_name}", kwarg, value)


def page_url(request, obj):
    """The absolute address of the public page about ``obj``."""
    return absolute(request, obj.get_absolute_url())


def prefetched_name(name):
    """The attribute a view's ``Prefetch(name, to_attr=…)`` fills with the related records a field shows."""
    return f"prefetched_{name}"


class PrefetchedListSerializer(serializers.ListSerializer):
    """Reads the list the view prefetched into ``prefetched_attr``, else the relation itself."""

    def get_attribute(self, instance):
        prefetched = getattr(instance, self.child.prefetched_attr, None)
        return prefetched if prefetched is not None else super().get_attribute(instance)


class Summary(serializers.Serializer):
    """A small read-only description of a record, embedded in others.

    The declared fields exist for the OpenAPI schema; ``represent`` builds the dict.
    """

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True, help_text=_("This record in the API."))

    def to_representation(self, instance):
        return self.represent(instance, self.context.get("request"))

    # The API view of a record addressed by its slug; a summary without one overrides ``represent``.
    view_name = None

    @classmethod
    def represent(cls, obj, request):
        """``id``, ``url`` and every other declared field, read from ``obj`` by name."""
        data = {"id": obj.pk, "url": api_url(request, cls.view_name, slug=obj.slug)}
        data.update((name, getattr(obj, name)) for name in cls._declared_fields if name not in data)
        return data


class CountrySummarySerializer(Summary):
    view_name = "country-detail"
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class SourceSummarySerializer(Summary):
    view_name = "source-detail"
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    authors = serializers.CharField(read_only=True)


class MissionSummarySerializer(Summary):
    view_name = "mission-detail"
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class EraSummarySerializer(serializers.Serializer):
    """The era an event's date falls in, derived from the date, never set by hand."""

    url = serializers.URLField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class HeadOfMissionSummarySerializer(Summary):
    name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    started_on = serializers.DateField(read_only=True, allow_null=True)
    started_on_precision = serializers.ChoiceField(choices=Precision.choices, read_only=True)
    ended_on = serializers.DateField(read_only=True, allow_null=True)
    ended_on_precision = serializers.ChoiceField(choices=Precision.choices, read_only=True)

    # A mission's heads, read from the list the view prefetched.
    prefetched_attr = prefetched_name("heads")

    class Meta:
        list_serializer_class = PrefetchedListSerializer

    @classmethod
    def represent(cls, obj, request):
        return {
            "id": obj.pk,
            "url": api_url(request, "head-of-mission-detail", pk=obj.pk),
            "name": obj.name,
            "title": obj.title,
            "started_on": obj.started_on.isoformat() if obj.started_on else None,
            "started_on_precision": obj.started_on_precision,
            "ended_on": obj.ended_on.isoformat() if obj.ended_on else None,
            "ended_on_precision": obj.ended_on_precision,
        }


class PrefetchedManyRelatedField(serializers.ManyRelatedField):
    """Reads the list the view prefetched (``prefetched_name``), else the relation itself.

    Reading a prefetched relation through ``record.countries.all()`` builds a related manager and a
    queryset for every record only to hand back the rows already fetched: for a page of 50 events,
    about a tenth of the page.
    """

    def get_attribute(self, instance):
        prefetched = getattr(instance, prefetched_name(self.source), None)
        return prefetched if prefetched is not None else super().get_attribute(instance)


class EmbeddedRelatedField(serializers.RelatedField):
    """Reads as the related record's summary; written as its slug."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        # DRF's RelatedField.many_init, with the field that reads a prefetched list.
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, value) for key, value in kwargs.items() if key in MANY_RELATION_KWARGS)
        return PrefetchedManyRelatedField(**list_kwargs)

    default_error_messages = {
        "invalid": _("Give the slug of the record: letters, digits, hyphens and underscores."),
        "does_not_exist": _("There is no record with the slug “{value}”."),
    }

    def __init__(self, *, summary, **kwargs):
        self.summary = summary
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _SLUG_RE.fullmatch(data):
            self.fail("invalid")
        try:
            return self.get_queryset().get(slug=data)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return self.summary.represent(value, self.context.get("request"))


class PageURLField(serializers.Field):
    """The absolute address of the record's public page."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return page_url(self.context.get("request"), value)


class IdentityField(serializers.HyperlinkedIdentityField):
    """The record's own API address, free of the request's query string (``?format=csv`` included)."""

    def get_url(self, obj, view_name, request, format):
        return absolute_keyed_url(request, view_name, self.lookup_url_kwarg, getattr(obj, self.lookup_field))


class OptionalURLField(serializers.URLField):
    """An http(s) address, or the empty string when there is none."""
