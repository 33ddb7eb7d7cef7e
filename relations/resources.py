"""Bulk import and export of the record (django-import-export), and streamed export files.

Rows are matched on the record's slug (citations on their id), validated through
the model's ``full_clean`` like a form, and an import with any bad row changes
nothing (the admin runs it in one transaction and rolls back on any error).
Publishing is a publisher's act here as everywhere: an editor's file may not
publish a record or change a published one, and nobody may publish an uncited
claim by import. A ``version`` column, when present, must match the record's
current version, so an import never silently overwrites a colleague's later edit.
"""

import csv
import json
import tempfile

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from openpyxl import Workbook

from .forms import CITABLE_MODELS
from .models import Citation, Country, Event, Mission, Publication, Source
from .services import CLAIM_MODELS, can_publish, publication_problems
from .spreadsheets import Echo, spreadsheet_safe

CONTENT_FIELDS = ("unverified", "editor_notes", "publication")
CITATION_TARGETS = (*CITABLE_MODELS, "dateclaim")


class SlugsWidget(widgets.ManyToManyWidget):
    """Related records as slugs separated by ``|`` (e.g. ``russia|ukraine``), refusing unknown slugs."""

    def __init__(self, model):
        super().__init__(model, separator="|", field="slug")

    def clean(self, value, row=None, **kwargs):
        if not value:
            return self.model.objects.none()
        slugs = [slug.strip() for slug in str(value).split(self.separator) if slug.strip()]
        found = self.model.objects.filter(slug__in=slugs)
        missing = sorted(set(slugs) - set(found.values_list("slug", flat=True)))
        if missing:
            raise ValueError(_("unknown slug(s): %(slugs)s") % {"slugs": ", ".join(missing)})
        return found


class RecordTypeWidget(widgets.ForeignKeyWidget):
    """The kind of record a citation supports, by model name (event, mission, country, …)."""

    def __init__(self):
        super().__init__(ContentType, field="model")

    def get_queryset(self, value, row, *args, **kwargs):
        return ContentType.objects.filter(app_label="relations", model__in=CITATION_TARGETS)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ContentType.DoesNotExist as error:
            raise ValueError(
                _("“%(value)s” is not a kind of record that can be cited (one of: %(kinds)s)")
                % {"value": value, "kinds": ", ".join(CITATION_TARGETS)}
            ) from error


class ContentResource(resources.ModelResource):
    version = fields.Field(attribute="version", column_name="version", readonly=True)

    class Meta:
        abstract = True
        import_id_fields = ("slug",)
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = False
        chunk_size = 500

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._published_before = not new and instance.publication == Publication.PUBLISHED
        instance._imported_new = new

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        self.check_version(instance, row)
        self.check_publication(instance, kwargs.get("user"))

    def check_version(self, instance, row):
        expected = row.get("version")
        if instance._imported_new or expected in (None, ""):
            return
        try:
            expected = int(expected)
        except (TypeError, ValueError) as error:
            raise ValidationError({"version": _("Version must be a whole number.")}) from error
        if expected != instance.version:
            raise ValidationError(
                {
                    "version": _(
                        "This record changed since the file was exported (now version %(current)s, "
                        "the file has %(expected)s): export it again and redo the edit."
                    )
                    % {"current": instance.version, "expected": expected}
                }
            )

    def check_publication(self, instance, user):
        publishes = instance.publication == Publication.PUBLISHED and not instance._published_before
        if user is not None and not can_publish(user):
            if instance._published_before:
                raise ValidationError(
                    {NON_FIELD_ERRORS: _("This record is published: only a publisher may change it.")}
                )
            if publishes:
                raise ValidationError({"publication": _("Only publishers may publish: import it as a draft.")})
        if publishes and isinstance(instance, CLAIM_MODELS):
            problems = [_("it has no citation")] if instance._imported_new else publication_problems(instance)
            if problems:
                raise ValidationError(
                    {
                        "publication": _("Cannot publish: %(problems)s. Import it as a draft, cite it, then publish.")
                        % {"problems": "; ".join(str(problem) for problem in problems)}
                    }
                )

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = "import"


class SourceResource(ContentResource):
    class Meta(ContentResource.Meta):
        model = Source
        fields = (
            "slug",
            "kind",
            "authors",
            "title",
            "container_title",
            "publisher",
            "place",
            "published_on",
            "published_on_precision",
            "url",
            "archive_url",
            "accessed_on",
            "isbn",
            "pages",
            *CONTENT_FIELDS,
            "version",
        )


