import datetime

import pytest
from django.core.exceptions import ValidationError

from relations.dates import format_date, format_solar_hijri, last_day, truncate, validate_precision


@pytest.mark.parametrize(
    ("value", "precision", "shown"),
    [
        (datetime.date(1919, 1, 1), "year", "1919"),
        (datetime.date(1919, 3, 1), "month", "March 1919"),
        (datetime.date(2025, 7, 3), "day", "3 July 2025"),
    ],
)
def test_dates_are_shown_with_their_precision(value, precision, shown):
    assert format_date(value, precision) == shown


def test_solar_hijri_day_uses_afghan_month_names():
    assert format_solar_hijri(datetime.date(2025, 7, 3), "day") == "12 Saratan 1404"


def test_solar_hijri_year_straddles_two_years():
    assert format_solar_hijri(datetime.date(1919, 1, 1), "year") == "1297–1298"


def test_solar_hijri_month_names_both_months_it_spans():
    assert format_solar_hijri(datetime.date(2021, 8, 1), "month") == "Asad 1400 – Sunbula 1400"


def test_year_precision_requires_first_of_january():
    with pytest.raises(ValidationError) as error:
        validate_precision(datetime.date(1919, 3, 5), "year")
    assert "1919-01-01" in error.value.messages[0]


def test_month_precision_requires_first_of_month():
    with pytest.raises(ValidationError):
        validate_precision(datetime.date(1919, 3, 5), "month")
    validate_precision(datetime.date(1919, 3, 1), "month")


def test_truncate_and_last_day_bound_the_period_a_date_stands_for():
    day = datetime.date(2024, 2, 17)
    assert truncate(day, "month") == datetime.date(2024, 2, 1)
    assert last_day(truncate(day, "month"), "month") == datetime.date(2024, 2, 29)
    assert last_day(truncate(day, "year"), "year") == datetime.date(2024, 12, 31)


def test_a_date_is_written_in_the_language_active_when_it_is_asked_for():
    """format_date remembers each date's wording per language: asked again in another language, a date is
    written in that one, not served as it was first written."""
    from django.utils import translation
    from django.utils.formats import date_format

    value = datetime.date(1919, 8, 19)
    with translation.override("en"):
        english = format_date(value, "month")
        assert english == "August 1919" == format_date(value, "month")
    with translation.override("fa"):
        dari = format_date(value, "month")
        assert dari == date_format(value, "F Y") != english
    with translation.override("en"):
        assert format_date(value, "month") == english


def _date_span_by_format_html(obj, start_field, end_field, open_label=None):
    """``date_span`` as it was written with ``format_html`` (Django's escaping of both halves): kept here
    as the oracle the f-string must equal."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    from relations.templatetags.relations_tags import precise_date

    start = getattr(obj, start_field)
    end = getattr(obj, end_field)
    start_html = precise_date(start, getattr(obj, f"{start_field}_precision")) if start else _("unknown")
    if end:
        end_html = precise_date(end, getattr(obj, f"{end_field}_precision"))
    else:
        end_html = open_label if open_label is not None else _("present")
    return format_html("{} – {}", start_html, end_html)


@pytest.mark.parametrize("language", ["en", "fa", "ps"])
def test_a_date_span_is_written_as_format_html_wrote_it(language):
    """Each precision, an open end (with the default label, a template's empty one, a safe one and one to
    escape), an unknown start and a blank precision (taken as a day), in each language of the site."""
    from types import SimpleNamespace

    from django.utils import translation
    from django.utils.safestring import mark_safe

    from relations.templatetags.relations_tags import date_span

    day = datetime.date
    spans = [
        SimpleNamespace(a=day(1919, 1, 1), a_precision="year", b=day(1921, 3, 1), b_precision="month"),
        SimpleNamespace(a=day(2025, 7, 3), a_precision="day", b=None, b_precision="day"),
        SimpleNamespace(a=None, a_precision="day", b=day(1880, 7, 22), b_precision=""),
        SimpleNamespace(a=None, a_precision="", b=None, b_precision=""),
    ]
    labels = [None, "", mark_safe("<i>open</i>"), "<to be> & seen"]  # noqa: S308 - a constant under test
    with translation.override(language):
        for span in spans:
            for label in labels:
                written = date_span(span, "a", "b", label)
                assert written == _date_span_by_format_html(span, "a", "b", label), (span, label)
                assert hasattr(written, "__html__")
    assert "&lt;to be&gt; &amp; seen" in date_span(spans[1], "a", "b", labels[3])
