"""The arena's words and code: the copy promises only what the round allows; code answers are highlighted
on the server with classes the model cannot choose."""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from contest.render import TOKEN_CLASSES, render_answer
from contest.reveal import revealed_name, revealed_side
from tests.builders import make_round


class Tags(HTMLParser):
    """The real elements of an HTML fragment, with their attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_prepared_questions_round_promises_no_own_questions_or_follow_ups(client, demo, login, db):
    from tests.builders import make_user

    login.as_user(make_user(db, "시민"))
    for path in ("/", "/arena"):
        text = text_of(client.get(path).get_data(as_text=True))
        assert "준비된 질문 가운데 하나를 골라 대결합니다" in text, path
        assert "직접 질문을 쓰거나" not in text and "질문을 직접 쓰거나" not in text, path
        assert "질문을 입력하면" not in text, path
        assert "이어서 하는 질문은 받지 않습니다" in text or "이어서 하는 질문은 받지" in text, path
    english = text_of(client.get("/?lang=en").get_data(as_text=True))
    assert "Write a question" not in english and "Ask a question" not in english and "pick one of the prepared questions" in english


def test_a_free_round_says_how_many_follow_ups_it_takes(client, login, db, app):
    from tests.builders import make_user

    round_ = make_round(db, "r-free", models=2, free_prompts=True)
    for rm in round_.roster:
        rm.model.backend = {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    login.as_user(make_user(db, "시민"))
    app.config["MAX_TURNS"] = 3
    for path in ("/", "/arena"):
        text = text_of(client.get(path).get_data(as_text=True))
        assert "직접 질문을 쓸 수 있고, 한 대결에서 2번까지 이어서 질문할 수 있습니다" in text, path
    app.config["MAX_TURNS"] = 1
    text = text_of(client.get("/arena").get_data(as_text=True))
    assert "직접 질문을 쓸 수 있습니다. 이어서 하는 질문은 받지 않습니다" in text


def test_code_is_highlighted_and_only_the_highlighter_chooses_classes():
    html = render_answer("```python\ndef f(x):\n    return '<b>'  # note\n```\n\n"
                         "```\nplain <i>text</i>\n```\n\n```no-such-language\nx = 1\n```")
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert '<span class="s1">' in html and '<span class="c1"># note</span>' in html
    assert "&lt;b&gt;" in html and "plain &lt;i&gt;text&lt;/i&gt;" in html and "<i>" not in html
    classes = set(re.findall(r'class="([^"]*)"', html))
    assert classes and classes <= TOKEN_CLASSES  # no "language-..." from the fence, nothing else
    # Raw HTML stays off: a model cannot bring its own classes, styles or spans.
    hostile = render_answer('<span class="k" style="color:red">x</span> `<span class="nf">y</span>`')
    tags = Tags()
    tags.feed(hostile)
    assert ("span", [("class", "k")]) not in tags.found and all(tag in ("p", "code") for tag, _ in tags.found)


def test_one_function_names_a_revealed_model():
    assert revealed_name("EXAONE", "demo-1") == "EXAONE demo-1" and revealed_name("HyperCLOVA", "") == "HyperCLOVA"
    assert revealed_side("A", "2", "엘지", "LG", "en") == {"name": "A 2", "team": "LG"}
    assert revealed_side("A", "2", "엘지", "LG", "ko") == {"name": "A 2", "team": "엘지"}


def test_only_common_languages_are_highlighted_so_a_crafted_block_costs_little():
    """Some of Pygments' lexers take seconds on a few thousand crafted characters (autoit: 8 s on 8,000);
    a shared battle page is public, so only common languages are highlighted, and short blocks only."""
    from contest.render import MAX_HIGHLIGHTED_CHARS, render_answer

    crafted = render_answer("```autoit\n" + "#cs " * 2000 + "\n```")
    assert 'class="' not in crafted  # shown plain
    assert 'class="' in render_answer("```python\ndef f():\n    return 1\n```")
    assert 'class="' not in render_answer("```python\n" + "x = 1\n" * (MAX_HIGHLIGHTED_CHARS // 6 + 1) + "```")
