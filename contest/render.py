"""Model answers as safe HTML: Markdown with raw HTML off, then an allow-list sanitiser."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# "js-default" is markdown-it's safe preset (html off, dangerous link schemes refused).
_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})

# No images (they would load third-party URLs), no styling, no ids or classes from the model.
ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_answer(text: str) -> str:
    """Sanitised HTML for one answer; safe to assign to innerHTML."""
    html = _markdown.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow ugc")
