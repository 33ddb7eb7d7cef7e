"""CSV for spreadsheets and data desks, beside JSON.

A list in CSV is the whole filtered result, not one page, streamed row by row so
that a large table never sits in memory. Embedded records become their slug (or
id); lists become values joined by " | "; citations read "source-slug locator". Text a
spreadsheet would run as a formula gets a leading apostrophe, as in the admin's export.
"""

import csv
import io

from rest_framework import renderers

from ..spreadsheets import Echo, spreadsheet_safe


def flatten(value):
    if value is None:
        return ""
    if isinstance(value, dict):
        if "source" in value and "locator" in value:
            return f"{flatten(value['source'])} {value['locator']}".strip()
        return str(value.get("slug") or value.get("id") or value.get("name") or "")
    if isinstance(value, list):
        return " | ".join(flatten(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_rows(header, items):
    """Yield CSV lines: ``header``, then one line per serialized item."""
    writer = csv.writer(Echo())
    yield writer.writerow(header)
    for item in items:
        yield writer.writerow([spreadsheet_safe(flatten(item.get(name))) for name in header])


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Lists are streamed by the view; this renders whatever else reaches it.
        if data is None:
            return b""
        items = data.get("results", [data]) if isinstance(data, dict) else list(data)
        header = list(items[0].keys()) if items else []
        buffer = io.StringIO()
        for line in csv_rows(header, items):
            buffer.write(line)
        return buffer.getvalue().encode(self.charset)
