"""Admin forms: edit-conflict detection, and the rules that span a record and its inline rows."""

import datetime

from django import forms
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .dates import format_date
from .models import Citation, CountryKind, DateClaim, Publication
from .services import CLAIM_MODELS, can_publish, m2m_ids_at

CITABLE_MODELS = ("era", "country", "relationperiod", "mission", "headofmission", "event")
# What an editor sees for a value that was empty.
EMPTY = "—"


def describe_value(value):
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def changes_between(model, old, new):
    """Field-level differences from historical version ``old`` to ``new``: (label, before, after)."""
    delta = new.diff_against(old, foreign_keys_are_objs=True)
    changes = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        before, after = change.old, change.new
        if field.many_to_many:
            reverse_name = field.m2m_reverse_field_name()
            before = [row[reverse_name] for row in before]
            after = [row[reverse_name] for row in after]
        elif field.choices:
            choices = dict(field.flatchoices)
            before, after = choices.get(before, before), choices.get(after, after)
        changes.append((str(field.verbose_name).capitalize(), describe_value(before), describe_value(after)))
    return changes


class EditConflict(ValidationError):
    """The record changed after the form was opened; carries the current version to reapply onto."""

    def __init__(self, message, current_version):
        super().__init__(message, code="edit_conflict")
        self.current_version = current_version


class ContentAdminForm(forms.ModelForm):
    """Refuses to save over a colleague's edit made since this form was opened.

    The form carries the ``version`` the editor started from. On save, a conditional
    UPDATE claims the row only if it still has that version; it runs inside the
    admin's transaction, so two simultaneous saves cannot both win. On a conflict
    nothing is saved and the form comes back with a list of what the other person
    changed, their changes merged in wherever this editor left a field alone, this
    editor's own edits kept, and the current version, so saving again applies both.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    # Inline rows are only checked when edited: an untouched row must not block its parent's save.
    claim_only_when_changed = False

    def clean(self):
        cleaned_data = super().clean()
        edited = any(name != "version" for name in self.changed_data)
        if self.instance.pk and (edited or not self.claim_only_when_changed):
            self.claim_version(cleaned_data.get("version"))
        return cleaned_data

    def claim_version(self, started_from):
        model = type(self.instance)
        if started_from is None:
            raise ValidationError(
                _("This form is missing the version it was opened at: reload the page and redo the edit.")
            )
        claimed = model._default_manager.filter(pk=self.instance.pk, version=started_from).update(version=started_from)
        if claimed:
            return
        current = model._default_manager.filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError(_("This record was deleted by someone else while you were editing it."))
        versions = model.history.filter(id=self.instance.pk).order_by("-history_date", "-history_id")
        opened = versions.filter(version=started_from).first()
        latest = versions.select_related("history_user").first()
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = current.version
        both_changed = self.rebase(opened, current) if opened is not None else []
        raise ValidationError(self.conflict_message(opened, latest, started_from, current.version, both_changed))

    def rebase(self, opened, current):
        """Put the other person's changes into this form wherever this editor left a field alone.

        Returns the labels of fields both people changed: there the editor's value is kept,
        and the message asks them to check it.
        """
        base = opened.instance
        both_changed = []
        for name in self.fields:
            if name == "version" or name not in self.cleaned_data:
                continue
            try:
                field = type(current)._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                before = set(m2m_ids_at(opened, field))
                theirs = set(getattr(current, name).values_list("pk", flat=True))
                mine = {obj.pk for obj in self.cleaned_data[name]}
            else:
                before, theirs = getattr(base, field.attname), getattr(current, field.attname)
                mine = self.cleaned_data[name]
                mine = mine.pk if isinstance(mine, Model) else mine
            if theirs == before:
                continue
            if mine == before:
                self.put_value(name, theirs)
            elif mine != theirs:
                both_changed.append(str(self.fields[name].label or name))
        return both_changed

    def put_value(self, name, value):
        key = self.add_prefix(name)
        if isinstance(value, set):
            self.data.setlist(key, [str(pk) for pk in sorted(value)])
        elif isinstance(self.fields[name].widget, forms.CheckboxInput):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        elif value is None:
            self.data[key] = ""
        elif isinstance(value, datetime.date):
            self.data[key] = value.isoformat()
        else:
            self.data[key] = str(value)

    def conflict_message(self, opened, latest, started_from, current, both_changed):
        model = type(self.instance)
        who = _("someone else")
        if latest is not None and latest.history_user is not None:
            who = latest.history_user.get_username()
        changes = changes_between(model, opened, latest) if opened and latest else []
        listing = format_html_join(
            "", "<li><strong>{}</strong>: {} → {}</li>", ((label, old, new) for label, old, new in changes)
        )
        if opened is None:
            advice = _(
                "Nothing was saved. Your edits are still in the form below: check them against the record "
                "as it is now and save again to apply them."
            )
        elif both_changed:
            advice = _(
                "Nothing was saved. Their changes are now in the form below, and your edits are kept. You both "
                "changed: %(fields)s. Your value is in the form there: check it, then save again."
            ) % {"fields": ", ".join(both_changed)}
        else:
            advice = _(
                "Nothing was saved. Their changes are now in the form below, together with your edits: "
                "check, then save again to apply both."
            )
        return format_html(
            "{} {}<ul class='edit-conflict-changes'>{}</ul>{}",
            _(
                "This record was changed by %(who)s after you opened it "
                "(it is now at version %(current)s, you started from %(started)s)."
            )
            % {"who": who, "current": current, "started": started_from},
            _("Their changes:") if changes else "",
            listing,
            advice,
        )


class AttachedForm(forms.ModelForm):
    """A citation or date claim edited on its own: it must point at a record that exists,
    and only a publisher may change what is attached to a published record."""

    user = None
    target_models = CITABLE_MODELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "content_type" in self.fields:
            self.fields["content_type"].queryset = ContentType.objects.filter(
                app_label="relations", model__in=self.target_models
            )

    def clean(self):
        cleaned_data = super().clean()
        content_type, object_id = cleaned_data.get("content_type"), cleaned_data.get("object_id")
        if content_type is None or object_id is None:
            return cleaned_data
        model = content_type.model_class()
        target = model._default_manager.filter(pk=object_id).first() if model else None
        if target is None:
            raise ValidationError({"object_id": _("There is no such record to cite for.")})
        if getattr(target, "publication", None) == Publication.PUBLISHED and not can_publish(self.user):
            raise ValidationError(
                _("“%(record)s” is published: only a publisher may change what is attached to it.") % {"record": target}
            )
        return cleaned_data


class ContentInlineForm(ContentAdminForm):
    claim_only_when_changed = True


class CountryAdminForm(ContentAdminForm):
    """Successor states belong to a former state, and never include the state itself."""

    def clean(self):
        cleaned_data = super().clean()
        successors = cleaned_data.get("successors")
        if successors:
            if cleaned_data.get("kind") != CountryKind.FORMER_STATE:
                self.add_error("successors", _("Only a former state has successor states."))
            elif self.instance.pk and any(country.pk == self.instance.pk for country in successors):
                self.add_error("successors", _("A state cannot be its own successor."))
        return cleaned_data


class CitationForm(AttachedForm):
    target_models = (*CITABLE_MODELS, "dateclaim")

    class Meta:
        model = Citation
        fields = ("content_type", "object_id", "source", "locator", "quote", "order")


class DateClaimForm(AttachedForm):
    class Meta:
        model = DateClaim
        fields = ("content_type", "object_id", "field", "date", "precision", "note")


def live_forms(formset):
    """The inline forms that will still exist after saving: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE", False)
    ]


