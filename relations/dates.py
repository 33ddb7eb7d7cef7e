"""Dates that carry a precision, and how they are shown.

Sources rarely agree on more than a year, so every date in the record has a
precision: ``year``, ``month`` or ``day``. The stored ``date`` is always the first
day of the period the precision names (1919 is stored as 1919-01-01, March 1919
as 1919-03-01); that keeps ordering and range queries plain SQL. Intervals are
half-open, ``[start, end)``: a status that ends on a date is no longer in force
on that date, which is exactly when the next status begins.
"""

import datetime
from functools import lru_cache

import jdatetime
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    YEAR = "year", _("year")
    MONTH = "month", _("month")
    DAY = "day", _("day")


# The Solar Hijri months as they are named in Afghanistan (Dari), in order.
AFGHAN_MONTHS = (
    "Hamal",
    "Sawr",
    "Jawza",
    "Saratan",
    "Asad",
    "Sunbula",
    "Mizan",
    "Aqrab",
    "Qaws",
    "Jadi",
    "Dalw",
    "Hut",
)


def validate_precision(value, precision):
    """Raise ValidationError unless ``value`` is the first day its precision allows."""
    if value is None or not precision:
        return
    if precision == Precision.YEAR and (value.month, value.day) != (1, 1):
        raise ValidationError(
            _("A date known only to the year is stored as 1 January of that year (%(year)s-01-01)."),
            code="precision",
            params={"year": value.year},
        )
    if precision == Precision.MONTH and value.day != 1:
        raise ValidationError(
            _("A date known only to the month is stored as the 1st of that month (%(month)s-01)."),
            code="precision",
            params={"month": value.strftime("%Y-%m")},
        )


def truncate(value, precision):
    """The first day of the period ``precision`` names around ``value``."""
    if precision == Precision.YEAR:
        return value.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return value.replace(day=1)
    return value


def last_day(value, precision):
    """The last day of the period a stored date of this precision stands for."""
    if precision == Precision.YEAR:
        return value.replace(month=12, day=31)
    if precision == Precision.MONTH:
        next_month = (value.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return next_month - datetime.timedelta(days=1)
    return value


def format_date(value, precision=Precision.DAY):
    """'1919', 'March 1919' or '3 July 2025', in the active language."""
    if value is None:
        return ""
    return _format_date(value, precision, get_language())


@lru_cache(maxsize=16384)
def _format_date(value, precision, language):
    """Dates are immutable and their wording depends only on the language: each is written out once
    (Django's ``date_format`` looks the format and the month's name up on every call: a list of
    events, missions or periods writes hundreds of dates)."""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return date_format(value, "F Y")
    return date_format(value, "j F Y")


def format_solar_hijri(value, precision=Precision.DAY):
    """The same date in the Solar Hijri calendar: '12 Saratan 1404', 'Saratan 1404' or '1297–1298'.

    A Gregorian year or month straddles two Solar Hijri ones; then both are named.
    """
    if value is None:
        return ""
    first = jdatetime.date.fromgregorian(date=value)
    last = jdatetime.date.fromgregorian(date=last_day(value, precision))
    if precision == Precision.DAY:
        return f"{first.day} {AFGHAN_MONTHS[first.month - 1]} {first.year}"
    if precision == Precision.MONTH:
        start = f"{AFGHAN_MONTHS[first.month - 1]} {first.year}"
        end = f"{AFGHAN_MONTHS[last.month - 1]} {last.year}"
        return start if start == end else f"{start} – {end}"
    return str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
