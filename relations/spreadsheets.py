"""CSV written for spreadsheets, shared by the admin's export and the API's CSV.

A cell starting with one of ``FORMULA_START`` is a formula to Excel or LibreOffice
(CSV injection); such text is written with a leading apostrophe, which spreadsheets
show as plain text.
"""

FORMULA_START = ("=", "+", "@", "\t", "\r")


def spreadsheet_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


class Echo:
    """A file-like object whose ``write`` returns what it is given, for streaming csv rows."""

    def write(self, value):
        return value
