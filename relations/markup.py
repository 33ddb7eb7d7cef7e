"""Markdown written by editors, turned into HTML that is safe to show readers.

Sanitiser policy, in one place: markdown-it-py parses CommonMark (plus tables and
strikethrough) with raw HTML switched off, so an editor's ``<script>`` is shown as
text; nh3 then keeps only the tags and attributes below, and only ``http``,
``https`` and ``mailto`` links. External links open in the same tab and carry
``rel="noopener noreferrer"``. The result is cached per text (the text is the key,
so an edit makes a new entry and stale HTML is never served).
"""

from functools import lru_cache
from html import unescape

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _shift_headings(html):
    """Editors' headings sit under the page's own h1: '# x' becomes h2, '## x' h3."""
    for level in range(6, 0, -1):
        target = min(level + 1, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return html


@lru_cache(maxsize=2048)
def _render(text):
    html = _shift_headings(_parser.render(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text):
    """Sanitised HTML for ``text`` (Markdown), marked safe for templates."""
    if not text:
        return mark_safe("")
    return mark_safe(_render(text))  # noqa: S308 - sanitised by nh3 above


def plain_text(text, limit=None):
    """The words of a Markdown text without markup or entities (to be escaped where used), e.g. for meta tags."""
    words = " ".join(unescape(strip_tags(render_markdown(text))).split())
    if limit and len(words) > limit:
        words = words[: limit - 1].rsplit(" ", 1)[0] + "…"
    return words
