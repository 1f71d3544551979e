"""CSS written from the page's own words, for what paged media can take from nowhere else:
the running header and the page numbers of a printed report."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from markupsafe import Markup

# Private-use characters, which no translation contains, hold the counters' places.
_COUNTERS = {"\ue000": "counter(page)", "\ue001": "counter(pages)"}


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string, safe inside a `<style>` element: quotes, backslashes,
    line breaks and `<` (which could close the element) are escaped as CSS escapes."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 0x20 else ch for ch in text)
    return Markup(f'"{escaped}"')


def page_numbers() -> Markup:
    """ "Page 2 of 7" in the page's language, as a CSS `content` value of the page counters."""
    text = _("Page %(page)s of %(pages)s", page="\ue000", pages="\ue001")
    parts = re.split("([\ue000\ue001])", text)
    return Markup(" ".join(_COUNTERS.get(part) or css_string(part) for part in parts if part))
