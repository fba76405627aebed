"""Model answers as safe HTML: Markdown with raw HTML off, code highlighted by Pygments, then an allow-list sanitiser."""
from __future__ import annotations

from html import escape

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Pygments' short token classes ("k", "s2", "c1"...): the only classes an answer may carry, and only on spans.
TOKEN_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c)
_formatter = HtmlFormatter(nowrap=True)
MAX_HIGHLIGHTED_CHARS = 8_000  # a longer block is shown plain (highlighting is for reading, not a cost to pay)
# The languages highlighted: common ones whose lexers stay linear on hostile input (some of Pygments' ~600
# lexers take seconds on a few thousand crafted characters, and a shared battle page is public).
HIGHLIGHTED = frozenset({
    "python", "py", "javascript", "js", "typescript", "ts", "java", "c", "cpp", "c++", "csharp", "c#", "go",
    "rust", "kotlin", "swift", "ruby", "php", "sql", "bash", "sh", "shell", "json", "yaml", "yml", "toml",
    "html", "css", "xml", "markdown", "md", "r", "scala", "dart", "lua", "diff", "ini",
})


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Highlighted spans for a fenced block in a common language; plain escaped text otherwise."""
    name = (lang or "").strip().split(" ")[0].lower()
    if name in HIGHLIGHTED and len(code) <= MAX_HIGHLIGHTED_CHARS:
        try:
            lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
        except ClassNotFound:
            lexer = None
        if lexer is not None:
            return highlight(code, lexer, _formatter)
    return escape(code, quote=False)


# "js-default" is markdown-it's safe preset (html off, dangerous link schemes refused).
_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False, "highlight": _highlight})

# No images (they would load third-party URLs), no styling, no ids; classes only from the highlighter.
ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_CLASSES = {"span": TOKEN_CLASSES}


def render_answer(text: str) -> str:
    """Sanitised HTML for one answer; safe to assign to innerHTML."""
    html = _markdown.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow ugc")
