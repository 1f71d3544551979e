"""The CSS a printed report writes from its own words: nothing in them can end the style."""

from __future__ import annotations

import re

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from workspace.printing import css_string, page_numbers


@given(st.text())
def test_any_text_stays_one_css_string(text: str) -> None:
    written = str(css_string(text))
    inner = written[1:-1]
    assert written[0] == written[-1] == '"'
    assert not re.search(r'(?<!\\)"|<|\n|\r', inner), written
    # CSS unescapes each `\hex ` back to its character: the reader sees the text itself.
    assert re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m[1], 16)), inner) == text


def test_a_title_cannot_close_the_style_element() -> None:
    assert (
        str(css_string('Plan "A" </style><script>'))
        == r'"Plan \22 A\22  \3c /style\3e \3c script\3e "'
    )


def test_page_numbers_in_the_pages_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert page_numbers() == '"Sida " counter(page) " av " counter(pages)'
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert page_numbers() == '"Page " counter(page) " of " counter(pages)'
