"""An editor's health check of the record: what is published, what is missing, what is disputed."""

import textwrap
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from relations.dates import format_date
from relations.models import (
    Citation,
    Country,
    DateClaim,
    Era,
    Event,
    HeadOfMission,
    Mission,
    MissionStatus,
    RelationPeriod,
    Source,
)
from relations.services import CLAIM_MODELS

COUNTED_MODELS = (Source, Era, Country, RelationPeriod, Mission, HeadOfMission, Event)


def counts():
    """``[(label, published, drafts, unverified)]`` for every kind of record."""
    rows = []
    for model in COUNTED_MODELS:
        totals = model.objects.aggregate(
            published=Count("pk", filter=Q(publication="published")),
            drafts=Count("pk", filter=~Q(publication="published")),
            unverified=Count("pk", filter=Q(unverified=True)),
        )
        rows.append((str(model._meta.verbose_name_plural), totals["published"], totals["drafts"], totals["unverified"]))
    return rows


def uncited_published_claims():
    """Published events, relation periods and missions without a citation: they should not exist."""
    found = []
    for model in CLAIM_MODELS:
        found.extend(model.objects.published().uncited())
    return found


def countries_without_periods():
    return list(Country.objects.annotate(periods=Count("relation_periods")).filter(periods=0).order_by("kind", "name"))


def missions_without_dates():
    """Missions with no opening date, and closed missions with no closing date."""
    return list(
        Mission.objects.select_related("country")
        .filter(Q(opened_on__isnull=True) | Q(status=MissionStatus.CLOSED, closed_on__isnull=True))
        .order_by("direction", "country__name", "city")
    )


def disputed_dates():
    """``[(record, field, [claims])]`` for every record field with more than one dated claim."""
    groups = (
        DateClaim.objects.values("content_type", "object_id", "field")
        .annotate(claims=Count("pk"))
        .filter(claims__gt=1)
        .order_by("content_type", "object_id", "field")
    )
    wanted = {(g["content_type"], g["object_id"], g["field"]) for g in groups}
    if not wanted:
        return []
    claims = defaultdict(list)
    query = Q()
    for content_type, object_id, field in wanted:
        query |= Q(content_type=content_type, object_id=object_id, field=field)
    for claim in DateClaim.objects.filter(query).prefetch_related("citations__source"):
        claims[(claim.content_type_id, claim.object_id, claim.field)].append(claim)
    records = {}
    by_type = defaultdict(set)
    for content_type, object_id, _ in wanted:
        by_type[content_type].add(object_id)
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for obj in model._default_manager.filter(pk__in=ids):
            records[(content_type_id, obj.pk)] = obj
    disputes = [
        (records[(ct, oid)], field, claims[(ct, oid, field)]) for ct, oid, field in wanted if (ct, oid) in records
    ]
    return sorted(disputes, key=lambda item: (type(item[0]).__name__, str(item[0]), item[1]))


def unverified_records():
    found = []
    for model in COUNTED_MODELS:
        found.extend(model.objects.filter(unverified=True))
    return found


class Command(BaseCommand):
    help = (
        "Report on the record: counts per kind (published/draft), uncited published claims, countries "
        "without any status period, missions without dates, disputed dates and unverified records. "
        "With --strict, exit with status 1 if any published claim is uncited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict", action="store_true", help="Exit with status 1 if any published claim has no citation."
        )

    def handle(self, *args, strict=False, **options):
        self.section("Records")
        self.stdout.write(f"  {'kind':<28}{'published':>10}{'draft':>8}{'unverified':>12}")
        for label, published, drafts, unverified in counts():
            self.stdout.write(f"  {label:<28}{published:>10}{drafts:>8}{unverified:>12}")
        self.stdout.write(f"  {'citations':<28}{Citation.objects.count():>10}")
        self.stdout.write(f"  {'date claims':<28}{DateClaim.objects.count():>10}")

        problems = uncited_published_claims()
        self.section(f"Uncited published claims: {len(problems)}")
        for obj in problems:
            self.stdout.write(self.style.ERROR(f"  {obj._meta.verbose_name}: {obj}"))

        countries = countries_without_periods()
        self.section(f"Countries without any status period: {len(countries)}")
        by_kind = defaultdict(list)
        for country in countries:
            by_kind[country.get_kind_display()].append(country.name)
        for kind, names in by_kind.items():
            self.stdout.write(self.wrap(f"{kind} ({len(names)}): " + ", ".join(names)))

        missions = missions_without_dates()
        self.section(f"Missions without dates: {len(missions)}")
        for mission in missions:
            missing = "opening date" if mission.opened_on is None else "closing date"
            self.stdout.write(f"  {mission} — no {missing}")

        disputes = disputed_dates()
        self.section(f"Disputed dates: {len(disputes)}")
        for obj, field, claims in disputes:
            self.stdout.write(f"  {obj._meta.verbose_name}: {obj} — {field}")
            for claim in claims:
                marker = "*" if claim.is_preferred else "-"
                sources = "; ".join(citation.source.slug for citation in claim.citations.all())
                self.stdout.write(f"      {marker} {format_date(claim.date, claim.precision)} ({sources})")

        unverified = unverified_records()
        self.section(f"Unverified records: {len(unverified)}")
        for obj in unverified:
            note = (obj.editor_notes or "no note").splitlines()[0]
            self.stdout.write(self.wrap(f"{obj._meta.verbose_name}: {obj} — {note}"))

        if strict and problems:
            raise CommandError(f"{len(problems)} published claim(s) cite no source.", returncode=1)

    def section(self, title):
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(title))

    @staticmethod
    def wrap(text):
        return textwrap.fill(text, width=110, initial_indent="  ", subsequent_indent="      ")
