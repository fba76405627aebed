"""Leaderboard API, matrix and page (embedded default: in-process stream and worker thread)."""
import json
import time

import pytest


def vote_all(client, login, arena, winners=("a", "a", "b", "tie", "a", "bothbad")):
    login.as_user(arena["user"])
    for battle, winner in zip(arena["battles"], winners):
        assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": winner}).status_code == 200


def board_when(client, url, votes, timeout=15.0):
    """The board once the in-process worker has applied `votes` votes."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).get_json()
        if body["votes"] == votes or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_leaderboard_reflects_the_votes(client, login, arena):
    vote_all(client, login, arena)
    body = board_when(client, "/api/leaderboard?round=r-vote&lang=en", 6)
    assert body["votes"] == 6 and body["round"] == "r-vote" and body["method"] == "bradley-terry-mle"
    assert body["params"]["bootstrap_rounds"] == 1000
    models = body["models"]
    assert len(models) == 3 and sum(m["battles"] for m in models) == 12
    # Four battles each, below the protocol's 30: too few votes to rank, none of them anchors the others.
    assert body["rating_method"] == "anchored-sandwich-1" and body["components"] == [] and body["warnings"] == []
    for m in models:
        assert m["ci"][0] <= m["rating"] <= m["ci"][1] and m["provisional"] is True
        assert m["rank"] is None and m["status"] == "too_few_votes" and m["component"] is None
        assert m["team"].startswith("Team ")


def test_category_filter_and_matrix(client, login, arena):
    vote_all(client, login, arena)
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    assert client.get("/api/leaderboard?round=r-vote&category=coding").get_json()["votes"] == 0
    assert client.get("/api/leaderboard?round=r-vote&category=daily").get_json()["votes"] == 6
    m = client.get("/api/leaderboard/matrix?round=r-vote").get_json()
    battles = m["battles"]
    assert all(battles[i][j] == battles[j][i] for i in range(3) for j in range(3))
    assert sum(map(sum, battles)) == 12
    assert all(m["win_rate"][i][j] + m["win_rate"][j][i] == pytest.approx(1)
               for i in range(3) for j in range(3) if battles[i][j])


@pytest.mark.parametrize("query, status, code", [
    ("round=nope", 404, "unknown_round"), ("round=" + "x" * 500, 404, "unknown_round"),
    ("round=r-vote&category=sports", 422, "unknown_category"),
])
def test_bad_board_queries(client, arena, query, status, code):
    for path in ("/api/leaderboard", "/api/leaderboard/matrix"):
        resp = client.get(f"{path}?{query}")
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code)


def test_no_open_round_is_a_404(client):
    resp = client.get("/api/leaderboard")
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "no_open_round")


def test_page_has_table_charts_and_live_script(client, login, arena):
    vote_all(client, login, arena)
    board_when(client, "/api/leaderboard?round=r-vote", 6)
    html = client.get("/leaderboard?round=r-vote").get_data(as_text=True)
    assert "순위표" in html and "<table" in html and 'class="heatmap chart-wide"' in html
    assert 'class="ci-chart' not in html and "표본 부족" in html  # four battles each: below the minimum, no chart
    assert 'role="img"' in html and "js/leaderboard.js" in html and "style=" not in html
    assert "Model 0 1" in html
    english = client.get("/leaderboard?round=r-vote&lang=en").get_data(as_text=True)
    assert "Leaderboard" in english and "Win rate" in english


def test_ratings_compute_reads_arena_format_and_reports_bad_lines(runner, tmp_path):
    lines = [{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 30 + \
            [{"model_a": "y", "model_b": "z", "winner": "tie (bothbad)"}] * 10 + \
            [{"model_a": "z", "model_b": "x", "winner": "model_b"}] * 5
    path = tmp_path / "battles.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n" +
                    json.dumps({"model_a": "x", "model_b": "x", "winner": "tie"}) + "\n", encoding="utf-8")
    result = runner.invoke(args=["ratings", "compute", str(path), "--rounds", "200"])
    assert result.exit_code == 0, result.output
    assert "line 46: not JSON" in result.stderr and "line 47: model_a and model_b are the same" in result.stderr
    out = json.loads(result.stdout)
    # x never lost and y never won: neither can be ranked (the anchored method), so no model is ranked first.
    assert sorted(m["name"] for m in out["models"]) == ["x", "y", "z"] and out["votes"] == 45
    assert out["skipped_lines"] == 2 and all(m["rank"] is None for m in out["models"])
    assert set(out["models"][0]) >= {"name", "rating", "ci", "rank", "battles", "win_rate"}
    strict = runner.invoke(args=["ratings", "compute", str(path), "--strict"])
    assert strict.exit_code != 0


def test_ratings_rebuild_replays_sql(runner, client, login, arena):
    vote_all(client, login, arena)
    result = runner.invoke(args=["ratings", "rebuild"])
    assert result.exit_code == 0 and "6 votes" in result.output


def test_ratings_compute_reports_a_non_utf8_line_by_number_and_accepts_a_bom(runner, tmp_path):
    good = json.dumps({"model_a": "x", "model_b": "y", "winner": "model_a"}).encode()
    path = tmp_path / "battles.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + good.replace(b'"x"', b'"\xff"') + b"\n" + good + b"\n")
    result = runner.invoke(args=["ratings", "compute", str(path), "--rounds", "10"])
    assert result.exit_code == 0, result.output
    assert "line 2: not UTF-8" in result.stderr and "line 1" not in result.stderr
    out = json.loads(result.stdout)
    assert (out["votes"], out["skipped_lines"]) == (2, 1)
