"""Template helpers for the public pages: dates with precision, Markdown, footnotes, paging links."""

import html
from functools import lru_cache

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ..dates import Precision, format_date, format_solar_hijri
from ..escaping import escape
from ..footnotes import format_reference
from ..links import keyed_urls
from ..markup import render_markdown

register = template.Library()


def iso_value(value, precision):
    """The machine-readable form HTML's <time> accepts for a date of this precision."""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


@register.filter
def precise_date(value, precision=Precision.DAY):
    """``<time datetime="2025-07-03">3 July 2025</time> (12 Saratan 1404)``; empty for no date."""
    if value is None or value == "":
        return ""
    return _precise_date(value, precision, get_language())


@lru_cache(maxsize=16384)
def _precise_date(value, precision, language):
    """Dates are immutable and their wording depends only on the language: each is written out once.
    A date without a precision (blank) is taken as a day's."""
    precision = precision or Precision.DAY
    return format_html(
        '<time datetime="{}">{}</time> <span class="hijri">({})</span>',
        iso_value(value, precision),
        format_date(value, precision),
        format_solar_hijri(value, precision),
    )


@register.simple_tag
def date_span(obj, start_field, end_field, open_label=None):
    """The interval of ``obj`` between two precise date fields: '1919 (…) – present'.

    Written with an f-string rather than ``format_html``, the language read once: a country page writes
    some two hundred of these, and the lazy-string checks of Django's escaping cost more than the rest
    (the dates are ``_precise_date``'s safe markup; the words are escaped here).
    """
    language = get_language()
    start = getattr(obj, start_field)
    end = getattr(obj, end_field)
    if start:
        start_html = _precise_date(start, getattr(obj, f"{start_field}_precision"), language)
    else:
        start_html = html.escape(_("unknown"))
    if end:
        end_html = _precise_date(end, getattr(obj, f"{end_field}_precision"), language)
    elif open_label is None:
        end_html = html.escape(_("present"))
    else:
        end_html = escape(open_label)
    return SafeString(f"{start_html} – {end_html}")  # both halves escaped above


@register.filter
def markdown(text):
    return render_markdown(text)


def _superscripts(uses):
    # Written without format_html: every value is a number or made of numbers (footnotes.Use), so there is
    # nothing to escape, and a list page writes some 400 of these (as SafeString: mark_safe's lazy-string
    # check is the dearest part of a short string).
    return SafeString(
        "".join(
            f'<sup class="fn"><a id="{use.anchor}" href="#{use.target}" '
            f'aria-describedby="references-heading">[{use.number:d}]</a></sup>'
            for use in uses
        )
    )


def _marks(footnotes, obj):
    """What ``{% cite obj %}`` writes: the superscripts of ``obj``'s citations on this page."""
    return _superscripts(footnotes.cite(obj)) if footnotes is not None and obj is not None else ""


def _draft_badge(context, record):
    """The "draft" mark after a record that staff previewing drafts see (readers never see drafts)."""
    if context.get("previewing") and record.publication != "published":
        return f' <span class="draft-badge">{html.escape(_("draft"))}</span>'
    return ""


def _staff_line(mission):
    """Which Afghan government a mission abroad's staff answer to, on a line of its own; empty if not recorded."""
    if not mission.staff_represent:
        return ""
    represent = html.escape(_("Staff represent:"))
    return f'<br><span class="staff">{represent} {html.escape(str(mission.get_staff_represent_display()))}</span>'


@register.simple_tag(takes_context=True)
def cite(context, obj):
    """The numbered superscripts for every citation of ``obj`` on this page."""
    return _marks(context.get("footnotes"), obj)


