"""The public pages. Every page starts from ``visible_to(viewer)`` and runs a fixed number of queries.

Anonymous readers never touch the session (so no ``Vary: Cookie`` and the
responses stay cacheable); only a request carrying a session cookie is looked
up, so staff can preview drafts, and those responses are marked private.
"""

import datetime
import functools
import operator
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection, connections, router
from django.db.models import BooleanField, Case, Count, F, Min, OuterRef, Prefetch, Q, Subquery, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import IsNull
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from . import charts, maps, search
from .dates import format_date
from .filters import CountryFilter, EventFilter, MissionFilter
from .footnotes import Footnotes, format_reference
from .markup import plain_text
from .models import (
    Citation,
    Country,
    CountryKind,
    DateClaim,
    Era,
    Event,
    EventKind,
    HeadOfMission,
    Mission,
    MissionDirection,
    MissionStatus,
    Region,
    RelationPeriod,
    RelationStatus,
    Source,
)
from .paginator import DeferredJoinPaginator
from .querysets import count_per_year, country_visible, may_preview, per_year


@never_cache
def healthz(request):
    """200 when the database answers a round-trip, 503 (and no traceback) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def viewer(request):
    """The logged-in user, or None without touching the session when there is no session cookie."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    user = request.user
    return user if user.is_authenticated else None


def is_previewer(user):
    return bool(user is not None and user.is_active and user.is_staff)


class PublicPageMixin:
    """Shared by every public page: who is looking, the visible queryset, footnotes and caching.

    ``finalize_response`` is the one caching hook: staff previews are never
    cached; a shared, version-keyed page cache can be added here for readers.
    """

    model = None
    page_description = ""

    @cached_property
    def viewer(self):
        return viewer(self.request)

    @cached_property
    def previewing(self):
        return is_previewer(self.viewer)

    def visible(self, model):
        return model.objects.visible_to(self.viewer)

    def get_queryset(self):
        return self.visible(self.model)

    def get_meta_description(self):
        return str(self.page_description)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("footnotes", Footnotes())
        context["previewing"] = self.previewing
        context["meta_description"] = self.get_meta_description()
        context["canonical_url"] = self.request.build_absolute_uri(self.get_canonical_path())
        return context

    def get_canonical_path(self):
        return self.request.path

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return self.finalize_response(response)

    def finalize_response(self, response):
        if self.previewing:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class PaginatedMixin:
    """Paging that answers 404 (not 500) to a page out of range or not a number."""

    page_kwarg = "page"
    paginator_class = DeferredJoinPaginator

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            raise
        except (ValueError, TypeError) as error:
            raise Http404(_("No such page.")) from error


class PagedDetailMixin:
    """A record's page that pages one of its lists with ``?page=``: each page is its own canonical URL."""

    def get_canonical_path(self):
        page = self.request.GET.get("page", "")
        return f"{self.request.path}?page={page}" if page.isdigit() and page != "1" else self.request.path

    def paged(self, items, per_page):
        """The page of ``items`` the request asks for (404 out of range), and its context for ``_pagination.html``."""
        page = page_or_404(Paginator(items, per_page), self.request.GET.get("page"))
        return page, {"page_obj": page, "is_paginated": page.has_other_pages()}


def page_or_404(paginator, number):
    """Page ``number`` of ``paginator`` (a query parameter: the first when empty), or 404 for a page out of
    range or not a number."""
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404(_("No such page.")) from error


def today():
    return timezone.localdate()


def head_order(descending=False):
    """Heads of mission in the order they served: by start, or by end where the start is unknown;
    a head with neither date last, on every database."""
    served = Coalesce("started_on", "ended_on")
    return served.desc(nulls_last=True) if descending else served.asc(nulls_last=True)


def counterparts(periods_by_country, countries, successors):
    """Counterpart records for the map, given each country's status and the successor codes of former states."""
    items = []
    for country in countries:
        status = periods_by_country.get(country.pk)
        items.append(
            maps.Counterpart(
                iso_numeric=country.iso_numeric or "",
                name=country.name,
                status=status or "",
                successors=tuple(successors.get(country.pk, ())) if country.kind == CountryKind.FORMER_STATE else (),
            )
        )
    return items


class CompiledOnce:
    """The SQL of a query that depends only on a few values (its key), built and compiled once a process
    for each key: building and compiling a query through the ORM costs 0.2–3 ms a request, often more
    than running it. ``statement(key, build)`` returns ``(sql, params, extra)``; on a miss it compiles
    ``build()`` (a queryset) on ``key``'s database and keeps ``prepare(compiler, sql)`` as ``extra``.
    The key must hold everything the SQL depends on; the database alias comes first.
    """

    def __init__(self, prepare=None, limit=256):
        self.statements = {}
        self.prepare = prepare
        self.limit = limit

    def statement(self, key, build):
        statement = self.statements.get(key)
        if statement is None:
            compiler = build().query.get_compiler(using=key[0])
            sql, params = compiler.as_sql()
            extra = self.prepare(compiler, sql) if self.prepare else None
            if len(self.statements) >= self.limit:  # keys are few (eras, reader or staff); bound them all the same
                self.statements.clear()
            statement = self.statements[key] = (sql, tuple(params), extra)
        return statement


