"""Answers render as sanitised Markdown; domain modules import nothing from Flask."""
from __future__ import annotations

import ast
from html.parser import HTMLParser
from pathlib import Path

from contest.render import render_answer

class Elements(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


PURE = ["sampling.py", "balance.py", "service.py", "streaming.py", "backends.py", "turns.py", "render.py", "reports.py",
        "catalog.py", "catalog_uploads.py", "staff.py", "rounds.py", "round_terms.py", "protocol.py"]


def test_markdown_renders_and_script_styling_and_images_are_removed():
    html = render_answer("# 제목\n\n**굵게** `code`\n\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n\n"
                         "[링크](https://example.org) [나쁜](javascript:alert(1)) ![사진](https://t.example/x.png)\n\n"
                         '<p style="color:red" onclick="x()">html</p>')
    assert "<h1>제목</h1>" in html and "<strong>굵게</strong>" in html and "<code>code</code>" in html
    elements = Elements()
    elements.feed(html)
    assert {tag for tag, _ in elements.found} <= {"h1", "p", "strong", "code", "a"}
    attributes = {name: value for _, attrs in elements.found for name, value in attrs}
    assert set(attributes) == {"href", "rel"} and attributes["href"] == "https://example.org"
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_domain_modules_import_nothing_from_flask():
    root = Path(__file__).resolve().parents[2] / "contest"
    for name in PURE:
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("flask"), f"{name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("flask") for a in node.names), name