@register.simple_tag(takes_context=True)
def heads_of_mission(context, mission, shown):
    """The first ``shown`` heads of ``mission`` (``visible_heads``), a line each: name, title, term, footnotes.

    Written in Python rather than as a template loop: a list page of 50 missions writes some 150 of
    these lines, and the loop's tags and filters cost twice what the strings do. The markup is the
    loop's, byte for byte (``tests/test_views.py`` renders both and compares them).
    """
    heads = mission.visible_heads[:shown]
    if not heads:
        return SafeString("")
    footnotes = context.get("footnotes")
    language = get_language()
    since, until = html.escape(_("from")), html.escape(_("to"))  # translated once a mission, not once a head
    lines = []
    for head in heads:
        line = [html.escape(head.name), ", ", html.escape(head.title)]
        if head.started_on:
            start = _precise_date(head.started_on, head.started_on_precision, language)
            line += [", ", since, " ", start]
        if head.ended_on:
            end = _precise_date(head.ended_on, head.ended_on_precision, language)
            line += [" ", until, " ", end]
        line.append(_marks(footnotes, head))
        lines.append("".join(line))
    return SafeString("<br>".join(lines))  # every part escaped above or built by format_html


@register.simple_tag(takes_context=True)
def mission_row(context, mission, heads_shown):
    """One row of the missions list: name, footnotes, draft mark, staff, status, term and latest heads.

    In Python for the reason ``heads_of_mission`` is; the markup is the template's, byte for byte
    (``tests/test_views.py`` renders both and compares them).
    """
    footnotes = context.get("footnotes")
    row = (
        f'<tr id="mission-{html.escape(mission.slug)}"><th scope="row">'
        f'<a href="{html.escape(mission.country.get_absolute_url())}">{html.escape(mission.name)}</a>'
        f"{_marks(footnotes, mission)}"
    )
    row += _draft_badge(context, mission) + _staff_line(mission)
    term = date_span(mission, "opened_on", "closed_on", "") if mission.opened_on or mission.closed_on else ""
    return mark_safe(  # noqa: S308 - every value escaped above; the rest built by format_html
        f"{row}</th><td>{html.escape(str(mission.get_status_display()))}</td><td>{term}</td>"
        f"<td>{heads_of_mission(context, mission, heads_shown)}</td></tr>"
    )


@register.simple_tag(takes_context=True)
def bibliography_entry(context, source, reference, citing):
    """One entry of the sources list: the reference, draft mark, the first records citing it, details link.

    In Python for the reason ``heads_of_mission`` is; the markup is the template's, byte for byte
    (``tests/test_views.py`` renders both and compares them).
    """
    entry = f'<li id="source-{html.escape(source.slug)}">{conditional_escape(reference)}'
    entry += _draft_badge(context, source)
    cited_by = "; ".join(
        f'<a href="{html.escape(obj.get_absolute_url())}">{html.escape(str(obj))}</a>' for obj in citing
    )
    if not citing:
        cited_by = html.escape(_("nothing published yet"))
    elif len(citing) >= context["citing_shown"]:  # as many as the list shows: there may be more
        cited_by += " …"
    return mark_safe(  # noqa: S308 - every value escaped above; the reference is built by format_html
        f'{entry}<br><span class="cited-by">{html.escape(_("Cited by:"))} {cited_by}</span> · '
        f'<a href="{html.escape(source.get_absolute_url())}">{html.escape(_("Details"))}'
        f'<span class="visually-hidden">: {html.escape(source.title)}</span></a></li>'
    )


@register.simple_tag(takes_context=True)
def country_cards(context, countries):
    """The countries page's entries of one region: name, kind, status today, relations since.

    Written in Python rather than as a template loop, as ``heads_of_mission`` is: the page lists
    every counterpart (some 220), and the loop's tags and filters were most of its cost. The
    markup is the loop's, byte for byte (``tests/test_views.py`` renders both and compares them).
    ``html.escape`` is what Django's ``escape`` calls, without its check for lazy strings.
    """
    no_information = html.escape(_("no information"))
    since = html.escape(_("relations since"))
    items = []
    for country in countries:
        item = f'<li><a href="{html.escape(country.get_absolute_url())}">{html.escape(country.name)}</a>'
        if country.kind != "state":
            item += f' <span class="kind">({html.escape(str(country.get_kind_display()))})</span>'
        item += _draft_badge(context, country)
        status = country.status_on
        label = html.escape(str(country.status_on_label)) if status else no_information
        item += f'<br><span class="status s-{html.escape(str(status or "unknown"))}">{label}</span>'
        if country.relations_established_on:
            established = precise_date(country.relations_established_on, country.relations_established_on_precision)
            item += f' <span class="since">{since} {established}</span>'
        items.append(item + "</li>")
    return mark_safe("".join(items))  # noqa: S308 - every value escaped above; precise_date is built by format_html


