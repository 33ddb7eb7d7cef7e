"""Server-rendered SVG charts: the eras band, relations and events over time, a country's status timeline.

Each chart is plain SVG with a ``<title>`` and ``<desc>`` and is accompanied on
the page by a table carrying the same numbers, so nothing depends on seeing it.
"""

import datetime
import html
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def r(value):
    """A coordinate rounded to a tenth of a pixel, as text."""
    return f"{value:.1f}"


@dataclass
class YearSeries:
    """Counts per year: countries with diplomatic relations at the end of each year, events in it."""

    first_year: int
    last_year: int
    relations: list
    events: list

    def decades(self):
        """[(decade start, relations at the decade's last year, events in the decade)] for the text table."""
        rows = []
        for start in range(self.first_year - self.first_year % 10, self.last_year + 1, 10):
            years = [y for y in range(start, start + 10) if self.first_year <= y <= self.last_year]
            if not years:
                continue
            last = years[-1] - self.first_year
            events = sum(self.events[y - self.first_year] for y in years)
            rows.append((f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]), self.relations[last], events))
        return rows


def year_series(starts, ends, event_years, first_year, last_year):
    """Build a YearSeries from per-year counts of diplomatic-relations periods starting (``starts``) and
    ending (``ends``, open periods left out), and of events (``event_years``), each {year: count}.

    A period counts in every year at whose end it is in force, so one starting in year s and
    ending in year e counts in s … e-1. Counts come in aggregated by year, so the work here does
    not grow with the number of periods or events."""
    size = last_year - first_year + 2

    def index(year):
        return min(max(year, first_year), last_year + 1) - first_year

    change = [0] * size
    for year, count in starts.items():
        change[index(year)] += count
    for year, count in ends.items():
        change[index(year)] -= count
    running = 0
    relations = []
    for year in range(first_year, last_year + 1):
        running += change[year - first_year]
        relations.append(running)
    events = [event_years.get(year, 0) for year in range(first_year, last_year + 1)]
    return YearSeries(first_year, last_year, relations, events)


def over_time(series, *, title, description):
    """Line: countries with relations; bars: events per year. One SVG, axis labelled by decade."""
    width, height, left, right, top, bottom = 900, 260, 48, 16, 16, 36
    years = series.last_year - series.first_year + 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(years, 1)
    top_relations = max(max(series.relations, default=0), 1)
    top_events = max(max(series.events, default=0), 1)

    def x(index):
        return left + index * step

    # Bars and ticks are written as plain text: every value in them is a number, so there is nothing to
    # escape, and a chart of a long, dense record has a bar for each of some three hundred years.
    bar_width = r(max(step - 0.5, 0.5))
    bars = mark_safe(
        "".join(
            f'<rect class="bar" x="{x(i):.1f}" y="{top + plot_h - count / top_events * plot_h * 0.5:.1f}" '
            f'width="{bar_width}" height="{count / top_events * plot_h * 0.5:.1f}"/>'
            for i, count in enumerate(series.events)
            if count
        )
    )
    points = " ".join(
        f"{x(i) + step / 2:.1f},{top + plot_h - count / top_relations * plot_h:.1f}"
        for i, count in enumerate(series.relations)
    )
    ticks = mark_safe(
        "".join(
            f'<line class="tick" x1="{x(year - series.first_year):.1f}" x2="{x(year - series.first_year):.1f}" '
            f'y1="{top + plot_h}" y2="{top + plot_h + 5}"/>'
            f'<text x="{x(year - series.first_year):.1f}" y="{height - 12}">{year:d}</text>'
            for year in range(series.first_year, series.last_year + 1)
            if year % (20 if years > 120 else 10) == 0
        )
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title"'
        ' aria-describedby="chart-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-title">{title}</title><desc id="chart-desc">{desc}</desc>'
        '<line class="axis" x1="{l}" x2="{r}" y1="{b}" y2="{b}"/>'
        '<text class="scale" x="4" y="{t2}">{top_rel}</text>{bars}'
        '<polyline class="line" points="{points}"/>{ticks}</svg>',
        w=width,
        h=height,
        title=title,
        desc=description,
        l=left,
        r=width - right,
        b=top + plot_h,
        t2=top + 10,
        top_rel=top_relations,
        bars=bars,
        points=points,
        ticks=ticks,
    )


def era_band(eras, today=None):
    """The eras side by side, each as wide as it lasted (a picture: the list beside it carries the links)."""
    if not eras:
        return ""
    today = today or datetime.date.today()
    start = eras[0].starts_on
    end = max(era.ends_on or today for era in eras)
    total = max((end - start).days, 1)
    width, height = 900, 64
    items = []
    for index, era in enumerate(eras):
        x0 = (era.starts_on - start).days / total * width
        x1 = ((era.ends_on or today) - start).days / total * width
        items.append(
            (
                f"{era.name}, {era.span_display}",
                index % 6,
                r(x0),
                r(max(x1 - x0, 2)),
                height,
                r(x0 + 4),
                era.starts_on.year if x1 - x0 >= 30 else "",
            )
        )
    return format_html(
        '<svg class="era-band" viewBox="0 0 {} {}" role="img" aria-labelledby="era-band-title"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="era-band-title">{}</title>{}</svg>',
        width,
        height + 18,
        _("The eras on one time line; each is listed below."),
        format_html_join(
            "",
            '<g><title>{}</title><rect class="era-{}" x="{}" y="0" width="{}" height="{}"/>'
            '<text x="{}" y="78">{}</text></g>',
            items,
        ),
    )


def status_timeline(periods, today=None):
    """A country's status periods as coloured bars along one line (the table beside it lists them).

    The bars are written as f-strings, each status's label translated and escaped once a chart: a
    country with some ninety periods spent 1.8 ms in ``format_html_join`` escaping every part of every
    bar (its output is the oracle of the test).
    """
    periods = [p for p in periods if p.starts_on]
    if not periods:
        return ""
    today = today or datetime.date.today()
    start = periods[0].starts_on
    end = max(p.ends_on or today for p in periods)
    total = max((end - start).days, 1)
    width = 900
    labels = {}
    bars = []
    for p in periods:
        label = labels.get(p.status)
        if label is None:
            label = labels[p.status] = html.escape(str(p.get_status_display()))
        x = r((p.starts_on - start).days / total * width)
        length = r(max(((p.ends_on or today) - p.starts_on).days / total * width, 2))
        bars.append(
            f'<rect class="s-{html.escape(p.status)}" x="{x}" y="4" width="{length}" height="28">'
            f"<title>{label}: {html.escape(p.span_display)}</title></rect>"
        )
    return format_html(
        '<svg class="status-timeline" viewBox="0 0 {} 56" role="img" aria-labelledby="timeline-title"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="timeline-title">{}</title>{}'
        '<text x="0" y="52">{}</text><text x="{}" y="52" text-anchor="end">{}</text></svg>',
        width,
        _("Status of relations over time; the table below lists each period."),
        mark_safe("".join(bars)),  # noqa: S308 - every part escaped above
        start.year,
        width,
        end.year,
    )
