"""Comments in a small Markdown subset, rendered to HTML that cannot run script."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# "zero" turns every rule off; these are the only ones a comment may use. Raw HTML stays
# off, so "<script>" is shown as text.
_markdown = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
    ["emphasis", "list", "link", "newline", "escape", "backticks"]
)

_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code"}
# "*": no attribute on every tag (ammonia would allow title and lang).
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "ol": {"start"}, "*": set()}


def render(text: str) -> Markup:
    """HTML for a comment: the Markdown subset, then sanitised; links get rel=noopener."""
    html = _markdown.render(text)
    return Markup(
        nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow noreferrer",
        )
    )
