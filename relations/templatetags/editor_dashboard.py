"""The editors' dashboard on the admin index: drafts, uncited claims, who changed what lately.

Each of its three parts is one query, however many kinds of record it covers: a ``UNION ALL`` of one
member a kind, each member the newest rows of its own table along its own index (``ORDER BY … LIMIT``
in a subquery, which both databases allow where the ORM's ``union()`` does not on SQLite), with how
many rows match (a scalar count, for drafts and uncited claims) and the row's columns, with those of the
record its name reads (a mission's country, a citation's source), as one JSON object. The records are
built from those columns and named by their own ``__str__``. The dashboard used to read and count each
kind with queries of its own: 23 queries, 6 now. A part's SQL does not change from one request to the
next, so it is compiled once a process (building it through the ORM cost more than running it).
"""

import datetime
import functools
import json

from django import template
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import F, Func, IntegerField, Subquery, TextField, Value
from django.db.models.functions import JSONObject
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..models import NAME_NEEDS, Citation, Country, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from ..services import CLAIM_MODELS

register = template.Library()

CONTENT_MODELS = (Era, Country, RelationPeriod, Mission, HeadOfMission, Event, Source)
SHOWN = 10
USER = "history_user"


def admin_url(model, action, *args):
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)
    except NoReverseMatch:
        return ""


def _columns(model):
    """The columns a record is built from: every concrete one but the record's long texts, which no name
    reads (a version's own, such as the reason for a change, are kept)."""
    return [
        field
        for field in model._meta.concrete_fields
        if not isinstance(field, TextField) or field.name.startswith("history_")
    ]


def _value(field, value):
    value = field.to_python(value)
    if settings.USE_TZ and isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)  # SQLite's JSON carries no zone
    return value


class Member:
    """One kind of record in a part of the dashboard: which rows, newest first, and how to rebuild them."""

    def __init__(self, queryset, date_field, counted=True):
        self.model = queryset.model
        self.columns = _columns(self.model)
        is_version = hasattr(self.model, USER)
        # Each related record its name reads: its model, its columns, and a required one (its id is the
        # pointing row's own column, which outlives the row pointed to; a required column does not).
        self.related = {}
        for name in NAME_NEEDS.get(self.model.instance_type if is_version else self.model, ()):
            model = self.model._meta.get_field(name).related_model
            columns = _columns(model)
            required = next(field for field in columns if not field.null and not field.primary_key)
            self.related[name] = (model, columns, required)
        fields = {field.attname: F(field.attname) for field in self.columns}
        for name, (_model, columns, _required) in self.related.items():
            fields.update({f"{name}__{field.attname}": F(f"{name}__{field.attname}") for field in columns})
        if is_version:  # who made it
            fields[USER] = F(f"{USER}__{get_user_model().USERNAME_FIELD}")
        # How many match, counted apart: a window function over the rows made SQLite read every record
        # rather than the drafts index. Only where they are few (drafts, uncited claims), not versions.
        total = (
            Subquery(queryset.order_by().annotate(total=Func("pk", function="COUNT")).values("total"))
            if counted
            else Value(None, output_field=IntegerField())
        )
        self.queryset = queryset.order_by(f"-{date_field}").values(
            stamp=F(date_field), data=JSONObject(**fields), total=total
        )

    def build(self, data):
        """The record a row describes, with the related records its name reads set on it; the names of
        those that are gone (a version may point to a country since deleted) are returned beside it."""
        record = self.model(**{field.attname: _value(field, data[field.attname]) for field in self.columns})
        missing = []
        for name, (model, columns, required) in self.related.items():
            if data[f"{name}__{required.attname}"] is None:
                missing.append(name)
                continue
            values = {field.attname: _value(field, data[f"{name}__{field.attname}"]) for field in columns}
            setattr(record, name, model(**values))
        return record, missing