class CountryResource(ContentResource):
    successors = fields.Field(attribute="successors", column_name="successors", widget=SlugsWidget(Country))

    class Meta(ContentResource.Meta):
        model = Country
        fields = (
            "slug",
            "name",
            "official_name",
            "kind",
            "iso2",
            "iso3",
            "iso_numeric",
            "region",
            "successors",
            "dissolved_on",
            "dissolved_on_precision",
            "summary",
            *CONTENT_FIELDS,
            "version",
        )


class EventResource(ContentResource):
    countries = fields.Field(attribute="countries", column_name="countries", widget=SlugsWidget(Country))

    class Meta(ContentResource.Meta):
        model = Event
        fields = (
            "slug",
            "title",
            "date",
            "date_precision",
            "kind",
            "summary",
            "countries",
            *CONTENT_FIELDS,
            "version",
        )


class MissionResource(ContentResource):
    country = fields.Field(
        attribute="country", column_name="country", widget=widgets.ForeignKeyWidget(Country, field="slug")
    )

    class Meta(ContentResource.Meta):
        model = Mission
        fields = (
            "slug",
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
            *CONTENT_FIELDS,
            "version",
        )


class CitationResource(resources.ModelResource):
    """A citation names the kind and id of the record it supports and the source's slug."""

    record_type = fields.Field(attribute="content_type", column_name="record_type", widget=RecordTypeWidget())
    record_id = fields.Field(attribute="object_id", column_name="record_id", widget=widgets.IntegerWidget())
    record = fields.Field(column_name="record", readonly=True)
    source = fields.Field(
        attribute="source", column_name="source", widget=widgets.ForeignKeyWidget(Source, field="slug")
    )

    class Meta:
        model = Citation
        fields = ("id", "record_type", "record_id", "record", "source", "locator", "quote", "order")
        import_id_fields = ("id",)
        clean_model_instances = True
        use_transactions = True
        chunk_size = 500

    def dehydrate_record(self, citation):
        return str(citation.content_object) if citation.content_object is not None else ""

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        model = instance.content_type.model_class() if instance.content_type_id else None
        if model is None or instance.object_id is None:
            return
        target = model._default_manager.filter(pk=instance.object_id).first()
        if target is None:
            raise ValidationError(
                {"record_id": _("There is no %(kind)s with this id.") % {"kind": model._meta.verbose_name}}
            )
        user = kwargs.get("user")
        if user is not None and not can_publish(user) and target.publication == Publication.PUBLISHED:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _("“%(record)s” is published: only a publisher may change its citations.")
                    % {"record": target}
                }
            )

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = "import"


def stream_export(resource, queryset, file_format, filename, selected_fields=None):
    """A response that writes the export row by row, so a large table never sits in memory.

    CSV and JSON stream straight to the client; XLSX is written row by row to a
    temporary file (openpyxl's write-only mode) and that file is streamed.
    """
    headers = resource.get_export_headers(selected_fields=selected_fields)
    extension = file_format.get_extension()
    binary = extension == "xlsx"

    def rows():
        for obj in resource.iter_queryset(queryset):
            yield resource.export_resource(obj, selected_fields=selected_fields, force_native_type=binary)

    disposition = f'attachment; filename="{filename}"'
    if extension == "csv":
        writer = csv.writer(Echo())

        def lines():
            yield writer.writerow(headers)
            for row in rows():
                yield writer.writerow([spreadsheet_safe(value) for value in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    elif extension == "json":

        def chunks():
            yield "["
            for index, row in enumerate(rows()):
                yield ("," if index else "") + "\n" + json.dumps(dict(zip(headers, row, strict=True)), default=str)
            yield "\n]\n"

        response = StreamingHttpResponse(chunks(), content_type="application/json")
    elif extension == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(headers)
        for row in rows():
            sheet.append([spreadsheet_safe(value) for value in row])
        spool = tempfile.TemporaryFile()
        workbook.save(spool)
        spool.seek(0)
        response = FileResponse(spool, content_type=file_format.get_content_type())
    else:
        raise ValueError(_("Export to %(format)s is not supported.") % {"format": extension})
    response["Content-Disposition"] = disposition
    return response
