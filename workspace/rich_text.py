"""Comments in a small Markdown subset, rendered to HTML that cannot run script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup


@dataclass(frozen=True)
class Marked:
    """A piece of a comment's text shown as a mention (`<span class="mention">`)."""

    label: str


# Splits one run of plain text into text and mentions; given per render (see `render`).
Marker = Callable[[str], list[str | Marked]]


def _mark_mentions(state: StateCore) -> None:
    """Replace plain text that the render's marker calls a mention by a mention token.
    Only plain text: code spans and link addresses are left as they are."""
    marker: Marker | None = state.env.get("marker")
    if marker is None:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for child in block.children:
            pieces = marker(child.content) if child.type == "text" else [child.content]
            if child.type != "text" or all(isinstance(p, str) for p in pieces):
                children.append(child)
                continue
            for piece in pieces:
                token = Token("mention" if isinstance(piece, Marked) else "text", "", 0)
                token.content = piece.label if isinstance(piece, Marked) else piece
                children.append(token)
        block.children = children


def _render_mention(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return f'<span class="mention">{escapeHtml(tokens[idx].content)}</span>'


# "zero" turns every rule off; these are the only ones a comment may use. Raw HTML stays
# off, so "<script>" is shown as text.
_markdown = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
    ["emphasis", "list", "link", "newline", "escape", "backticks"]
)
_markdown.core.ruler.push("mentions", _mark_mentions)
_markdown.add_render_rule("mention", _render_mention)

_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "span"}
# "*": no attribute on every tag (ammonia would allow title and lang).
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "ol": {"start"}, "*": set()}
# The one class a comment's HTML may carry: the mark the mention rule puts on a mention.
_ALLOWED_CLASSES = {"span": {"mention"}}


def render(text: str, marker: Marker | None = None) -> Markup:
    """HTML for a comment: the Markdown subset, then sanitised; links get rel=noopener.
    `marker`, if given, says which pieces of plain text are mentions."""
    html = _markdown.render(text, {"marker": marker})
    return Markup(
        nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            allowed_classes=_ALLOWED_CLASSES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow noreferrer",
        )
    )


def plain_runs(text: str) -> list[str]:
    """The runs of plain text a comment shows, without code spans or link addresses: where
    a mention may be."""
    return [
        child.content
        for block in _markdown.parse(text)
        if block.type == "inline" and block.children
        for child in block.children
        if child.type == "text"
    ]
