"""Free text: personal identity numbers, safe rich text, cleaning."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from workspace.rich_text import render
from workspace.services.personal_data import find_identity_numbers
from workspace.services.text import clean


@pytest.mark.parametrize(
    "text",
    [
        "19811218-9876",  # with century and separator
        "811218-9876",  # short form
        "8112189876",  # no separator
        "198112189876",  # century, no separator
        "811218+9876",  # "+" for someone over 100
        "811278-9873",  # samordningsnummer: day + 60
        "Han (811218 9876) sa",  # a space for a separator, inside text
    ],
)
def test_identity_numbers_are_found(text):
    assert find_identity_numbers(text)


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong check digit
        "811318-9876",  # month 13
        "811232-9878",  # day 32
        "070-123 45 67",  # phone number
        "2011-10-11",  # a date
        "Dnr 2012-000123",  # registry number
        "123456789012345",  # just a long number
        "21811218-9876",  # not a century people are born in
    ],
)
def test_other_numbers_are_not(text):
    assert find_identity_numbers(text) == []


def test_leap_day_without_century_is_a_date():
    assert find_identity_numbers("000229-0005") in ([], ["000229-0005"])  # date passes
    assert find_identity_numbers("010229-0008") == []  # only the check digit can fail here


def test_rich_text_keeps_the_subset_and_drops_html():
    html = render("**fet** *kursiv*\n\n1. ett\n2. två\n\n<b>rå</b> [länk](https://kramfors.se)")
    assert "<strong>fet</strong>" in html and "<em>kursiv</em>" in html
    assert "<ol>" in html and "<li>två</li>" in html
    assert "&lt;b&gt;rå&lt;/b&gt;" in html
    assert '<a href="https://kramfors.se" rel="noopener nofollow noreferrer">länk</a>' in html


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='javascript:alert(1)'>x</a>",
        "<svg onload=alert(1)>",
        "![bild](https://x.example/a.png)",
        "<script>alert(1)</script>",
        '**[x](https://ok.example "title") <iframe src="https://x.example">**',
        # htmx acts on attributes: a comment must never carry one.
        '<a href="https://x.example" hx-post="/logout" hx-trigger="load">x</a>',
        '<p hx-on:click="alert(1)" data-hx-get="/admin">x</p>',
    ],
)
def test_rich_text_never_yields_script(text):
    parser = _Elements()
    parser.feed(render(text))
    for tag, attrs in parser.found:
        assert tag in {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code"}, tag
        assert set(attrs) <= {"href", "rel", "start"}, attrs
        if "href" in attrs:
            assert (attrs["href"] or "").startswith(("https://", "http://", "mailto:")), attrs


def test_clean_drops_control_characters_and_keeps_text():
    assert clean("  Hej\x00 du\x07\r\nnästa rad 👍  ") == "Hej du\nnästa rad 👍"
    assert clean(None) == ""