class CitationInlineFormSet(BaseGenericInlineFormSet):
    """Citations of one record: no source cited twice at the same place, and a
    published claim keeps at least one citation."""

    def clean(self):
        super().clean()
        seen = set()
        for form in live_forms(self):
            key = (form.cleaned_data.get("source"), (form.cleaned_data.get("locator") or "").strip())
            if key in seen:
                form.add_error("locator", _("This source is already cited at this place for this record."))
            seen.add(key)
        parent = self.instance
        if isinstance(parent, CLAIM_MODELS) and parent.publication == Publication.PUBLISHED and not live_forms(self):
            raise ValidationError(
                _("A published %(kind)s needs at least one citation: cite a source, or unpublish it first.")
                % {"kind": parent._meta.verbose_name}
            )


class ContentInlineFormSet(BaseInlineFormSet):
    """Records edited inside another record's form (status periods, missions, heads of mission).

    Editors may add and change drafts here, but published rows are a publisher's to
    change or delete. Two rows of one form may not overlap where the model forbids it.
    """

    user = None

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The row's name mentions its parent: hand it the parent instead of a query per row.
        setattr(form.instance, self.fk.name, self.instance)
        return form

    def clean(self):
        super().clean()
        if not can_publish(self.user):
            for form in self.forms:
                instance = form.instance
                if not instance.pk or instance.publication != Publication.PUBLISHED:
                    continue
                if self.can_delete and self._should_delete_form(form):
                    raise ValidationError(
                        _("“%(row)s” is published: only a publisher may delete it.") % {"row": instance}
                    )
                if form.has_changed():
                    raise ValidationError(
                        _("“%(row)s” is published: only a publisher may change it.") % {"row": instance}
                    )


class RelationPeriodInlineFormSet(ContentInlineFormSet):
    """A country's status periods: the rows of one form may not overlap each other either."""

    def clean(self):
        super().clean()
        spans = []
        for form in live_forms(self):
            starts, ends = form.cleaned_data.get("starts_on"), form.cleaned_data.get("ends_on")
            if starts is None:
                continue
            for other_starts, other_ends, other_precision in spans:
                if (ends is None or other_starts < ends) and (other_ends is None or starts < other_ends):
                    form.add_error(
                        None,
                        _("This period overlaps the one starting %(date)s in this form.")
                        % {"date": format_date(other_starts, other_precision)},
                    )
            spans.append((starts, ends, form.cleaned_data.get("starts_on_precision") or "day"))
