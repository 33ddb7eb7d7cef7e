"""Work that spans several records, each step atomic. Admin, API and commands all call these."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from simple_history.utils import get_m2m_reverse_field_name

from .models import Citation, DateClaim, Event, Mission, Publication, RelationPeriod, Source

# Records that state a fact about the world and so may not be published uncited.
CLAIM_MODELS = (Event, RelationPeriod, Mission)

PUBLISH_PERMISSION = "relations.publish_content"


def can_publish(user):
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(PUBLISH_PERMISSION)))


def publication_problems(obj):
    """Why ``obj`` may not be published yet, as a list of messages for the editor (empty when it may)."""
    problems = []
    if obj.unverified:
        problems.append(_("it is marked unverified"))
    if isinstance(obj, CLAIM_MODELS) and obj.pk and not obj.citations.exists():
        problems.append(_("it has no citation: cite at least one source"))
    return problems


@transaction.atomic
def publish(*, obj, user=None, reason=""):
    """Make ``obj`` public, refusing (ValidationError) uncited claims and unverified records."""
    if user is not None and not can_publish(user):
        raise PermissionDenied(_("Only publishers may publish."))
    problems = publication_problems(obj)
    if problems:
        raise ValidationError(
            _("“%(obj)s” cannot be published: %(problems)s.") % {"obj": obj, "problems": "; ".join(problems)}
        )
    if obj.publication != Publication.PUBLISHED:
        obj.publication = Publication.PUBLISHED
        obj._change_reason = reason or "published"
        obj.save()
    return obj


@transaction.atomic
def unpublish(*, obj, user=None, reason=""):
    if user is not None and not can_publish(user):
        raise PermissionDenied(_("Only publishers may unpublish."))
    if obj.publication != Publication.DRAFT:
        obj.publication = Publication.DRAFT
        obj._change_reason = reason or "unpublished"
        obj.save()
    return obj


@transaction.atomic
def prefer_claim(*, claim, user=None):
    """Make ``claim`` the preferred date for its field and copy its date onto the record."""
    (
        DateClaim.objects.filter(
            content_type=claim.content_type, object_id=claim.object_id, field=claim.field, is_preferred=True
        )
        .exclude(pk=claim.pk)
        .update(is_preferred=False)
    )
    if not claim.is_preferred:
        claim.is_preferred = True
        claim.save()
    target = claim.content_object
    precision_field = f"{claim.field}_precision"
    if getattr(target, claim.field) != claim.date or getattr(target, precision_field) != claim.precision:
        setattr(target, claim.field, claim.date)
        setattr(target, precision_field, claim.precision)
        target.full_clean()
        target._change_reason = f"preferred date claim for {claim.field}"
        target.save()
    return claim


# Fields a revert leaves alone: identity, bookkeeping, and the workflow state.
REVERT_KEEPS = frozenset({"id", "publication", "version", "created_at", "updated_at"})


def tracked_m2m_fields(model):
    """The many-to-many fields whose changes history keeps (e.g. an event's countries)."""
    return list(getattr(model.history.model, "_history_m2m_fields", ()))


def m2m_ids_at(historical, field):
    """The ids ``field`` pointed to in one historical version of a record."""
    reverse_name = get_m2m_reverse_field_name(field)
    return list(getattr(historical, field.name).values_list(reverse_name, flat=True))


@transaction.atomic
def revert(*, record, history_id, user=None):
    """Bring ``record``'s content back to an earlier version from its history.

    Only publishers may revert. What the record says (fields, and the countries of
    an event or successors of a former state) is restored; its publication state is
    not, because reverting a wording must not silently take a page offline or put
    one online: publish or unpublish separately. The result is validated like any
    edit, so a revert that would clash with today's record (an overlap, a reused
    slug) is refused with the reason. The revert is itself a new version in history.
    """
    if user is not None and not can_publish(user):
        raise PermissionDenied(_("Only publishers may revert a record."))
    model = type(record)
    historical = model.history.filter(id=record.pk, history_id=history_id).first()
    if historical is None:
        raise ValidationError(_("That version does not belong to this record."))
    old = historical.instance
    for field in model._meta.concrete_fields:
        if field.name not in REVERT_KEEPS:
            setattr(record, field.attname, getattr(old, field.attname))
    record.full_clean()
    record._change_reason = _("reverted to the version of %(when)s") % {
        "when": historical.history_date.strftime("%Y-%m-%d %H:%M:%S UTC")
    }
    if user is not None:
        record._history_user = user
    record.save()
    for field in tracked_m2m_fields(model):
        related = field.related_model
        ids = related.objects.filter(pk__in=m2m_ids_at(historical, field)).values_list("pk", flat=True)
        getattr(record, field.name).set(list(ids))
    return record


def deleted_versions(model):
    """The last version of each deleted record of ``model`` that has not been restored, newest first."""
    history = model.history.model
    latest = history.objects.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("history_id")
    return (
        history.objects.filter(history_type="-", history_id=Subquery(latest[:1]))
        .exclude(id__in=model.objects.values("pk"))
        .select_related("history_user")
        .order_by("-history_date")
    )


@transaction.atomic
def restore_deleted(*, model, record_id, user=None):
    """Bring a deleted record back, as a draft, with the citations deleted along with it.

    The record returns under its old id, so links and citations that pointed to it
    work again. It comes back as a draft for a publisher to review; its citations
    whose source still exists are restored with it.
    """
    if user is not None and not user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}"):
        raise PermissionDenied(_("You may not add records of this kind."))
    deleted = deleted_versions(model).filter(id=record_id).first()
    if deleted is None:
        raise ValidationError(_("There is no deleted record with that id to restore."))
    record = deleted.instance
    record.publication = Publication.DRAFT
    record.full_clean(validate_unique=True)
    record._change_reason = _("restored after deletion")
    if user is not None:
        record._history_user = user
    record.save(force_insert=True)
    previous = deleted.prev_record
    for field in tracked_m2m_fields(model):
        if previous is not None:
            ids = field.related_model.objects.filter(pk__in=m2m_ids_at(previous, field)).values_list("pk", flat=True)
            getattr(record, field.name).set(list(ids))
    restore_citations(record=record, deleted_at=deleted.history_date, user=user)
    return record


