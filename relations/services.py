"""Work that spans several records, each step atomic. Admin, API and commands all call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Citation, DateClaim, Event, Mission, Publication, RelationPeriod

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
    if (
        isinstance(obj, CLAIM_MODELS)
        and obj.pk
        and not Citation.objects.filter(
            content_type__app_label="relations",
            content_type__model=obj._meta.model_name,
            object_id=obj.pk,
        ).exists()
    ):
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