@register.simple_tag(takes_context=True)
def event_item(context, event):
    """One entry of the events list: date, title, footnotes, draft mark, kind, era and countries.

    In Python for the reason ``heads_of_mission`` is; the markup is the template's, byte for byte
    (``tests/test_views.py`` renders both and compares them).
    """
    footnotes = context.get("footnotes")
    marks = _marks(footnotes, event)
    draft = _draft_badge(context, event)
    meta = html.escape(capfirst(str(event.get_kind_display())))
    if event.era_slug:
        meta += f' · <a href="{html.escape(event.era_url)}">{html.escape(event.era_name)}</a>'
    countries = ", ".join(
        f'<a href="{html.escape(country.get_absolute_url())}">{html.escape(country.name)}</a>'
        for country in event.visible_countries
    )
    if countries:
        meta += f" · {countries}"
    return mark_safe(  # noqa: S308 - every value escaped above; the date and marks are built safe
        f'<span class="date">{precise_date(event.date, event.date_precision)}</span> '
        f'<a href="{html.escape(event.get_absolute_url())}">{html.escape(event.title)}</a>{marks}{draft} '
        f'<span class="meta">{meta}</span>'
    )


@register.simple_tag(takes_context=True)
def mission_items(context, missions):
    """A country page's list of missions in one direction: kind, city, footnotes, term, status, staff, heads.

    In Python for the reason ``heads_of_mission`` is: a country page lists up to 30 missions with every
    head of each. The markup is the template loop's, byte for byte (``tests/test_views.py``
    renders both and compares them).
    """
    footnotes = context.get("footnotes")
    items = []
    for mission in missions:
        item = (
            f'<li id="mission-{html.escape(mission.slug)}"><strong>'
            f"{html.escape(capfirst(str(mission.get_kind_display())))}, {html.escape(mission.city)}</strong>"
            f"{_marks(footnotes, mission)}{_draft_badge(context, mission)}"
        )
        status = f'<span class="mission-status">{html.escape(str(mission.get_status_display()))}</span>'
        if mission.opened_on or mission.closed_on:
            item += f" — {date_span(mission, 'opened_on', 'closed_on', '')} ({status})"
        else:
            item += f" — {status}"
        differ = disputed(context, mission, "opened_on")
        if differ:
            item += f" {differ}"
        item += _staff_line(mission)
        if mission.visible_heads:
            heads = "".join(
                f"<li>{html.escape(head.name)}, {html.escape(head.title)} "
                f"({date_span(head, 'started_on', 'ended_on', '')}){_marks(footnotes, head)}</li>"
                for head in mission.visible_heads
            )
            item += f'<ul class="heads">{heads}</ul>'
        items.append(item + "</li>")
    if not items:
        items.append(f"<li>{html.escape(_('None recorded.'))}</li>")
    return mark_safe(f'<ul class="missions">{"".join(items)}</ul>')  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def period_rows(context, periods):
    """A country page's status periods, a table row each: status, footnotes, term, differing dates, era, notes.

    In Python for the reason ``heads_of_mission`` is; the markup is the template loop's, byte for byte
    (``tests/test_views.py`` renders both and compares them).
    """
    footnotes = context.get("footnotes")
    rows = []
    for period in periods:
        row = (
            f'<tr><th scope="row"><span class="status s-{html.escape(period.status)}">'
            f"{html.escape(str(period.get_status_display()))}</span>{_marks(footnotes, period)}"
            f"{_draft_badge(context, period)}"
        )
        row += (
            f"</th><td>{date_span(period, 'starts_on', 'ends_on')} {disputed(context, period, 'starts_on')} "
            f"{disputed(context, period, 'ends_on')}</td><td>"
        )
        if period.era:
            row += f'<a href="{html.escape(period.era.get_absolute_url())}">{html.escape(period.era.name)}</a>'
        rows.append(f"{row}</td><td>{render_markdown(period.summary)}</td></tr>")
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above; the rest built by format_html


