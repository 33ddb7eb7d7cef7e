"""What every content admin shares: roles, publishing, edit conflicts, history, restore, import/export."""

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange, ModelDelta

from .. import services
from ..forms import CitationInlineFormSet, ContentAdminForm, ContentInlineForm, ContentInlineFormSet
from ..models import Citation, Publication
from ..paginator import DeferredJoinPaginator
from ..resources import stream_export


def citation_count(model):
    """A subquery counting the citations of each row of ``model``: one query for a whole page."""
    citations = (
        Citation.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk"))
        .order_by()
        .values("object_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(citations[:1]), 0)


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that shows the selected object it was given instead of querying for it.

    Inline rows each render one of these; without it a form with fifty citations
    runs fifty queries just to print the source titles.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not self.preloaded or not selected or not selected <= self.preloaded.keys():
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for key in sorted(selected):
            obj = self.preloaded[key]
            label = self.choices.field.label_from_instance(obj)
            options.append(self.create_option(name, obj.pk, label, selected, len(options)))
        return [(None, options, 0)]


class PreloadingCitationFormSet(CitationInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        citation = form.instance
        if citation.pk and citation.source_id:
            widget = form.fields["source"].widget
            getattr(widget, "widget", widget).preloaded = {str(citation.source_id): citation.source}
        return form


def user_can_edit(request, obj):
    """Editors change drafts; only publishers change what is already public."""
    return obj is None or not getattr(obj, "is_published", False) or services.can_publish(request.user)


class RoleInlineMixin:
    """Rows of an inline are added, changed and deleted only where the parent record may be edited."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and user_can_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and user_can_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and user_can_edit(request, obj)


class CitationInline(RoleInlineMixin, GenericTabularInline):
    """The footnotes of a record, edited with it."""

    model = Citation
    formset = PreloadingCitationFormSet
    fields = ("source", "locator", "quote", "order")
    autocomplete_fields = ("source",)
    extra = 1
    verbose_name = gettext_lazy("citation")
    verbose_name_plural = gettext_lazy("citations (every claim needs at least one)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ContentInline(RoleInlineMixin, admin.TabularInline):
    """Records edited inside another (a country's status periods and missions, a mission's heads).

    New rows start as drafts and publication is never changed here: a row is
    published from its own page, where its citations are, so the citation rule holds.
    """

    form = ContentInlineForm
    formset = ContentInlineFormSet
    extra = 0
    show_change_link = True
    readonly_fields = ("publication",)

    def get_fields(self, request, obj=None):
        # Each row carries the version it was opened at, so edits made elsewhere meanwhile are caught.
        return (*super().get_fields(request, obj), "version")

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name != "version"]
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


class RecordListAdmin(SimpleHistoryAdmin):
    """What every admin of the record shares in its change lists.

    Django renders each row's action checkbox as a form widget, through three templates per row:
    a quarter of a 50-row change list's time went there. ``action_checkbox`` writes the same
    element directly (``test_admin.test_action_checkbox_matches_django`` compares the two).

    Pages are read as the site's lists read them (``DeferredJoinPaginator``): the keys of a page first,
    then its rows, and a page in the second half from the end. With Django's paginator a deep page had
    the database build every skipped row, citation count and all (61 ms of the events' page 400 at scale
    100); and the count of an unfiltered list comes from the tally.
    """

    paginator = DeferredJoinPaginator
    # Rows written once a column, not once a cell (templatetags/admin_rows.py), as Django's tag writes them.
    change_list_template = "admin/relations/change_list.html"

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class ContentAdmin(RecordListAdmin):
    """The admin of every content record.

    Roles: an Editor adds records and changes drafts; a Publisher also publishes,
    unpublishes, deletes published records and reverts history. ``publication`` is
    read-only for editors on every path (form, inline, action, import); publishing
    always goes through ``services.publish``, after the inline citations are saved.
    """

    form = ContentAdminForm
    actions = ("publish_selected", "unpublish_selected")
    list_per_page = 50
    show_full_result_count = False
    change_list_template = "admin/relations/change_list_with_deleted.html"
    object_history_list_template = "admin/relations/object_history_list.html"
    object_history_form_template = "admin/relations/object_history_form.html"
    history_list_per_page = 50
    bookkeeping_fields = ("unverified", "editor_notes", "publication")

    # History -----------------------------------------------------------------

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """What changed between consecutive versions, many-to-many links included, in a fixed number
        of queries: simple_history reads the links of each version with queries of its own."""
        records = list(historical_records)
        m2m_names = [field.name for field in self.model.history.model._history_m2m_fields]
        links = {name: self._history_links(name, records) for name in m2m_names}
        for newer, older in zip(records, records[1:], strict=False):
            delta = newer.diff_against(older, excluded_fields=m2m_names, foreign_keys_are_objs=foreign_keys_are_objs)
            changes = list(delta.changes)
            for name in m2m_names:
                old_rows, new_rows = links[name].get(older.history_id, []), links[name].get(newer.history_id, [])
                if old_rows != new_rows:
                    changes.append(ModelChange(name, old_rows, new_rows))
            delta = ModelDelta(changes, [change.field for change in changes], older, newer)
            helper = self.get_historical_record_context_helper(request, newer)
            newer.history_delta_changes = helper.context_for_delta_changes(delta)

    def _history_links(self, name, records):
        """{history id: [{related field: object}, ...]} of one many-to-many field, for every version listed."""
        if not records:
            return {}
        through = getattr(records[0], name).model
        related = [
            f.name
            for f in through._meta.fields
            if f.editable and f.name not in ("id", "m2m_history_id", "history") and f.is_relation
        ]
        rows = list(
            through.objects.filter(history_id__in=[r.history_id for r in records]).order_by(
                "history_id", *(f"{field}_id" for field in related)
            )
        )
        # The linked records in one query per model; one deleted since is shown as simple_history shows it.
        objects = {}
        for field in related:
            model = through._meta.get_field(field).related_model
            ids = {getattr(row, f"{field}_id") for row in rows}
            found = model._base_manager.in_bulk(ids)
            objects[field] = {pk: found.get(pk) or DeletedObject(model, pk) for pk in ids}
        links = defaultdict(list)
        for row in rows:
            links[row.history_id].append({field: objects[field][getattr(row, f"{field}_id")] for field in related})
        return links

    # Roles -----------------------------------------------------------------

    def has_publish_permission(self, request):
        return services.can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and user_can_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and user_can_edit(request, obj)

    def get_fieldsets(self, request, obj=None):
        """Every form carries the version it was opened at (a hidden field), whatever the fieldsets."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or any("version" in options["fields"] for _, options in fieldsets):
            return fieldsets
        name, options = fieldsets[-1]
        fieldsets[-1] = (name, {**options, "fields": (*options["fields"], "version")})
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        # ``version`` is the form's own hidden field, not an editable model field.
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name != "version"]
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not services.can_publish(request.user):
            readonly += ("publication",)
        return readonly

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions and not services.can_publish(request.user):
            actions["delete_selected"] = (
                type(self).delete_selected_drafts,
                "delete_selected",
                delete_selected.short_description,
            )
        return actions

    @admin.action(permissions=("delete",), description=gettext_lazy("Delete selected drafts"))
    def delete_selected_drafts(self, request, queryset):
        published = queryset.published().count()
        if published:
            self.message_user(
                request,
                ngettext(
                    "%(count)d of the selected records is published: only a publisher may delete it. "
                    "Nothing was deleted.",
                    "%(count)d of the selected records are published: only a publisher may delete them. "
                    "Nothing was deleted.",
                    published,
                )
                % {"count": published},
                messages.ERROR,
            )
            return None
        return delete_selected(self, request, queryset)

    # Publishing --------------------------------------------------------------

    @admin.action(permissions=("publish",), description=gettext_lazy("Publish selected records"))
    def publish_selected(self, request, queryset):
        published, refused = 0, []
        for obj in queryset:
            try:
                if not obj.is_published:
                    services.publish(obj=obj, user=request.user)
                    published += 1
            except ValidationError as error:
                refused.append(" ".join(error.messages))
        if published:
            self.message_user(request, ngettext("Published %d record.", "Published %d records.", published) % published)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(permissions=("publish",), description=gettext_lazy("Unpublish selected records (back to draft)"))
    def unpublish_selected(self, request, queryset):
        count = 0
        for obj in queryset.published():
            services.unpublish(obj=obj, user=request.user)
            count += 1
        self.message_user(request, ngettext("Unpublished %d record.", "Unpublished %d records.", count) % count)

    def save_model(self, request, obj, form, change):
        was_published = change and type(obj).objects.filter(pk=obj.pk, publication=Publication.PUBLISHED).exists()
        if not services.can_publish(request.user):
            # Belt and braces: the field is read-only for editors, but nothing they send may publish.
            obj.publication = Publication.PUBLISHED if was_published else Publication.DRAFT
        elif obj.publication == Publication.PUBLISHED and not was_published:
            # Publish only once the inline citations are saved (see save_related).
            obj.publication = Publication.DRAFT
            obj._publish_requested = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if getattr(obj, "_publish_requested", False):
            try:
                services.publish(obj=obj, user=request.user)
            except ValidationError as error:
                obj._publish_refused = True
                self.message_user(
                    request,
                    _("Saved as a draft, not published: %(reason)s") % {"reason": " ".join(error.messages)},
                    messages.ERROR,
                )

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "_publish_refused", False):
            return HttpResponseRedirect(reverse(admin_urlname(obj, "change"), args=(obj.pk,)))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(obj, "_publish_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.display(description=gettext_lazy("status"), ordering="publication")
    def publication_badge(self, obj):
        label = obj.get_publication_display()
        css = "badge-published" if obj.is_published else "badge-draft"
        if obj.unverified:
            return format_html(
                '<span class="badge {}">{}</span> <span class="badge badge-unverified">{}</span>',
                css,
                label,
                _("unverified"),
            )
        return format_html('<span class="badge {}">{}</span>', css, label)

    # History -----------------------------------------------------------------

    def revert_disabled(self, request, obj=None):
        return not services.can_publish(request.user)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        obj = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not services.can_publish(request.user):
            raise PermissionDenied
        try:
            services.revert(record=obj, history_id=version_id, user=request.user)
        except ValidationError as error:
            self.message_user(
                request, _("Not reverted: %(reason)s") % {"reason": " ".join(error.messages)}, messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        self.message_user(request, _("“%(obj)s” was reverted to the chosen version.") % {"obj": obj})
        return HttpResponseRedirect(reverse(admin_urlname(obj, "change"), args=(obj.pk,)))

    # Deleted records ---------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("deleted/", self.admin_site.admin_view(self.deleted_view), name=f"{prefix}_deleted"),
            path(
                "deleted/<int:record_id>/restore/",
                self.admin_site.admin_view(require_POST(self.restore_view)),
                name=f"{prefix}_restore",
            ),
        ] + super().get_urls()

    def has_restore_permission(self, request):
        return self.has_add_permission(request)

    def deleted_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Deleted %(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "records": services.deleted_versions(self.model)[:200],
            "can_restore": self.has_restore_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/relations/deleted_records.html", context)

    def restore_view(self, request, record_id):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        try:
            record = services.restore_deleted(model=self.model, record_id=record_id, user=request.user)
        except ValidationError as error:
            self.message_user(
                request, _("Not restored: %(reason)s") % {"reason": " ".join(error.messages)}, messages.ERROR
            )
            return HttpResponseRedirect(reverse(admin_urlname(self.model, "deleted")))
        self.message_user(request, _("“%(obj)s” was restored as a draft.") % {"obj": record})
        return HttpResponseRedirect(reverse(admin_urlname(record, "change"), args=(record.pk,)))


class CitableAdmin(ContentAdmin):
    """Records that make claims about the world, with their citations inline and counted in lists."""

    inlines = (CitationInline,)

    @admin.display(description=gettext_lazy("citations"), ordering="citation_total")
    def citation_total(self, obj):
        if obj.citation_total == 0:
            return format_html('<span class="badge badge-uncited">{}</span>', _("uncited"))
        return obj.citation_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_total=citation_count(self.model))


def admin_urlname(model_or_obj, action):
    opts = model_or_obj._meta
    return f"admin:{opts.app_label}_{opts.model_name}_{action}"


class BulkImportExportMixin(ImportExportMixin):
    """Bulk import (dry-run preview, all-or-nothing) and streamed export as CSV, XLSX or JSON."""

    formats = (CSV, XLSX, JSON)
    # Many-to-many fields the export writes, fetched per chunk of rows rather than per row.
    export_prefetch = ()

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).prefetch_related(*self.export_prefetch)

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # One bad row and the whole file changes nothing.
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return kwargs

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request, export_form=export_form))
        fields = self.get_export_resource_fields_from_form(export_form)
        filename = self.get_export_filename(request, queryset, file_format)
        return stream_export(resource, queryset, file_format, filename, fields)