_successor_statements = CompiledOnce()


def successor_codes(user):
    """{former state id: [iso numeric of each successor]} in one query, compiled once a process for
    readers and once for staff (0.8 ms a request through the ORM, for a handful of rows)."""
    through = Country.successors.through
    db = router.db_for_read(through)
    sql, params, _ = _successor_statements.statement(
        (db, may_preview(user)),
        lambda: through.objects.filter(
            from_country__in=Country.objects.visible_to(user), to_country__iso_numeric__isnull=False
        ).values_list("from_country_id", "to_country__iso_numeric"),
    )
    codes = defaultdict(list)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        for from_id, code in cursor.fetchall():
            codes[from_id].append(code)
    return codes


def countries_with_status_queryset(viewer, on):
    """Every counterpart ``viewer`` may see, with what the map reads (``status_on``: the status on ``on``)."""
    return Country.objects.visible_to(viewer).only("pk", "name", "slug", "kind", "iso_numeric").with_status_on(on)


_countries_with_status_statements = CompiledOnce()


def countries_with_status_on(viewer, on):
    """``countries_with_status_queryset``'s countries, compiled once a process for each day (and for
    readers and staff): building and compiling its subquery for the status took 1.5 ms of the home
    page's request, as long as running it and making the countries."""
    db = router.db_for_read(Country)
    sql, params, _ = _countries_with_status_statements.statement(
        (db, may_preview(viewer), on), lambda: countries_with_status_queryset(viewer, on)
    )
    return list(Country.objects.db_manager(db).raw(sql, params))


# The order in which statuses rank when one colour must stand for a whole era.
STATUS_RANK = {status: rank for rank, status in enumerate(maps.STATUS_ORDER)}


