"""The leaderboard page a citizen can trust (issue 12 defects 3, 6 and 9): words where the numbers would
mislead, plain words for the method, Seoul time, the order of the heatmap, the language toggle."""
import re
from datetime import datetime, timedelta, timezone
from html import unescape

from app.db import utcnow
from tests.builders import make_battle, make_round, make_user
from tests.voting.test_leaderboard import board_when, vote_all
from voting import charts
from voting.service import cast_vote


def page(client, url):
    resp = client.get(url)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def table_rows(html):
    """The board table's rows as lists of cell texts."""
    body = html.split('<table class="board-table"', 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows]


def test_below_the_minimum_the_board_shows_too_few_votes_instead_of_numbers(client, login, arena):
    vote_all(client, login, arena)  # four battles per model: far below the protocol's 30
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    html = page(client, "/leaderboard?round=r-vote")
    rows = table_rows(html)
    assert len(rows) == 3
    for cells in rows:
        rank, _model, rating, ci = cells[:4]
        assert " ".join(rank) == " ".join(rating) == " ".join(ci) == "표본 부족"
    assert not re.search(r"\d{3,4} – \d{3,4}", html)  # no interval anywhere, no "1000 – 1000"
    assert 'class="ci-chart' not in html and "점수 그래프는 아직 그리지 않습니다" in html
    assert "아직 어느 모델도 순위를 매길 만큼" in html
    english = page(client, "/leaderboard?round=r-vote&lang=en")
    assert "too few votes" in english and "No model has enough votes to be ranked yet" in english


def ranked_round(db, votes=120):
    """A round of three models whose votes rank them (a mostly beats b, b mostly beats c, with losses)."""
    round_ = make_round(db, "r-ranked", models=3, categories=("daily",))
    voter = make_user(db, "투표자")
    pattern = [(0, 1, "a"), (1, 2, "a"), (0, 2, "a"), (1, 0, "a"), (2, 1, "tie"), (0, 1, "a"), (2, 0, "b"),
               (1, 2, "a"), (2, 1, "a"), (0, 2, "tie")]
    for i in range(votes):
        a, b, winner = pattern[i % len(pattern)]
        battle = make_battle(db, voter, round_, a, b)
        cast_vote(db, battle.id, voter, winner, utcnow())
    db.commit()
    return round_


def test_a_ranked_board_has_a_chart_never_zoomed_to_look_certain(client, db):
    ranked_round(db)
    body = board_when(client, "/api/leaderboard?round=r-ranked", 120)
    assert all(m["rank"] is not None for m in body["models"])
    html = page(client, "/leaderboard?round=r-ranked")
    assert 'class="ci-chart chart-wide"' in html and 'class="ci-chart chart-narrow"' in html
    assert "표본 부족" not in "".join(" ".join(c) for r in table_rows(html) for c in r)
    tight = [{"name": "x", "rank": 1, "rating": 1000.0, "ci": [996.0, 1004.0], "provisional": False},
             {"name": "y", "rank": 1, "rating": 1000.5, "ci": [997.0, 1003.0], "provisional": False}]
    for layout in charts.ci_chart(tight)["layouts"]:
        ticks = [float(t["label"]) for t in layout["ticks"]]
        assert max(ticks) - min(ticks) >= 80  # the axis spans at least 100 points, not 996-1004
        bar = layout["rows"][0]
        assert bar["x_high"] - bar["x_low"] < 0.2 * layout["width"]
    # The first method's provisional rows are below the minimum too: never charted.
    assert charts.ci_chart([{**tight[0], "provisional": True}]) == {"layouts": []}


def test_the_method_is_in_plain_words_and_the_intro_speaks_of_no_brackets(client, login, arena):
    vote_all(client, login, arena)
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    for lang, plain, brackets in (("ko", "무승부와 '둘 다 나쁨'은 두 모델에 반 승씩", "괄호"),
                                  ("en", "A tie, and 'both bad', count as half a win", "Brackets")):
        html = unescape(page(client, f"/leaderboard?round=r-vote&lang={lang}"))
        method = html.split('class="board-method"', 1)[1].split("</details>", 1)[0]
        for raw in ("bradley-terry-mle", "bootstrap_rounds", "provisional_below", "anchored-sandwich-1",
                    "<dt>ties</dt>", "normalisation"):
            assert raw not in html
        assert plain in method and brackets not in html