def restore_citations(*, record, deleted_at, user=None):
    """Restore the citations of ``record`` deleted with it (within a minute of its deletion)."""
    content_type = ContentType.objects.get_for_model(record)
    window = (deleted_at - datetime.timedelta(minutes=1), deleted_at + datetime.timedelta(minutes=1))
    gone = Citation.history.filter(
        history_type="-", content_type_id=content_type.pk, object_id=record.pk, history_date__range=window
    )
    existing_sources = set(Source.objects.filter(pk__in=gone.values("source_id")).values_list("pk", flat=True))
    for historical in gone:
        if historical.source_id not in existing_sources or Citation.objects.filter(pk=historical.id).exists():
            continue
        citation = historical.instance
        citation._change_reason = _("restored with its record")
        if user is not None:
            citation._history_user = user
        citation.save(force_insert=True)


def refresh_index_statistics(connection, tables):
    """Give SQLite's planner the statistics of indexes a migration added to ``tables``, where it has those
    of the others.

    An index without statistics beside indexes with them looks selective to SQLite: on a database
    analysed before (every loaded one is, above), migration 0016's ``(publication, updated_at)`` made it
    read a page's citations by walking every published source (0.7 s the events page at 100 times the
    record, 0.2 ms with statistics). PostgreSQL plans from the statistics of the columns, which a new
    index does not change. A database never analysed has none to be out of step with.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')


def refresh_planner_statistics():
    """Tell the database's query planner about the data after a bulk load.

    Without statistics SQLite picks poor plans on large tables (scanning every source to find a
    page's citations). On PostgreSQL, ``VACUUM ANALYZE`` also marks the new rows visible to all,
    which index-only scans (list counts, the keys of deep pages) need in order not to read the
    table row by row; autovacuum would get there eventually, this gets there now. VACUUM cannot
    run inside a transaction, so within one (a test, an outer atomic block) only ANALYZE runs.
    """
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
