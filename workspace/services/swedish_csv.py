"""CSV the way Excel in Swedish opens it on a double-click."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def encode(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The table as CSV for Swedish Excel: semicolons (the comma is the decimal sign), CRLF
    line ends, and UTF-8 with a BOM, without which Excel reads åäö as Windows-1252.
    Neutralise free text first (`text.neutralise`): a cell can start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