def test_times_are_seoul_time_with_the_zone_named(client, login, arena):
    vote_all(client, login, arena)
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    for lang, zone in (("ko", "(한국 표준시, KST)"), ("en", "KST (Korea Standard Time)")):
        html = page(client, f"/leaderboard?round=r-vote&lang={lang}")
        stamp, shown = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', html).groups()
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        seoul = moment.astimezone(timezone(timedelta(hours=9)))
        assert shown == f"{seoul:%Y-%m-%d %H:%M:%S} {zone}"
        assert "UTC" not in shown


def test_the_page_explains_score_interval_and_shared_rank(client, login, arena):
    vote_all(client, login, arena)
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    html = page(client, "/leaderboard?round=r-vote")
    howto = html.split('id="board-howto"', 1)[1].split("</section>", 1)[0]
    for words in ("점수는 시민 투표의 승패로", "약 64%의 확률로", "95% 신뢰구간", "공동 순위", "표본 부족",
                  'href="/methodology"'):
        assert words in howto


def test_the_heatmap_follows_the_tables_rank_order(client, db):
    ranked_round(db)
    board_when(client, "/api/leaderboard?round=r-ranked", 120)
    html = page(client, "/leaderboard?round=r-ranked")
    table_order = [" ".join(cells[1]) for cells in table_rows(html)]
    legend = re.findall(r"<li>([^<]+)</li>", html.split('class="heatmap-legend"', 1)[1].split("</ol>", 1)[0])
    wide = html.split('class="heatmap chart-wide"', 1)[1].split("</svg>", 1)[0]
    rows = re.findall(r'text-anchor="end" font-size="12" font-weight="600" fill="#1b1f24">([^<]+)</text>', wide)
    names = [name.rsplit(" ", 1)[0] for name in legend]  # the legend names the model, the table adds its team
    assert [t[:len(n)] for t, n in zip(table_order, names)] == names
    assert rows == [f"{i + 1}. {name}" for i, name in enumerate(legend)]  # whole names, numbered, rank order
    assert table_order[0].startswith("Model 0")  # the pattern makes model 0 the strongest, not the roster's order
    assert "…" not in wide


def test_the_language_toggle_keeps_the_filters_and_the_round_title_is_english(client, login, arena, db):
    arena["round"].title_en = "First public round"
    db.commit()
    html = page(client, "/leaderboard?round=r-vote&category=daily&prompt_lang=ko")
    toggle = re.search(r'<a href="([^"]+)" lang="en">', html).group(1)
    assert unescape(toggle) == "/leaderboard?round=r-vote&category=daily&prompt_lang=ko&lang=en"
    english = page(client, unescape(toggle))
    assert "First public round" in english and "round r-vote" not in english.split("<main", 1)[1]
    assert 'value="daily" selected' in english and 'value="ko" selected' in english
    back = re.search(r'<a href="([^"]+)" lang="ko">', english).group(1)
    assert unescape(back) == "/leaderboard?round=r-vote&category=daily&prompt_lang=ko&lang=ko"
    assert "round r-vote" in page(client, "/leaderboard?round=r-vote&lang=ko")  # Korean keeps the Korean title


def test_a_round_without_an_english_title_shows_its_own(client, arena):
    assert "round r-vote" in page(client, "/leaderboard?round=r-vote&lang=en")


def test_the_ministry_sets_and_clears_the_english_title(client, login, db):
    from tests.builders import make_user as user_with

    ministry = user_with(db, "부처", roles=("ministry",))
    login.as_user(ministry)
    body = {"id": "r-titled", "title": "제목", "title_en": "Title", "opens_at": "2030-01-01T00:00:00Z",
            "closes_at": "2030-02-01T00:00:00Z", "categories": ["daily"]}
    created = client.post("/api/admin/rounds", json=body)
    assert created.status_code == 201 and created.get_json()["title_en"] == "Title"
    cleared = client.patch("/api/admin/rounds/r-titled", json={"title_en": ""})
    assert cleared.status_code == 200 and cleared.get_json()["title_en"] is None
    bad = client.patch("/api/admin/rounds/r-titled", json={"title_en": "x" * 201})
    assert bad.status_code == 422
