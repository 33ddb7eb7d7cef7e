"""Synthetic content for benchmarks: N times the real record, in bulk, marked and removable."""

import datetime
import itertools
import random

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from tqdm import tqdm

from relations import anchors
from relations.cache import bump_content_version
from relations.models import (
    Citation,
    Country,
    Event,
    EventKind,
    HeadOfMission,
    Mission,
    MissionDirection,
    MissionKind,
    MissionStatus,
    RelationPeriod,
    RelationStatus,
    Source,
    SourceKind,
)
from relations.models.base import bibliography_key
from relations.services import refresh_planner_statistics

PREFIX = "synthetic-"
MARKER = "[synthetic benchmark data]"
BATCH = 1000
CITIES = ("Capital City", "Port Town", "Old Town", "River City", "Hill Station")


class Command(BaseCommand):
    help = (
        "Add synthetic records N times the real content (events, missions, heads of mission, status "
        "periods, sources, citations) for benchmarks. Countries stay the real ones. --clear removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Multiple of the real content to add.")
        parser.add_argument("--draft", action="store_true", help="Add them as drafts (default: published).")
        parser.add_argument("--clear", action="store_true", help="Remove all synthetic records and stop.")
        parser.add_argument("--seed", type=int, default=1919, help="Random seed, for repeatable data.")

    def handle(self, *args, scale, draft, clear, seed, **options):
        if clear:
            removed = self.clear()
            self.stdout.write(self.style.SUCCESS(f"Removed {removed} synthetic records."))
            return
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        countries = list(Country.objects.filter(kind="state").values_list("pk", flat=True))
        if not countries:
            raise CommandError("Load the real content first (manage.py load_content): countries stay the real ones.")
        self.random = random.Random(seed)
        self.publication = "draft" if draft else "published"
        self.countries = countries
        real = self.real_counts()
        with transaction.atomic():
            offset = Source.objects.filter(slug__startswith=PREFIX).count()
            sources = self.make_sources(real["sources"] * scale, offset)
            events = self.make_events(real["events"] * scale, offset)
            missions = self.make_missions(real["missions"] * scale, offset)
            heads = self.make_heads(missions, real["heads"] * scale)
            periods = self.make_periods(real["periods"] * scale)
            self.cite(sources, [*events, *missions, *heads, *periods])
        refresh_planner_statistics()
        anchors.rebuild()  # bulk inserts send no signals: the page anchors are recomputed here
        bump_content_version()
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {len(sources)} sources, {len(events)} events, {len(missions)} missions, "
                f"{len(heads)} heads of mission and {len(periods)} status periods ({self.publication})."
            )
        )

    @staticmethod
    def real_counts():
        def count(queryset, at_least=20):
            return max(queryset.count(), at_least)

        return {
            "sources": count(Source.objects.exclude(slug__startswith=PREFIX)),
            "events": count(Event.objects.exclude(slug__startswith=PREFIX), 80),
            "missions": count(Mission.objects.exclude(slug__startswith=PREFIX), 50),
            "heads": count(HeadOfMission.objects.exclude(editor_notes=MARKER)),
            "periods": count(RelationPeriod.objects.exclude(editor_notes=MARKER), 100),
        }

    def bulk(self, model, objects, label):
        created = []
        for start in tqdm(range(0, len(objects), BATCH), desc=label, unit="batch", disable=None):
            created += model.objects.bulk_create(objects[start : start + BATCH])
        return created

    def day(self, start_year, end_year):
        start = datetime.date(start_year, 1, 1).toordinal()
        return datetime.date.fromordinal(self.random.randint(start, datetime.date(end_year, 12, 31).toordinal()))

    def make_sources(self, count, offset):
        kinds = [k for k, _ in SourceKind.choices]
        sources = [
            Source(
                slug=f"{PREFIX}source-{offset + i}",
                kind=self.random.choice(kinds),
                authors=f"Author {i}, Synthetic",
                title=f"Synthetic study of foreign relations, volume {offset + i}",
                publisher="Benchmark Press",
                published_on=datetime.date(self.random.randint(1900, 2024), 1, 1),
                published_on_precision="year",
                url=f"https://example.org/synthetic/{offset + i}",
                publication=self.publication,
                editor_notes=MARKER,
            )
            for i in range(count)
        ]
        for source in sources:  # bulk_create does not call save(), which files a source
            source.sort_key = bibliography_key(source.authors, source.title)
        return self.bulk(Source, sources, "sources")

    def make_events(self, count, offset):
        kinds = [k for k, _ in EventKind.choices]
        events = self.bulk(
            Event,
            [
                Event(
                    slug=f"{PREFIX}event-{offset + i}",
                    title=f"Synthetic event {offset + i}",
                    date=self.day(1830, 2025),
                    date_precision="day",
                    kind=self.random.choice(kinds),
                    summary="A synthetic event used to measure how the site scales. **Not** a fact.",
                    publication=self.publication,
                    editor_notes=MARKER,
                )
                for i in range(count)
            ],
            "events",
        )
        through = Event.countries.through
        self.bulk(
            through,
            [
                through(event_id=event.pk, country_id=country)
                for event in events
                for country in self.random.sample(self.countries, min(2, len(self.countries)))
            ],
            "event countries",
        )
        return events

    def make_missions(self, count, offset):
        missions = []
        for i in range(count):
            closed = self.random.random() < 0.3
            opened = self.day(1850, 2000)
            direction = self.random.choice([d for d, _ in MissionDirection.choices])
            missions.append(
                Mission(
                    slug=f"{PREFIX}mission-{offset + i}",
                    country_id=self.random.choice(self.countries),
                    direction=direction,
                    kind=self.random.choice(
                        [MissionKind.EMBASSY, MissionKind.CONSULATE, MissionKind.CONSULATE_GENERAL]
                    ),
                    city=self.random.choice(CITIES) if direction == MissionDirection.OF_AFGHANISTAN else "Kabul",
                    opened_on=opened,
                    opened_on_precision="day",
                    closed_on=opened + datetime.timedelta(days=self.random.randint(100, 9000)) if closed else None,
                    closed_on_precision="day",
                    status=MissionStatus.CLOSED if closed else MissionStatus.OPEN,
                    publication=self.publication,
                    editor_notes=MARKER,
                )
            )
        return self.bulk(Mission, missions, "missions")

    def make_heads(self, missions, count):
        """``count`` heads, as unevenly spread as the real ones: synthetic mission ``i`` is given as
        many as the ``i``-th real mission has (a third of the real missions have none, a few a dozen
        or more), so that a page of synthetic missions lists as many heads as a page of real ones.
        Spread evenly, every synthetic mission had two or three and a page listed twice as many."""
        real = list(
            Mission.objects.exclude(editor_notes=MARKER)
            .annotate(n=Count("heads", filter=~Q(heads__editor_notes=MARKER)))
            .order_by("pk")
            .values_list("n", flat=True)
        )
        slots = [mission for mission, n in zip(missions, itertools.cycle(real or [1])) for _ in range(n)]
        slots = slots or missions
        heads = []
        for i in range(count):
            mission = slots[i % len(slots)]
            started = mission.opened_on + datetime.timedelta(days=self.random.randint(0, 3000))
            heads.append(
                HeadOfMission(
                    mission_id=mission.pk,
                    name=f"Synthetic Envoy {i}",
                    title="Ambassador",
                    started_on=started,
                    started_on_precision="day",
                    publication=self.publication,
                    editor_notes=MARKER,
                )
            )
        return self.bulk(HeadOfMission, heads, "heads of mission")

    def make_periods(self, count):
        """Year-long periods between 1000 and 1700, before any real relation, so none overlaps."""
        periods = []
        per_country = max(1, count // len(self.countries) + 1)
        statuses = [s for s, _ in RelationStatus.choices if s != RelationStatus.DIPLOMATIC]
        taken = set(RelationPeriod.objects.filter(editor_notes=MARKER).values_list("country_id", "starts_on__year"))
        for country in self.countries:
            years = [y for y in range(1000, 1700) if (country, y) not in taken][:per_country]
            for year in years:
                periods.append(
                    RelationPeriod(
                        country_id=country,
                        status=self.random.choice(statuses),
                        starts_on=datetime.date(year, 1, 1),
                        starts_on_precision="year",
                        ends_on=datetime.date(year + 1, 1, 1),
                        ends_on_precision="year",
                        publication=self.publication,
                        editor_notes=MARKER,
                    )
                )
                if len(periods) >= count:
                    return self.bulk(RelationPeriod, periods, "status periods")
        return self.bulk(RelationPeriod, periods, "status periods")

    def cite(self, sources, records):
        """Two citations per record. As in the real record, a country's status periods and missions,
        and a mission's heads, draw on a shared handful of sources (a page listing them cites a few
        works many times); events, which span countries, draw on any. A citation names a page as
        often as the real ones do (about one in seven): a page's footnotes merge citations of one
        source without a locator into one reference, so locators on every citation would give a
        synthetic page three times the references of a real one."""
        real = Citation.objects.exclude(source__editor_notes=MARKER)
        total = real.count()
        locator_share = real.exclude(locator="").count() / total if total else 0.15
        types = {}
        citations = []
        pool_size = 20
        pools = max(1, len(sources) // pool_size)
        for record in records:
            content_type = types.setdefault(type(record), ContentType.objects.get_for_model(type(record)))
            key = getattr(record, "country_id", None) or getattr(record, "mission_id", None)
            if key is None:
                candidates = sources
            else:
                start = (hash((type(record).__name__ == "HeadOfMission", key)) % pools) * pool_size
                candidates = sources[start : start + pool_size]
            for n, source in enumerate(self.random.sample(candidates, min(2, len(candidates)))):
                citations.append(
                    Citation(
                        content_type=content_type,
                        object_id=record.pk,
                        source_id=source.pk,
                        locator=f"p. {self.random.randint(1, 400)}" if self.random.random() < locator_share else "",
                        order=n,
                    )
                )
        self.bulk(Citation, citations, "citations")

    @staticmethod
    @transaction.atomic
    def clear():
        removed = 0
        for model in (Event, Mission, HeadOfMission, RelationPeriod):
            queryset = model.objects.filter(editor_notes=MARKER)
            content_type = ContentType.objects.get_for_model(model)
            Citation.objects.filter(content_type=content_type, object_id__in=queryset.values("pk")).delete()
            removed += queryset.delete()[0]
        Citation.objects.filter(source__editor_notes=MARKER).delete()
        removed += Source.objects.filter(editor_notes=MARKER).delete()[0]
        bump_content_version()
        return removed
