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
