"""Filters for the public list pages (django-filter), each bound to what the reader may see."""

from functools import lru_cache

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import (
    AfghanGovernment,
    Country,
    CountryKind,
    Era,
    Event,
    EventKind,
    Mission,
    MissionDirection,
    MissionKind,
    MissionStatus,
    Region,
    RelationStatus,
)


@lru_cache(maxsize=256)
def options_html(pairs, chosen):
    """The <option>s of ``pairs`` ((value, label) strings, labels already translated), written once
    per list and choice: the same country list is offered on every page of the events list."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((option, " selected" if option == chosen else "", label) for option, label in pairs),
    )


class FastSelect(forms.Select):
    """A <select> whose options are written in Python: Django renders each option through a
    template, which for a list of some 250 countries costs more than the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        chosen = "" if value is None else str(value)
        pairs = tuple((str(option), str(label)) for option, label in self.pairs())
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options_html(pairs, chosen))

    def pairs(self):
        """(value, label) of every option. Records named by a ``name`` column are read as two
        columns, not built into model instances only to be turned back into text."""
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return choices
        field = choices.field
        model = field.queryset.model
        if type(field).label_from_instance is not forms.ModelChoiceField.label_from_instance or not any(
            f.name == "name" for f in model._meta.fields
        ):
            return choices
        rows = field.queryset.values_list(field.to_field_name or "pk", "name")
        return [("", field.empty_label)] + list(rows) if field.empty_label is not None else list(rows)


def attributes(attrs):
    """Attributes as Django's ``attrs.html`` writes them: in their order, True bare, False left out.

    (``flatatt`` sorts them by name, which is fine for a <select> but would change the inputs.)"""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastInput:
    """An <input> written in Python, as Django's ``input.html`` writes it (see ``FastSelect``)."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            format_html(' value="{}"', value) if value is not None else "",
            attributes(self.build_attrs(self.attrs, attrs)),
        )


class FastDateInput(FastInput, forms.DateInput):
    pass


class FastTextInput(FastInput, forms.TextInput):
    pass


class FastLabelsForm(forms.Form):
    """A form whose <label>s are written in Python, as Django's ``label.html`` writes them.

    ``BoundField.label_tag`` works out the label, its suffix and ``for`` as usual and only the
    last step, a template per field, is replaced. With ``FastSelect`` and ``FastInput`` a filter
    form renders templates only for the errors it shows (``test_views.test_filter_forms_render_as_django_does``
    compares whole pages with Django's own rendering).
    """

    def render(self, template_name=None, context=None, renderer=None):
        if template_name != self.template_name_label or context is None or renderer is not None:
            return super().render(template_name, context, renderer)
        if not context["use_tag"]:
            return conditional_escape(context["label"])
        tag = context["tag"]
        return format_html("<{}{}>{}</{}>", tag, attributes(context["attrs"] or {}), context["label"], tag)


class VisibleFilterSet(django_filters.FilterSet):
    """A FilterSet whose choice lists only offer what ``user`` may see."""

    class Meta:
        form = FastLabelsForm  # subclasses' Meta inherit it

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for name, (model, fields) in self.visible_choices().items():
            # Only the columns a <select> and the filter need: the list may be long.
            self.filters[name].queryset = model.objects.visible_to(user).only("pk", "slug", "name", *fields)
        for field in self.form.fields.values():
            field.required = False

    def visible_choices(self):
        """{filter name: (model, extra fields)} for the filters whose choices are records."""
        return {}


class EventFilter(VisibleFilterSet):
    era = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=_("Era"),
        to_field_name="slug",
        queryset=Era.objects.none(),
        method="filter_era",
        empty_label=_("Any era"),
    )
    country = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=_("Country or organisation"),
        to_field_name="slug",
        field_name="countries",
        queryset=Country.objects.none(),
        empty_label=_("Any"),
    )
    kind = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Kind"), choices=EventKind.choices, empty_label=_("Any kind")
    )
    date_after = django_filters.DateFilter(
        label=_("From"),
        field_name="date",
        lookup_expr="gte",
        widget=FastDateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD"),
    )
    date_before = django_filters.DateFilter(
        label=_("Until"),
        field_name="date",
        lookup_expr="lte",
        widget=FastDateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD"),
    )

    class Meta(VisibleFilterSet.Meta):
        model = Event
        fields = ("era", "country", "kind", "date_after", "date_before")

    def visible_choices(self):
        return {"era": (Era, ("starts_on", "ends_on")), "country": (Country, ())}

    def filter_era(self, queryset, name, value):
        return queryset.in_era(value) if value else queryset


class MissionFilter(VisibleFilterSet):
    direction = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Direction"), choices=MissionDirection.choices, empty_label=_("Both directions")
    )
    kind = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Kind"), choices=MissionKind.choices, empty_label=_("Any kind")
    )
    status = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Status"), choices=MissionStatus.choices, empty_label=_("Any status")
    )
    city = django_filters.CharFilter(widget=FastTextInput, label=_("City"), lookup_expr="iexact")
    staff_represent = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Staff represent"), choices=AfghanGovernment.choices, empty_label=_("Any government")
    )
    country = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=_("Country or organisation"),
        to_field_name="slug",
        queryset=Country.objects.none(),
        empty_label=_("Any"),
    )

    class Meta(VisibleFilterSet.Meta):
        model = Mission
        fields = ("direction", "kind", "status", "city", "staff_represent", "country")

    def visible_choices(self):
        return {"country": (Country, ())}


class CountryFilter(VisibleFilterSet):
    q = django_filters.CharFilter(
        widget=FastTextInput, label=_("Name contains"), field_name="name", lookup_expr="icontains"
    )
    region = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Region"), choices=Region.choices, empty_label=_("All regions")
    )
    kind = django_filters.ChoiceFilter(
        widget=FastSelect, label=_("Kind"), choices=CountryKind.choices, empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=_("Status today"),
        choices=RelationStatus.choices,
        method="filter_status",
        empty_label=_("Any status"),
    )

    class Meta(VisibleFilterSet.Meta):
        model = Country
        fields = ("q", "region", "kind", "status")

    def filter_status(self, queryset, name, value):
        # The queryset is annotated with ``status_on`` by the view.
        return queryset.filter(status_on=value) if value else queryset