class Part:
    """A part of the dashboard: up to ``shown`` rows of each member, or with ``overall`` only the newest
    ``overall`` rows of all of them, read in one query."""

    def __init__(self, members, shown, overall=None):
        self.members, self.shown, self.overall = members, shown, overall

    @functools.cached_property
    def db(self):
        return router.db_for_read(self.members[0].model)

    @functools.cache  # noqa: B019 - parts live as long as the process, and so does their SQL
    def sql(self, db):
        parts, params = [], []
        for index, member in enumerate(self.members):
            sql, member_params = member.queryset[: self.shown].query.get_compiler(using=db).as_sql()
            parts.append(f"SELECT {index} AS part, stamp, data, total FROM ({sql}) AS part_{index}")  # noqa: S608
            params.extend(member_params)
        order = f"ORDER BY stamp DESC LIMIT {int(self.overall)}" if self.overall else "ORDER BY part, stamp DESC"
        return f"{' UNION ALL '.join(parts)} {order}", tuple(params)

    def read(self):
        """[(member, total, [(record, missing related, row's columns)…])…], each member's newest first;
        members with no row are left out."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(*self.sql(self.db))
            rows = cursor.fetchall()
        found = {}
        for index, _stamp, data, total in rows:
            data = json.loads(data) if isinstance(data, str) else data
            found.setdefault(index, (total, []))[1].append((*self.members[index].build(data), data))
        return [(self.members[index], total, records) for index, (total, records) in sorted(found.items())]


@functools.cache
def parts():
    """The three parts, built once: the querysets they compile from do not change."""
    return {
        "drafts": Part([Member(model.objects.drafts(), "updated_at") for model in CONTENT_MODELS], SHOWN),
        "uncited": Part([Member(model.objects.uncited(), "updated_at") for model in CLAIM_MODELS], SHOWN),
        "changes": Part(
            [Member(model.history.all(), "history_date", counted=False) for model in (*CONTENT_MODELS, Citation)],
            SHOWN * 2,
            overall=SHOWN * 2,
        ),
    }


def groups(part, filter_query):
    """Up to ``SHOWN`` records of each kind, newest first, with their count and a link to all of them."""
    return [
        {
            "model": member.model._meta.verbose_name_plural,
            "count": total,
            "list_url": f"{admin_url(member.model, 'changelist')}?{filter_query}",
            "records": [(record, admin_url(member.model, "change", record.pk)) for record, _missing, _data in rows],
        }
        for member, total, rows in part.read()
    ]


def drafts_awaiting():
    return groups(parts()["drafts"], "publication__exact=draft")


def uncited_claims():
    return groups(parts()["uncited"], "cited=no")


def version_name(model, version, missing):
    """What the record was called in this version, by what it pointed to then (already set on ``version``)."""
    if missing:
        return f"{model._meta.verbose_name} #{version.id}"
    record = version.instance
    for name in NAME_NEEDS.get(model, ()):
        setattr(record, name, getattr(version, name))
    return str(record)


def recent_changes():
    """The latest changes of every kind of record, newest first, with who made them."""
    versions = [
        (member.model.instance_type, version, missing, data.get(USER))
        for member, _total, rows in parts()["changes"].read()
        for version, missing, data in rows
    ]
    versions.sort(key=lambda entry: (entry[1].history_date, entry[1].history_id), reverse=True)
    return [
        {
            "when": version.history_date,
            "who": who,
            "kind": model._meta.verbose_name,
            "name": version_name(model, version, missing),
            "action": version.get_history_type_display(),
            "reason": version.history_change_reason or "",
            "url": admin_url(model, "history", version.id) if version.history_type != "-" else "",
        }
        for model, version, missing, who in versions
    ]


@register.inclusion_tag("admin/relations/_dashboard.html", takes_context=True)
def editor_dashboard(context):
    return {
        "drafts": drafts_awaiting(),
        "uncited": uncited_claims(),
        "changes": recent_changes(),
        "request": context.get("request"),
    }
