"""An editor's health check of the record: what is published, what is missing, what is disputed."""

import re
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
    SourceKind,
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


# ISBNs were assigned from 1970 (SBNs from 1966): an older book has none to give.
FIRST_ISBN_YEAR = 1970
BOOK_KINDS = {SourceKind.BOOK, SourceKind.CHAPTER}
DATED_KINDS = {*BOOK_KINDS, SourceKind.ARTICLE, SourceKind.NEWS}


def source_gaps(source):
    """What a reader would need to find ``source`` again and the record does not say."""
    gaps = []
    if source.kind in BOOK_KINDS:
        if not source.publisher:
            gaps.append("publisher")
        if not source.isbn and (source.published_on is None or source.published_on.year >= FIRST_ISBN_YEAR):
            gaps.append("ISBN")
    elif source.kind in {SourceKind.ARTICLE, SourceKind.NEWS} and not (source.container_title or source.publisher):
        gaps.append("journal or outlet")
    # A web page, an entry of a reference work or a ministry's page often carries no date: its
    # access date stands for one. A book, an article or a news report always has one.
    if source.published_on is None and source.kind in DATED_KINDS:
        gaps.append("date of publication")
    if source.url and source.accessed_on is None:
        gaps.append("access date")
    if not (source.url or source.publisher or source.container_title or source.isbn):
        gaps.append("URL, publisher or outlet")
    return gaps


def incompletely_described_sources():
    """``{gap: [slug, ...]}`` for the sources whose description lacks something (``source_gaps``)."""
    found = defaultdict(list)
    fields = ("slug", "kind", "publisher", "container_title", "isbn", "published_on", "url", "accessed_on")
    for source in Source.objects.only(*fields).order_by("slug"):
        for gap in source_gaps(source):
            found[gap].append(source.slug)
    return dict(found)


def _normalised(text):
    return re.sub(r"\W+", " ", text.casefold()).strip()


def possible_duplicate_sources():
    """Groups of slugs that look like one work recorded twice.

    The same address; or the same kind and title (ignoring case and punctuation) and the same
    outlet or publisher, or none given on one side: two outlets printing the same agency story
    are two sources.
    """
    groups = defaultdict(list)
    addresses = defaultdict(list)
    for slug, kind, title, outlet, publisher, url in Source.objects.values_list(
        "slug", "kind", "title", "container_title", "publisher", "url"
    ).order_by("slug"):
        groups[(kind, _normalised(title))].append((slug, _normalised(outlet or publisher)))
        if url:
            addresses[url.rstrip("/")].append(slug)
    duplicates = [slugs for slugs in addresses.values() if len(slugs) > 1]
    for members in groups.values():
        if len(members) < 2:
            continue
        unnamed = [slug for slug, outlet in members if not outlet]
        by_outlet = defaultdict(list)
        for slug, outlet in members:
            if outlet:
                by_outlet[outlet].append(slug)
        # A source that names no outlet may be a copy of any of the others.
        for group in [slugs + unnamed for slugs in by_outlet.values()] or [unnamed]:
            if len(group) > 1 and sorted(group) not in duplicates:
                duplicates.append(sorted(group))
    return duplicates


def unverified_records():
    found = []
    for model in COUNTED_MODELS:
        found.extend(model.objects.filter(unverified=True))
    return found


class Command(BaseCommand):
    help = (
        "Report on the record: counts per kind (published/draft), uncited published claims, countries "
        "without any status period, missions without dates, disputed dates, sources not fully described "
        "or recorded twice, and unverified records. "
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

        gaps = incompletely_described_sources()
        described = {slug for slugs in gaps.values() for slug in slugs}
        self.section(f"Sources not fully described: {len(described)}")
        for gap, slugs in gaps.items():
            self.stdout.write(self.wrap(f"no {gap} ({len(slugs)}): " + ", ".join(slugs)))

        duplicates = possible_duplicate_sources()
        self.section(f"Possible duplicate sources: {len(duplicates)}")
        for slugs in duplicates:
            self.stdout.write(f"  {' = '.join(slugs)}")

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
