"""The platform's one CSV writer: every export and attachment goes through it.

Spreadsheets run a cell that starts with "=", "+", "-", "@", a tab or a carriage
return as a formula (OWASP, "CSV injection"): any operator could plant
`=HYPERLINK(…)` in a delivery label and have it run in the billing operator's
spreadsheet. Such text cells get a leading apostrophe, which spreadsheets show as text;
whole and decimal numbers pass untouched (a text "-5" or "+33…" is prefixed too).
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, bool) or value is None:
        return "" if value is None else value
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row: Iterable):
    return [safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose write returns the line (for streaming)."""

    def write(self, value):
        return value


def csv_text(header, rows):
    """The whole CSV as text (attachments)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue()


def csv_response(filename, header, rows):
    """A streamed CSV download: rows are written as they come (an iterator over a
    queryset keeps memory flat)."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
