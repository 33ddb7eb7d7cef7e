"""The rows of the admin's change lists, written once a column rather than once a cell.

Django's ``{% result_list %}`` (``admin_list.items_for_result``) works out, for every cell of
every row, what kind of column it is: whether the name is a model field, an admin method or an
attribute, which empty value and CSS classes it takes, whether it links to the record. All of
that depends on the column, not the row, yet costs more than reading the value, and each cell is
then built with ``format_html``, which escapes again what is already safe, and written out by the
template's loop. In a 50-row change list that was two fifths of the page.

Here each column is planned once (``Column``) and each row written as one string, with the same
calls Django makes for what depends on the value (``lookup_field``, ``display_for_field``,
``display_for_value``, the change URL). The result feeds Django's own
``change_list_results.html``, each row as a single item, so the page is the same byte for byte:
``tests/test_admin_rows.py`` compares the two for every change list of the site. A change list
this does not cover (editable rows, a popup, a ``to_field``) is left to Django's own tag.
"""

import datetime
import html
from types import SimpleNamespace

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe

from ..escaping import escape

register = template.Library()

# Stands for the primary key in a change URL reversed once a list (a run of digits: any integer key
# reverses and quotes to its own digits, so replacing it gives what reversing each row gives).
PK_STAND_IN = "9876543210123456789"


class Column:
    """What Django's ``items_for_result`` works out about a column, worked out once a list."""

    def __init__(self, cl, index, name, linked, table_tag):
        self.name = name
        self.linked = linked
        self.table_tag = table_tag
        self.model_admin = cl.model_admin
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.empty = cl.model_admin.get_empty_value_display()
        try:  # as lookup_field asks, once a list rather than once a row
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            self.field = None
        # A field with choices shows its value's label (display_for_field): each label, translated and
        # escaped once a list, where Django translates and escapes it again in every row.
        self.labels = None
        f = self.field
        if f is not None and not f.auto_created and not isinstance(f.remote_field, models.ManyToOneRel):
            try:
                self.labels = {value: mark_safe(escape(label)) for value, label in f.flatchoices or ()} or None  # noqa: S308
            except TypeError:  # unhashable choices: Django's own path
                self.labels = None

    def cell(self, result):
        try:
            if self.field is not None:
                f, attr, value = self.field, None, getattr(result, self.name)
            else:
                f, attr, value = lookup_field(self.name, result, self.model_admin)
            found = True
        except ObjectDoesNotExist:
            found = False
        classes = self.classes
        if not found:
            result_repr = self.empty
        else:
            empty = getattr(attr, "empty_value_display", self.empty)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is None or f.auto_created:
                if self.name == "action_checkbox":
                    classes = ["action-checkbox"]
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                result_repr = display_for_value(value, empty, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes = [*classes, "nowrap"]
            else:
                if isinstance(f.remote_field, models.ManyToOneRel):
                    field_val = getattr(result, f.name)
                    result_repr = empty if field_val is None else field_val
                elif self.labels is not None:
                    try:
                        result_repr = self.labels.get(value, empty)
                    except TypeError:  # an unhashable value: Django's own path
                        result_repr = display_for_field(value, f, empty, avoid_link=self.linked)
                else:
                    result_repr = display_for_field(value, f, empty, avoid_link=self.linked)
                if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes = [*classes, "nowrap"]
        return f' class="{" ".join(classes)}"', result_repr


class Rows:
    """Every row of a change list as one string each, for Django's ``change_list_results.html``."""

    def __init__(self, cl):
        self.cl = cl
        self.columns = []
        first = True
        for index, name in enumerate(cl.list_display):
            linked = self._links(first, name)
            table_tag = "th" if linked and first else "td"
            if linked:
                first = False
            self.columns.append(Column(cl, index, name, linked, table_tag))
        self.pk_attname = cl.lookup_opts.pk.attname
        self.url_template = self._url_template()

    def _links(self, is_first, name):
        cl = self.cl
        if cl.list_display_links is None:
            return False
        if is_first and not cl.list_display_links:
            return True
        return name in cl.list_display_links

    def _url_template(self):
        """The change URL of a record with the stand-in key, filters preserved; None if there is none."""
        cl = self.cl
        try:
            url = cl.url_for_result(SimpleNamespace(**{self.pk_attname: PK_STAND_IN}))
        except NoReverseMatch:
            return None
        url = self._keeping_filters(url)
        return url if url.count(PK_STAND_IN) == 1 else None

    def _keeping_filters(self, url):
        """``url`` with the list's filters preserved (``_changelist_filters``), as Django's rows link."""
        return add_preserved_filters({"preserved_filters": self.cl.preserved_filters, "opts": self.cl.opts}, url)

    def _url(self, result):
        pk = getattr(result, self.pk_attname)
        if isinstance(pk, int) and self.url_template is not None:
            return self.url_template.replace(PK_STAND_IN, str(pk))
        return self._keeping_filters(self.cl.url_for_result(result))

    def row(self, result):
        cells = []
        for column in self.columns:
            row_class, result_repr = column.cell(result)
            if column.linked:
                try:
                    url = self._url(result)
                except NoReverseMatch:
                    link_or_text = escape(result_repr)
                else:
                    link_or_text = f'<a href="{html.escape(url)}">{escape(result_repr)}</a>'
                cells.append(f"<{column.table_tag}{row_class}>{link_or_text}</{column.table_tag}>")
            else:
                cells.append(f"<td{row_class}>{escape(result_repr)}</td>")
        return mark_safe("".join(cells))  # noqa: S308 - every value escaped above, as format_html would


def covers(cl):
    """Whether ``Rows`` writes this change list as Django would (else Django's own tag does)."""
    return not (getattr(cl, "formset", None) or cl.is_popup or cl.to_field)


def fast_result_list(cl):
    if not covers(cl):
        return result_list(cl)
    headers = list(result_headers(cl))
    rows = Rows(cl)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [ResultList(None, [rows.row(result)]) for result in cl.result_list],
    }


@register.tag(name="result_rows")
def result_rows_tag(parser, token):
    """``{% result_list cl %}``, its rows written by ``Rows``."""
    return InclusionAdminNode(
        parser, token, func=fast_result_list, template_name="change_list_results.html", takes_context=False
    )
