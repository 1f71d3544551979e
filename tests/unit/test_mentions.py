"""Finding mentions in a comment's text, and marking them in its HTML."""

from __future__ import annotations

import pytest

from workspace.rich_text import Marked, render
from workspace.services.mentions import find_mentions, mention_pattern, mentions_in, quote

CODES = ["ION", "Alkoholhandläggare", "Miljö- och hälsoskydd", "SBN"]
PATTERN = mention_pattern(CODES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kan @ION svara?", {("code", "ion")}),
        ("@ion och @SBN.", {("code", "ion"), ("code", "sbn")}),
        ("Fråga @alkoholhandläggare!", {("code", "alkoholhandläggare")}),
        ("@Miljö- och hälsoskydd vet", {("code", "miljö- och hälsoskydd")}),
        ("Hör med @Anna.Berg@kramfors.se.", {("email", "anna.berg@kramfors.se")}),
        ("(@anna_berg@kramfors.se)", {("email", "anna_berg@kramfors.se")}),
        # An address written plainly mentions nobody, nor does a code glued to a word.
        ("Mejla anna@kramfors.se", set()),
        ("@IONS och x@ION och @SBNx", set()),
        ("@Okänd kod", set()),
        # Code and links' addresses are not text the comment says.
        ("`@ION` och [länk](https://x.se/@ION)", set()),
        ("[fråga @ION](https://x.se)", {("code", "ion")}),
    ],
)
def test_what_a_text_mentions(text, expected):
    assert mentions_in(text, PATTERN) == expected


def test_a_mention_knows_where_it_is():
    (mention,) = find_mentions("Hej @ION!", PATTERN)
    assert (mention.start, mention.end, mention.code, mention.email) == (4, 8, "ion", None)


def test_without_codes_only_addresses_are_mentions():
    pattern = mention_pattern([])
    assert mentions_in("@ION @a@b.se", pattern) == {("email", "a@b.se")}


def marking(text: str) -> list[str | Marked]:
    pieces: list[str | Marked] = []
    last = 0
    for mention in find_mentions(text, PATTERN):
        pieces += [text[last : mention.start], Marked(text[mention.start : mention.end])]
        last = mention.end
    return [*pieces, text[last:]]


def test_a_mention_is_marked_in_the_html_and_the_rest_stays_markdown():
    html = render("**Viktigt:** @ION, se `@ION`.", marking)
    assert html == (
        '<p><strong>Viktigt:</strong> <span class="mention">@ION</span>, '
        "se <code>@ION</code>.</p>\n"
    )


def test_a_mention_cannot_inject_html():
    def hostile(text: str) -> list[str | Marked]:
        return [Marked('<script>alert(1)</script><span class="x" onclick="y">')]

    html = render("@ION", hostile)
    # The label is text: one element, the mark itself, and the rest shown as written.
    assert "<script" not in html and html.count("<span") == 1
    assert '&lt;span class="x" onclick="y"&gt;' in html


def test_a_comment_cannot_make_its_own_mention_mark():
    html = render('<span class="mention">@ION</span> [x](javascript:alert(1))')
    assert '<span class="mention">' not in html
    assert "href" not in html


def test_a_quote_is_one_line_cut_at_a_word():
    assert quote("Rad ett\n\nrad   två") == "Rad ett rad två"
    long = "ord " * 100
    shortened = quote(long)
    assert len(shortened) <= 301 and shortened.endswith("ord…")