class HomeView(PublicPageMixin, TemplateView):
    template_name = "relations/home.html"
    # The most missions the page lists itself; the missions page lists them all.
    mission_limit = 20
    page_description = gettext_lazy(
        "The cited record of Afghanistan's foreign relations: with whom, since when, in which era, "
        "through which missions, and on whose word."
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = today()
        eras = list(self.visible(Era))
        current_era = next((e for e in eras if e.starts_on <= on and (e.ends_on is None or e.ends_on > on)), None)
        countries = countries_with_status_on(self.viewer, on)
        statuses = {c.pk: c.status_on for c in countries if c.status_on}
        shown = counterparts(statuses, countries, successor_codes(self.viewer))
        in_kabul = (
            self.visible(Mission)
            .filter(country_visible(may_preview(self.viewer)), direction=MissionDirection.IN_AFGHANISTAN)
            .exclude(status=MissionStatus.CLOSED)
        )
        missions = list(in_kabul.select_related("country").order_by("country__name", "city")[: self.mission_limit])
        if len(missions) < self.mission_limit:
            counts = Counter(m.status for m in missions)
        else:  # more than a page can list: count them in the database, list the first ones
            # One row of filtered counts, not GROUP BY status: the grouping made SQLite walk the status
            # index and read every mission, where this reads the (…, city, status) index alone. Counting
            # the status, not the id (which that index does not hold), lets PostgreSQL read the index
            # alone too (6.3 → 2.3 ms at scale 100).
            counted = (MissionStatus.OPEN.value, MissionStatus.SUSPENDED.value)
            counts = in_kabul.aggregate(**{status: Count("status", filter=Q(status=status)) for status in counted})
        recent = list(
            self.visible(Event)
            .filter(date__lte=on)
            .filter(
                kind__in=(
                    EventKind.RECOGNITION,
                    EventKind.RELATIONS_ESTABLISHED,
                    EventKind.RELATIONS_SEVERED,
                    EventKind.RELATIONS_RESTORED,
                    EventKind.MISSION_OPENED,
                    EventKind.MISSION_CLOSED,
                )
            )
            .order_by("-date", "title")[:6]
        )
        context.update(
            on=on,
            eras=eras,
            current_era=current_era,
            era_band=charts.era_band(eras, on),
            legend=maps.legend(shown),
            world_map=maps.render_map(
                shown,
                title=_("Afghanistan's relations on %(date)s") % {"date": format_date(on)},
                description=_(
                    "A world map: each country is coloured by the status of its relations with "
                    "Afghanistan today; the legend below counts them and the relations page lists them."
                ),
            ),
            missions_open=[m for m in missions if m.status == MissionStatus.OPEN],
            missions_suspended=[m for m in missions if m.status == MissionStatus.SUSPENDED],
            missions_open_count=counts[MissionStatus.OPEN],
            missions_suspended_count=counts[MissionStatus.SUSPENDED],
            missions_truncated=len(missions) >= self.mission_limit,
            recent_events=recent,
            footnotes=Footnotes.load(eras, recent, missions, user=self.viewer),
        )
        return context


class EraListView(PublicPageMixin, ListView):
    model = Era
    page_description = gettext_lazy("The eras of Afghan statehood and foreign policy, from the Great Game to today.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        eras = list(context["object_list"])
        on = today()
        first_year = eras[0].starts_on.year if eras else on.year
        periods = self.visible(RelationPeriod).filter(
            country_visible(may_preview(self.viewer)), status=RelationStatus.DIPLOMATIC
        )
        series = charts.year_series(
            # Status periods are few beside events, filtered by status and by their country's publication:
            # grouping the matching ones by year costs less than probing their dates year by year.
            per_year(periods, "starts_on"),
            per_year(periods.filter(ends_on__isnull=False), "ends_on"),
            count_per_year(self.visible(Event), "date", first_year, on.year),
            first_year,
            on.year,
        )
        context.update(
            era_band=charts.era_band(eras, on),
            series=series,
            chart=charts.over_time(
                series,
                title=_("Countries with diplomatic relations with Afghanistan, and events, per year"),
                description=_(
                    "The line counts countries with diplomatic relations at the end of each year; "
                    "the bars count recorded events per year. The table below gives the numbers by decade."
                ),
            ),
            footnotes=Footnotes.load(eras, user=self.viewer),
        )
        return context


def era_statuses(periods, countries):
    """Per country: the status that best describes the era for the map, the first periods of the era to
    list and how many more there are. ``periods`` are annotated with ``in_era`` (the country's number of
    periods in the era) and ``best_rank`` (the rank, in ``maps.STATUS_ORDER``, of the closest status among
    all of them: the map shows the whole era, not only the periods listed). ``countries``: {id: country}."""
    rows = {}
    for period in periods:
        country = countries.get(period.country_id)
        if country is None:  # not visible to the reader: its periods are not either
            continue
        row = rows.setdefault(period.country_id, {"country": country, "periods": [], "more": 0})
        row["periods"].append(period)
        row["more"] = period.in_era - len(row["periods"])
        ranked = period.best_rank < len(maps.STATUS_ORDER)
        row["status"] = maps.STATUS_ORDER[period.best_rank] if ranked else row["periods"][0].status
    return rows


def group_by_region(rows, key=lambda row: row["country"]):
    """[(region label, rows)] in the order of Region, organisations (no region) last."""
    groups = defaultdict(list)
    for row in rows:
        groups[key(row).region].append(row)
    ordered = [(label, groups[value]) for value, label in Region.choices if groups.get(value)]
    if groups.get(""):
        ordered.append((_("Worldwide"), groups[""]))
    return ordered


def first_periods_queryset(era, viewer, per_country):
    """The first ``per_country`` status periods of each country in ``era`` (the country page has them
    all), each annotated with ``in_era``, how many the country has in the era, and ``best_rank``, the
    closest status among them all (the map's colour): one pass over the era's periods, in one query.

    Each period's country is taken from the list the map reads anyway, not joined to every period
    (some 660 at scale 100, each built with a copy of its country); nor are the notes read that the
    page does not show.
    """
    era_periods = RelationPeriod.objects.visible_to(viewer).for_era(era).filter(country_visible(may_preview(viewer)))
    country = [F("country_id")]
    rank = Case(
        *(When(status=status, then=Value(n)) for status, n in STATUS_RANK.items()), default=Value(len(STATUS_RANK))
    )
    return (
        era_periods.defer("summary", "editor_notes")
        .annotate(
            position=Window(RowNumber(), partition_by=country, order_by=[F("starts_on").asc()]),
            in_era=Window(Count("pk"), partition_by=country),
            best_rank=Window(Min(rank), partition_by=country),
        )
        .filter(position__lte=per_country)
        .order_by("country_id", "starts_on")
    )


def _period_columns(compiler, sql):
    """{column Django's window-filter subquery names ``colN``: the field's column}, for ``raw``."""
    columns = {}
    for number, (column, _sql, alias) in enumerate(compiler.select, start=1):
        if alias is None:
            name = f"col{number}"
            if compiler.connection.ops.quote_name(name) not in sql:
                raise ImproperlyConfigured(f"The era's periods query no longer names its columns {name}…: {sql}")
            columns[name] = column.target.column
    return columns


_first_periods_statements = CompiledOnce(prepare=_period_columns)


def first_periods_of_era(era, viewer, per_country):
    """``first_periods_queryset``'s periods, its SQL built and compiled once a process for each era.

    Building and compiling that query (three window functions, filtered through the subquery Django
    writes for a filter on a window) cost 2.5–3 ms on every request, twice what running it and making
    its rows into periods does. Its SQL depends only on the era's dates, whether the reader may preview
    drafts and the number of periods: those are the key, so an edited era is compiled afresh. The
    rows are made periods by ``raw``, which names the columns Django's subquery calls ``col1``,
    ``col2``… by their fields (a test compares the periods with the queryset's, on both databases).
    """
    db = router.db_for_read(RelationPeriod)
    sql, params, columns = _first_periods_statements.statement(
        (db, may_preview(viewer), era.starts_on, era.ends_on, per_country),
        lambda: first_periods_queryset(era, viewer, per_country),
    )
    return list(RelationPeriod.objects.db_manager(db).raw(sql, params, translations=columns))


class EraDetailView(PublicPageMixin, DetailView):
    model = Era
    # Bounds on what the page lists itself; the country, events and missions pages list everything.
    event_limit = 30
    mission_limit = 20  # in each column: opened, closed
    periods_per_country = 3

    def get_meta_description(self):
        return plain_text(self.object.summary, 300)

    def get_object(self, queryset=None):
        # The era and its neighbours (for the previous/next links) in one query: there are a handful.
        self.eras = list(self.get_queryset().order_by("starts_on"))
        era = next((e for e in self.eras if e.slug == self.kwargs["slug"]), None)
        if era is None:
            raise Http404(_("No such era."))
        return era

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        era = self.object
        eras = self.eras
        index = next((i for i, e in enumerate(eras) if e.pk == era.pk), None)
        periods = first_periods_of_era(era, self.viewer, self.periods_per_country)
        countries = list(self.visible(Country).only("pk", "name", "slug", "kind", "iso_numeric", "region"))
        rows = era_statuses(periods, {c.pk: c for c in countries})
        shown = counterparts({pk: row["status"] for pk, row in rows.items()}, countries, successor_codes(self.viewer))
        # The first missions opened in the era by opening date, and the first closed by closing date:
        # each one walk along its date's index that stops at the limit, however many the era holds.
        missions_opened, missions_closed = (
            list(
                self.visible(Mission)
                .in_era(era, field)
                .filter(country_visible(may_preview(self.viewer)))
                .select_related("country")
                .order_by(field, "country__name", "pk")[: self.mission_limit]
            )
            for field in ("opened_on", "closed_on")
        )
        events_qs = self.visible(Event).in_era(era)
        events = list(events_qs.order_by("date", "title")[: self.event_limit])
        context.update(
            previous_era=eras[index - 1] if index else None,
            next_era=eras[index + 1] if index is not None and index + 1 < len(eras) else None,
            regions=group_by_region(sorted(rows.values(), key=lambda row: row["country"].name)),
            world_map=maps.render_map(
                shown,
                title=_("Afghanistan's relations during %(era)s") % {"era": era.name},
                description=_(
                    "A world map: each country is coloured by the closest status its relations with "
                    "Afghanistan reached during the era. The lists by region below give every status "
                    "with its dates."
                ),
            ),
            legend=maps.legend(shown),
            missions_opened=missions_opened,
            missions_closed=missions_closed,
            missions_truncated=max(len(missions_opened), len(missions_closed)) >= self.mission_limit,
            events=events,
            events_truncated=len(events) >= self.event_limit,
            footnotes=Footnotes.load([era], periods, missions_opened, missions_closed, events, user=self.viewer),
        )
        return context


class CountryListView(PublicPageMixin, TemplateView):
    template_name = "relations/country_list.html"
    page_description = gettext_lazy(
        "Every state and organisation Afghanistan has had relations with, by region, with the status today."
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = today()
        base = (
            self.visible(Country)
            .only("pk", "slug", "name", "kind", "region", "publication")
            .with_status_on(on)
            .with_establishment()
        )
        filterset = CountryFilter(self.request.GET or None, queryset=base, user=self.viewer)
        countries = (
            list(filterset.qs.order_by("name"))
            if filterset.is_bound and filterset.is_valid()
            else (list(base.order_by("name")) if not filterset.is_bound else [])
        )
        context.update(
            on=on,
            filter=filterset,
            regions=group_by_region(countries, key=lambda c: c),
            count=len(countries),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if context["filter"].is_bound and not context["filter"].is_valid():
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


class EstablishmentView(PublicPageMixin, PaginatedMixin, ListView):
    """The table the seed article lost: relations in order of their establishment, with dates."""

    template_name = "relations/country_establishment.html"
    paginate_by = 100
    page_description = gettext_lazy(
        "Countries in the order Afghanistan established diplomatic relations with them, with dates and sources."
    )

    def get_queryset(self):
        return (
            self.visible(Country)
            .with_establishment()
            .filter(relations_established_on__isnull=False)
            .order_by("relations_established_on", "name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        countries = list(context["object_list"])
        first_periods = {
            (p.country_id, p.starts_on): p
            for p in self.visible(RelationPeriod).filter(
                status=RelationStatus.DIPLOMATIC, country__in=[c.pk for c in countries]
            )
        }
        rows = []
        for country in countries:
            rows.append((country, first_periods.get((country.pk, country.relations_established_on))))
        offset = context["page_obj"].start_index() if context.get("page_obj") else 1
        context.update(
            rows=rows,
            offset=offset,
            footnotes=Footnotes.load([p for _c, p in rows if p], user=self.viewer),
        )
        return context


class CountryDetailView(PagedDetailMixin, PublicPageMixin, DetailView):
    model = Country
    # The latest events and the first missions; the events and missions pages, filtered by the
    # country, list them all.
    event_limit = 25
    mission_limit = 30
    # The status periods, in pages of this many (``?page=``): the real record has at most four a country,
    # but a page must not footnote a history however long it grows. The timeline above the table, the
    # status today and the date relations were established still read every period.
    periods_per_page = 25

    def get_meta_description(self):
        return plain_text(self.object.summary, 300) or _("Afghanistan's relations with %(country)s.") % {
            "country": self.object.name
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        country = self.object
        on = today()
        periods = list(self.visible(RelationPeriod).filter(country=country).order_by("starts_on", "pk"))
        current = next((p for p in periods if p.starts_on <= on and (p.ends_on is None or p.ends_on > on)), None)
        established = next((p for p in periods if p.status == RelationStatus.DIPLOMATIC), None)
        page, paging = self.paged(periods, self.periods_per_page)
        listed = list(page.object_list)
        events = list(self.visible(Event).filter(countries=country).order_by("-date", "title")[: self.event_limit])
        heads = self.visible(HeadOfMission).order_by(head_order(), "name")
        missions = list(
            self.visible(Mission)
            .filter(country=country)
            .prefetch_related(Prefetch("heads", queryset=heads, to_attr="visible_heads"))
            # Open and suspended missions first, then by city; one city's missions in the order they opened.
            .order_by("direction", "-status", "city", F("opened_on").asc(nulls_last=True), "pk")[: self.mission_limit]
        )
        linked = list(
            self.visible(Country).filter(Q(successors=country) | Q(predecessors=country)).distinct().order_by("name")
        )
        successor_ids = set(country.successors.values_list("pk", flat=True)) if linked else set()
        eras = list(self.visible(Era).only("pk", "slug", "name", "starts_on", "ends_on"))
        for period in listed:
            period.era = next(
                (
                    e
                    for e in eras
                    if e.starts_on <= period.starts_on and (e.ends_on is None or e.ends_on > period.starts_on)
                ),
                None,
            )
        all_heads = [head for mission in missions for head in mission.visible_heads]
        context.update(
            on=on,
            **paging,
            periods=listed,
            current=current,
            established=established,
            timeline=charts.status_timeline(periods, on),
            events=events,
            events_truncated=len(events) >= self.event_limit,
            missions_truncated=len(missions) >= self.mission_limit,
            missions_in=[m for m in missions if m.direction == MissionDirection.IN_AFGHANISTAN],
            missions_of=[m for m in missions if m.direction == MissionDirection.OF_AFGHANISTAN],
            successors=[c for c in linked if c.pk in successor_ids],
            predecessors=[c for c in linked if c.pk not in successor_ids],
            # Only the periods the page shows are footnoted, with the two named above the table.
            footnotes=Footnotes.load(
                [country],
                [p for p in (current, established) if p],
                listed,
                missions,
                all_heads,
                events,
                user=self.viewer,
            ),
        )
        return context


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


class RelationsOnDateView(PublicPageMixin, TemplateView):
    template_name = "relations/relations_on.html"
    page_description = gettext_lazy(
        "Afghanistan's relations on any date: who had relations, who did not, on whose word."
    )

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("on", "").strip()
        on = parse_date(raw) if raw else today()
        error = None
        if on is None or on.year < 1700 or on > today() + datetime.timedelta(days=1):
            error = _("Enter a date as YYYY-MM-DD, between 1700 and today.")
            on = None
        context = self.get_context_data(on=on, raw=raw, error=error, **kwargs)
        return self.render_to_response(context, status=400 if error else 200)

    def get_meta_description(self):
        return str(self.page_description)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = context["on"]
        if on is None:
            return context
        periods = list(
            self.visible(RelationPeriod)
            .on(on)
            .filter(country_visible(may_preview(self.viewer)))
            .select_related("country")
            .order_by("country__name")
        )
        by_status = defaultdict(list)
        for period in periods:
            by_status[period.status].append(period)
        countries = list(self.visible(Country).only("pk", "name", "slug", "kind", "iso_numeric"))
        shown = counterparts({p.country_id: p.status for p in periods}, countries, successor_codes(self.viewer))
        era = self.visible(Era).containing(on).first()
        context.update(
            era=era,
            groups=[(s, RelationStatus(s).label, by_status[s]) for s in maps.STATUS_ORDER if by_status.get(s)],
            legend=maps.legend(shown),
            world_map=maps.render_map(
                shown,
                title=_("Afghanistan's relations on %(date)s") % {"date": format_date(on)},
                description=_(
                    "A world map: each country is coloured by the status of its relations with Afghanistan "
                    "on this date. The lists below give each country with its status and source."
                ),
            ),
            footnotes=Footnotes.load(periods, user=self.viewer),
        )
        return context

    def get_canonical_path(self):
        on = self.request.GET.get("on")
        return f"{self.request.path}?on={on}" if on and parse_date(on) else self.request.path


class FilteredListMixin(PaginatedMixin):
    """A list page narrowed by a django-filter FilterSet; invalid filters answer 400 with the form errors."""

    filterset_class = None

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=super().get_queryset(), user=self.viewer
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return super().get_queryset().none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = any(v for k, v in self.request.GET.items() if k != "page")
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


class MissionListView(FilteredListMixin, PublicPageMixin, ListView):
    model = Mission
    filterset_class = MissionFilter
    # A mission is a card with its heads and sources: 25 keep the page as light as a page of events.
    paginate_by = 25
    heads_shown = 3  # the latest heads of each mission; its country's page lists them all
    page_description = gettext_lazy(
        "Foreign missions in Afghanistan and Afghan missions abroad: embassies, consulates and offices, "
        "with their heads."
    )

    def get_queryset(self):
        heads = self.visible(HeadOfMission).order_by(head_order(descending=True), "name")
        return (
            super()
            .get_queryset()
            .filter(country_visible(may_preview(self.viewer)))
            .select_related("country")
            .prefetch_related(Prefetch("heads", queryset=heads, to_attr="visible_heads"))
            # By counterpart, then direction: a country's missions both ways sit together, and the
            # database walks the countries in name order and stops after a page instead of sorting
            # every mission (the direction tabs then need no sort at all).
            .order_by("country__name", "direction", "city", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        missions = list(context["object_list"])
        heads = [head for mission in missions for head in mission.visible_heads[: self.heads_shown]]
        context["footnotes"] = Footnotes.load(missions, heads, user=self.viewer)
        context["heads_shown"] = self.heads_shown
        return context


class EventListView(FilteredListMixin, PublicPageMixin, ListView):
    model = Event
    filterset_class = EventFilter
    paginate_by = 25
    page_description = gettext_lazy(
        "Events in Afghanistan's foreign relations, by era, country and kind, with sources."
    )

    def get_queryset(self):
        countries = self.visible(Country).only("pk", "slug", "name")
        return (
            super()
            .get_queryset()
            .with_era()
            .prefetch_related(Prefetch("countries", queryset=countries, to_attr="visible_countries"))
            .order_by("date", "title", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["footnotes"] = Footnotes.load(context["object_list"], user=self.viewer)
        return context


class EventDetailView(PublicPageMixin, DetailView):
    model = Event

    def get_queryset(self):
        countries = self.visible(Country).only("pk", "slug", "name")
        return (
            super()
            .get_queryset()
            .with_era()
            .prefetch_related(Prefetch("countries", queryset=countries, to_attr="visible_countries"))
        )

    def get_meta_description(self):
        return plain_text(self.object.summary, 300) or self.object.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["footnotes"] = Footnotes.load([self.object], user=self.viewer)
        return context


# The kinds of record that cite sources, with the fields a citing-records list needs.
CITING_MODELS = (Era, Country, RelationPeriod, Mission, HeadOfMission, Event)
# The order a source's citing records are listed and paged in: each kind's records together, by id.
CITATION_ORDER = ("content_type_id", "object_id", "pk")


def citing_citations(source_ids, user):
    """The citations of these sources whose record ``user`` may see (for a date claim, the claim's record).

    Read from the citations of these sources alone, each checked by its record's primary key: a page
    lists and counts what its reader may see, and no more. (``IN`` the published records instead made
    SQLite list every published record of each kind: 20 ms a page at scale 100.)
    """
    citations = Citation.objects.filter(source_id__in=source_ids)
    if may_preview(user):
        return citations
    kinds = tuple(ContentType.objects.get_for_model(model).pk for model in (*CITING_MODELS, DateClaim))
    sql, params = readers_citations(citations.db, kinds)
    return citations.filter(RawSQL(sql, params, output_field=BooleanField()))


@functools.lru_cache(maxsize=8)
def readers_citations(db, kinds):
    """The condition that a citation's record (or its date claim's) is published, as SQL for database ``db``
    and these content type ids (``CITING_MODELS``'s, then the date claims'): built from ``published()``, the
    one place that says what readers see, once a process, as building it cost twice what the page's
    queries do.

    Each record is looked up by its primary key as a scalar subquery: as ``EXISTS`` under ``OR``,
    PostgreSQL hashed every published record of each kind instead (34 ms for a page of the bibliography
    at scale 100), and ``IN`` made SQLite list them all.
    """
    *record_kinds, claim_kind = kinds

    def found(queryset, record_id):
        return IsNull(Subquery(queryset.filter(pk=OuterRef(record_id)).order_by().values("pk")[:1]), False)

    def published(record_id):
        return functools.reduce(
            operator.or_,
            (
                Q(content_type=kind) & found(model.objects.published(), record_id)
                for model, kind in zip(CITING_MODELS, record_kinds, strict=True)
            ),
        )

    claims = DateClaim.objects.filter(published("object_id"))
    condition = published("object_id") | Q(content_type=claim_kind) & found(claims, "object_id")
    query = Citation.objects.using(db).filter(condition).query
    sql, params = query.get_compiler(using=db).compile(query.where)
    return sql, tuple(params)


def citing_records(source_ids, user, limit_per_source=None):
    """{source id: [records citing it that ``user`` may see]}, in a fixed number of queries; with
    ``limit_per_source``, the first of them, from as many of each source's citations (twice as many, for
    a record cited twice), however often a source is cited."""
    citations = citing_citations(source_ids, user).order_by(*CITATION_ORDER)
    if limit_per_source is not None:
        citations = citations.annotate(
            position=Window(RowNumber(), partition_by=[F("source_id")], order_by=CITATION_ORDER)
        ).filter(position__lte=2 * limit_per_source)
    return records_citing(citations.values_list("source_id", "content_type_id", "object_id"), user, limit_per_source)


def records_citing(citations, user, limit_per_source=None):
    """{source id: [records]} for (source id, content type id, object id) citations, each record once.

    A citation of a date claim counts as citing the claim's record.
    """
    citations = list(citations)
    claim_ct = ContentType.objects.get_for_model(DateClaim).pk
    claim_ids = [object_id for _s, ct, object_id in citations if ct == claim_ct]
    claims = {
        pk: (ct, object_id)
        for pk, ct, object_id in DateClaim.objects.filter(pk__in=claim_ids).values_list(
            "pk", "content_type_id", "object_id"
        )
    }
    wanted = defaultdict(set)
    pairs = []
    for source_id, ct, object_id in citations:
        if ct == claim_ct:
            if object_id not in claims:
                continue
            ct, object_id = claims[object_id]
        wanted[ct].add(object_id)
        pairs.append((source_id, ct, object_id))
    objects = {}
    for model in CITING_MODELS:
        ct = ContentType.objects.get_for_model(model).pk
        if not wanted.get(ct):
            continue
        # Unordered: the records are looked up by id below. Ordered, SQLite may walk an index in that
        # order past every row instead (the heads' list index: 12 ms at scale 100 against 0.3).
        qs = model.objects.visible_to(user).filter(pk__in=wanted[ct]).order_by()
        if model in (RelationPeriod, Mission):
            qs = qs.select_related("country")
        elif model is HeadOfMission:
            qs = qs.select_related("mission__country")
        for obj in qs:
            objects[(ct, obj.pk)] = obj
    result = defaultdict(list)
    seen = set()
    for source_id, ct, object_id in pairs:
        obj = objects.get((ct, object_id))
        if obj is None or (source_id, ct, object_id) in seen:
            continue
        seen.add((source_id, ct, object_id))
        if limit_per_source is None or len(result[source_id]) < limit_per_source:
            result[source_id].append(obj)
    return result


class SourceListView(PublicPageMixin, PaginatedMixin, ListView):
    """The bibliography, with an index by first letter (``?from=c``: the page where C begins)."""

    model = Source
    paginate_by = 50
    citing_shown = 6  # the records citing a source an entry names; its page names them all
    page_description = gettext_lazy("The bibliography: every source the record cites, and what cites it.")
    # Where each entry of the letter index begins in the sources' sort key (bibliography_key): digits
    # file before letters, and keys in other scripts after "z" ("{" is the character after it).
    letter_index = (
        ("0", "0–9"),
        *((letter, letter.upper()) for letter in "abcdefghijklmnopqrstuvwxyz"),
        ("other", gettext_lazy("other scripts")),
    )
    boundaries = {"other": "{"}

    def get(self, request, *args, **kwargs):
        start = request.GET.get("from")
        if start is None:
            return super().get(request, *args, **kwargs)
        if start not in dict(self.letter_index):
            self.object_list = self.get_queryset()
            context = self.get_context_data(letter_error=True)
            return self.render_to_response(context, status=400)
        return self.jump(self.boundaries.get(start, start))

    def jump(self, boundary):
        """Redirect to the page holding the first source filed at or after ``boundary``, at that source."""
        sources = self.get_queryset()
        before = sources.filter(sort_key__lt=boundary).count()
        first = sources.filter(sort_key__gte=boundary).values_list("slug", flat=True).first()
        page = before // self.paginate_by + 1 if first else self.get_paginator(sources, self.paginate_by).num_pages
        url = reverse("relations:source-list") + (f"?page={page}" if page > 1 else "")
        return redirect(url + (f"#source-{first}" if first else ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sources = list(context["object_list"])
        citing = citing_records([s.pk for s in sources], self.viewer, limit_per_source=self.citing_shown)
        context["entries"] = [(s, format_reference(s), citing.get(s.pk, [])) for s in sources]
        context["citing_shown"] = self.citing_shown
        context["letter_index"] = self.letter_index
        return context


class SourceDetailView(PagedDetailMixin, PublicPageMixin, DetailView):
    model = Source
    # What cites a source, a page at a time: a source cited thousands of times is a page among others.
    citing_per_page = 100

    def get_meta_description(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        citations = citing_citations([self.object.pk], self.viewer).order_by(*CITATION_ORDER)
        page, paging = self.paged(
            citations.values_list("source_id", "content_type_id", "object_id"), self.citing_per_page
        )
        context.update(
            **paging,
            reference=format_reference(self.object),
            citing=records_citing(page.object_list, self.viewer).get(self.object.pk, []),
        )
        return context


class OrganisationListView(PublicPageMixin, TemplateView):
    template_name = "relations/organisation_list.html"
    page_description = gettext_lazy(
        "International organisations in Afghanistan's foreign relations: the United Nations and others."
    )

    # The first events in date order (the real record has some forty); the events page lists them all.
    event_limit = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisations = list(self.visible(Country).filter(kind=CountryKind.ORGANISATION).order_by("name"))
        ids = [o.pk for o in organisations]
        periods = list(self.visible(RelationPeriod).filter(country__in=ids).order_by("starts_on"))
        missions = list(self.visible(Mission).filter(country__in=ids).order_by("direction", "city"))
        # Membership as a subquery, not a join: no duplicates to remove, so the first events come from a
        # walk along the events' date index instead of sorting every match (17 ms on PostgreSQL at scale 100).
        involving = Event.countries.through.objects.filter(country__in=ids).values("event_id")
        events = list(
            self.visible(Event)
            .filter(Q(pk__in=involving) | Q(kind=EventKind.UN_ACTION))
            .order_by("date", "title", "pk")[: self.event_limit]
        )
        by_org = {o.pk: {"organisation": o, "periods": [], "missions": []} for o in organisations}
        for period in periods:
            by_org[period.country_id]["periods"].append(period)
        for mission in missions:
            by_org[mission.country_id]["missions"].append(mission)
        for mission in missions:
            mission.country = by_org[mission.country_id]["organisation"]
        context.update(
            organisations=list(by_org.values()),
            events=events,
            events_truncated=len(events) >= self.event_limit,
            footnotes=Footnotes.load(organisations, periods, missions, events, user=self.viewer),
        )
        return context


class SearchView(PublicPageMixin, TemplateView):
    template_name = "relations/search.html"
    preview_size = 10
    paginate_by = 25
    page_description = gettext_lazy("Search countries, events, missions and sources.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = search.clean_query(self.request.GET.get("q", ""))
        scope = search.SCOPES_BY_KEY.get(self.request.GET.get("type", ""))
        context.update(q=text, scope=scope, scopes=search.SCOPES)
        if not text:
            return context
        if scope is not None:
            paginator = DeferredJoinPaginator(search.search(scope, text, self.viewer), self.paginate_by)
            page = page_or_404(paginator, self.request.GET.get("page"))
            context.update(
                page_obj=page,
                paginator=paginator,
                is_paginated=page.has_other_pages(),
                results=[(scope, page.object_list, paginator.count)],
            )
            return context
        results = []
        for each in search.SCOPES:
            qs = search.search(each, text, self.viewer)
            found = list(qs[: self.preview_size + 1])
            count = len(found) if len(found) <= self.preview_size else qs.count()
            results.append((each, found[: self.preview_size], count))
        context["results"] = results
        context["total"] = sum(count for _s, _f, count in results)
        return context
