"""The editors' dashboard on the admin index: drafts, uncited claims, who changed what lately."""

from django import template
from django.urls import NoReverseMatch, reverse

from ..models import NAME_NEEDS, Citation, Country, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from ..services import CLAIM_MODELS

register = template.Library()

CONTENT_MODELS = (Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Source)
SHOWN = 10


def admin_url(model, action, *args):
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)
    except NoReverseMatch:
        return ""


def group(model, queryset, filter_query):
    """Up to ``SHOWN`` of ``queryset``, newest first, with their count and a link to all of them."""
    queryset = queryset.select_related(*NAME_NEEDS.get(model, ())).order_by("-updated_at")
    latest = list(queryset[:SHOWN])
    if not latest:
        return None
    return {
        "model": model._meta.verbose_name_plural,
        "count": len(latest) if len(latest) < SHOWN else queryset.count(),
        "list_url": f"{admin_url(model, 'changelist')}?{filter_query}",
        "records": [(record, admin_url(model, "change", record.pk)) for record in latest],
    }


def drafts_awaiting():
    groups = (group(model, model.objects.drafts(), "publication__exact=draft") for model in CONTENT_MODELS)
    return [g for g in groups if g]


def uncited_claims():
    groups = (group(model, model.objects.uncited(), "cited=no") for model in CLAIM_MODELS)
    return [g for g in groups if g]


def version_name(model, version):
    record = version.instance
    for name in NAME_NEEDS.get(model, ()):
        try:
            setattr(record, name, getattr(version, name))
        except model._meta.get_field(name).related_model.DoesNotExist:
            return f"{model._meta.verbose_name} #{version.id}"
    return str(record)


def recent_changes():
    """The latest changes of every kind of record, newest first, with who made them."""
    versions = []
    for model in (*CONTENT_MODELS, Citation):
        history = model.history.select_related("history_user", *NAME_NEEDS.get(model, ()))
        for version in history.order_by("-history_date")[:SHOWN]:
            versions.append((model, version))
    versions.sort(key=lambda pair: pair[1].history_date, reverse=True)
    changes = []
    for model, version in versions[: SHOWN * 2]:
        changes.append(
            {
                "when": version.history_date,
                "who": version.history_user,
                "kind": model._meta.verbose_name,
                "name": version_name(model, version),
                "action": version.get_history_type_display(),
                "reason": version.history_change_reason or "",
                "url": admin_url(model, "history", version.id) if version.history_type != "-" else "",
            }
        )
    return changes


@register.inclusion_tag("admin/relations/_dashboard.html", takes_context=True)
def editor_dashboard(context):
    return {
        "drafts": drafts_awaiting(),
        "uncited": uncited_claims(),
        "changes": recent_changes(),
        "request": context.get("request"),
    }