@register.simple_tag(takes_context=True)
def era_status_items(context, rows):
    """An era page's entries of one region: each counterpart with its first periods of the era
    (status, term, footnotes) and a link to the rest (``era_statuses`` rows).

    In Python for the reason ``heads_of_mission`` is: the page lists every counterpart (some 220).
    The markup is the template loop's, byte for byte (``tests/test_views.py`` renders both and
    compares them).
    """
    footnotes = context.get("footnotes")
    items = []
    for row in rows:
        country = row["country"]
        url = html.escape(country.get_absolute_url())
        periods = "; ".join(
            f'<span class="status s-{html.escape(period.status)}">{html.escape(str(period.get_status_display()))}'
            f"</span> {date_span(period, 'starts_on', 'ends_on')}{_marks(footnotes, period)}"
            for period in row["periods"]
        )
        item = f'<li><a href="{url}">{html.escape(country.name)}</a>: {periods}'
        if row["more"]:
            # As {% blocktranslate count %} writes it: the number escaped, the translation as it is.
            more = ngettext("%(n)s more change", "%(n)s more changes", row["more"]) % {"n": row["more"]}
            item += f'; <a href="{url}">{more}</a>'
        items.append(f"{item}</li>")
    return mark_safe("".join(items))  # noqa: S308 - every value escaped above; the rest built by format_html


@register.simple_tag(takes_context=True)
def disputed(context, obj, field):
    """When sources give different dates for ``obj.<field>``, each claim with its own source."""
    footnotes = context.get("footnotes")
    if footnotes is None:
        return ""
    claims = footnotes.claims(obj, field)
    if not claims:
        return ""
    items = []
    for claim in claims:
        label = precise_date(claim.date, claim.precision)
        marker = format_html(" <em>{}</em>", _("preferred")) if claim.is_preferred else ""
        items.append((label, marker, _superscripts(footnotes.cite_claim(claim))))
    return format_html(
        '<span class="disputed">{} {}</span>',
        _("Sources differ:"),
        format_html_join("; ", "{}{}{}", items),
    )


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (pagination that keeps filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def verbose_name(obj):
    return obj._meta.verbose_name


@register.simple_tag(takes_context=True)
def reference_list(context):
    """The page's numbered references, each with links back to every place it is cited.

    Written in Python rather than as a template loop: an era page lists some sixty references,
    and the template engine spent more on them than on the rest of the page. Written with f-strings
    and ``html.escape`` rather than ``format_html`` and Django's ``escape``, whose lazy-string checks
    cost more than the escaping: a country page at scale 100 lists some 300 references (4.2 ms → 1.2;
    ``tests/test_views.py`` keeps the ``format_html`` version as the oracle).
    """
    footnotes = context.get("footnotes")
    if not footnotes:
        return ""
    items = []
    # Translated once per list rather than once per reference: gettext goes through a thread-local.
    back_to = _("Back to citation %(n)s")
    about = html.escape(_("About this source"))
    source_url = keyed_urls("relations:source-detail")  # Source.get_absolute_url, resolved once
    language = get_language()
    for ref in footnotes.references:
        citation = ref.citation
        number = ref.number
        label = html.escape(back_to % {"n": number})
        # Anchors and positions are numbers (footnotes.Use): only the translated label needs escaping.
        if len(ref.uses) > 1:
            backlinks = "".join(
                f'<a href="#{use}" aria-label="{label} ({position:d})">↑<sup>{position:d}</sup></a> '
                for position, use in enumerate(ref.uses, start=1)
            )
        else:
            backlinks = "".join(f'<a href="#{use}" aria-label="{label}">↑</a> ' for use in ref.uses)
        # format_reference's output is built by format_html: safe as it stands.
        formatted = format_reference(citation.source, citation.locator, language)
        quote = f'<q class="quote">{html.escape(citation.quote)}</q>' if citation.quote else ""
        items.append(
            f'<li id="ref-{number:d}" value="{number:d}"><span class="backlinks">{backlinks}</span> '
            f"{formatted} {quote} "
            f'<a class="source-link" href="{html.escape(source_url(citation.source.slug))}">{about}</a></li>'
        )
    return format_html(
        '<section class="references" aria-labelledby="references-heading"><h2 id="references-heading">{}</h2>'
        '<ol class="reference-list">{}</ol></section>',
        _("References"),
        mark_safe("".join(items)),  # noqa: S308 - every part escaped above
    )
