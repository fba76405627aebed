"""Role × route matrix: every registered route, every role, the specified status.

How to add a row (every new route needs one, or `test_every_route_has_a_row` fails):
    ("METHOD", "/rule/as/<in>/url_map"): expect(anonymous, citizen, other_citizen, moderator, ministry,
                                                json=..., data=..., query=...)
Path parameters are filled from `context()`: `battle_id` is a ready battle owned by `citizen`
(so `other_citizen` is a stranger to it), `provider` is the local OIDC provider. Logged-in
clients send the CSRF token by themselves (tests/clients.py). Each row runs on a fresh app with
the demo contest seeded; the roles run in the order anonymous, citizen, other_citizen,
moderator, ministry.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.db import utcnow
from app.models import Notice
from contest.demo import DATA as DEMO_DATA
from tests.builders import make_battle, make_user

SMALL_BANK = Path(__file__).resolve().parent / "contest" / "data" / "bank_small.jsonl"
ROLES = ("anonymous", "citizen", "other_citizen", "moderator", "ministry")


def expect(anonymous: int, citizen: int, other_citizen: int, moderator: int, ministry: int, **request) -> dict:
    """One row: the status per role, and optionally the request's json / data / query."""
    return {"status": dict(zip(ROLES, (anonymous, citizen, other_citizen, moderator, ministry))), **request}


def everyone(status: int, **request) -> dict:
    return expect(status, status, status, status, status, **request)


def logged_in(status: int, anonymous: int = 401, **request) -> dict:
    return expect(anonymous, status, status, status, status, **request)


def only_ministry(status: int = 200, **request) -> dict:
    return expect(401, 403, 403, 403, status, **request)


def owner_only(status: int, stranger: int = 404, **request) -> dict:
    return expect(401, status, stranger, stranger, stranger, **request)


def console_page() -> dict:
    """A ministry console page: anonymous is sent to log in (302), other roles get the 403 page."""
    return expect(302, 403, 403, 403, 200)


PANEL_DESIGN = {"strata": {"age": ["young", "old"]}, "margins": {"age": {"young": 0.4, "old": 0.6}},
                "targets": {"age": {"young": 10, "old": 10}}}

MATRIX: dict[tuple[str, str], dict] = {
    # shell
    ("GET", "/"): everyone(200),
    ("GET", "/healthz"): everyone(200),
    ("GET", "/readyz"): everyone(200),
    ("GET", "/metrics"): everyone(404),  # off unless ARENA_METRICS_TOKEN is set (tests/app/test_contract_auth_metrics.py)
    ("GET", "/api/openapi.json"): everyone(200),
    ("GET", "/static/<path:filename>"): everyone(200),
    # identity
    ("GET", "/login"): everyone(200),
    ("GET", "/auth/login/<provider>"): everyone(302),
    ("GET", "/auth/callback/<provider>"): everyone(400),  # no login under way: state is missing
    ("POST", "/auth/logout"): everyone(204),  # a program (no Accept: text/html) gets 204; a browser form 303
    ("GET", "/api/me"): logged_in(200),
    # every role asks for the same new name: the first account gets it, the others are told it is taken
    ("PATCH", "/api/me"): expect(401, 200, 422, 422, 422, json={"display_name": "바뀐 별명"}),
    ("GET", "/account"): logged_in(200),
    ("POST", "/account"): expect(401, 303, 422, 422, 422, data={"display_name": "바뀐 별명"}),
    # consent before the account (app/signup.py): no login under way, so nothing to agree to (400 for everyone;
    # an anonymous POST is refused by its own CSRF check first)
    ("GET", "/auth/consent"): everyone(400),
    ("POST", "/auth/consent"): everyone(400, data={"privacy": "yes", "terms": "yes", "age_14": "yes"}),
    # the citizen's rights (app/rights_routes.py); staff accounts cannot delete themselves (409)
    ("GET", "/api/me/data"): logged_in(200),
    ("GET", "/account/data"): logged_in(200),
    ("DELETE", "/api/me"): expect(401, 200, 200, 409, 409),
    ("POST", "/account/delete"): expect(401, 200, 200, 409, 409, data={"confirm": "yes"}),
    ("GET", "/api/me/consents"): logged_in(200),
    ("PATCH", "/api/me/consents"): logged_in(200, json={"release": True}),
    ("POST", "/account/consents"): logged_in(303, data={"release": "yes"}),
    # public pages and notices (contest/public_pages.py, contest/notice_routes.py); notice 1 is seeded below
    ("GET", "/privacy"): everyone(200),
    ("GET", "/terms"): everyone(200),
    ("GET", "/rules"): everyone(200),
    ("GET", "/contact"): everyone(200),
    ("GET", "/schedule"): everyone(200),
    ("GET", "/notices"): everyone(200),
    ("GET", "/notices/<int:notice_id>"): everyone(200),
    ("GET", "/api/notices"): everyone(200),
    ("GET", "/api/notices/<int:notice_id>"): everyone(200),
    ("GET", "/api/admin/notices"): only_ministry(200),
    ("POST", "/api/admin/notices"): only_ministry(201, json={"title_ko": "점검 안내", "title_en": "Maintenance",
                                                             "body_ko": "12월 1일 새벽 점검합니다."}),
    ("PATCH", "/api/admin/notices/<int:notice_id>"): only_ministry(200, json={"published": False}),
    ("GET", "/admin/notices"): console_page(),
    # contest
    ("GET", "/api/rounds/current"): everyone(200),
    ("GET", "/api/prompts"): everyone(200),
    ("GET", "/arena"): everyone(200),
    ("GET", "/arena/b/<battle_id>"): expect(200, 200, 404, 404, 404),  # anonymous: the page asks to log in
    ("POST", "/api/battles"): logged_in(201, json={"category": "daily"}),
    # the demo round is bank-only: the owner passes every check and learns follow-ups are unavailable
    ("POST", "/api/battles/<battle_id>/turns"): owner_only(422, json={"prompt": "조금 더 자세히 설명해 주세요."}),
    ("GET", "/api/admin/contest/exposure"): only_ministry(200),
    # rounds and their protocol (contest/admin_rounds.py); `round_id` is the demo round, open
    ("GET", "/api/rounds"): everyone(200),
    ("GET", "/api/rounds/<round_id>/protocols"): everyone(200),
    ("GET", "/api/admin/rounds"): only_ministry(200),
    ("POST", "/api/admin/rounds"): only_ministry(201, json={
        "id": "r-matrix", "title": "행렬 점검 회차", "opens_at": "2026-12-01T00:00:00Z",
        "closes_at": "2027-01-01T00:00:00+09:00", "categories": ["daily"], "roster": ["exaone-demo", "ax-demo"]}),
    ("GET", "/api/admin/rounds/<round_id>"): only_ministry(200),
    ("PATCH", "/api/admin/rounds/<round_id>"): only_ministry(200, json={"title": "새 제목"}),
    ("POST", "/api/admin/rounds/<round_id>/open"): only_ministry(409),  # already open: a wrong transition
    ("POST", "/api/admin/rounds/<round_id>/close"): only_ministry(200),
    ("POST", "/api/admin/rounds/<round_id>/protocol"): only_ministry(201, json={
        "reason": "부트스트랩 반복 수 정정", "protocol": {"bootstrap_rounds": 2000}}),
    # ministry console: catalogue (contest/admin_catalog.py; files sent from disk, opened afresh per request)
    ("GET", "/api/admin/teams"): only_ministry(200),
    ("POST", "/api/admin/teams"): only_ministry(201, json={"slug": "matrix-team", "name_ko": "행렬 팀",
                                                           "name_en": "Matrix team"}),
    # the demo round is open: its entrants' teams keep their names (team_in_round), their answers stay
    # (answers_frozen) until it is published
    ("PATCH", "/api/admin/teams/<team_slug>"): only_ministry(409, json={"name_en": "LG AI Research (renamed)"}),
    ("GET", "/api/admin/models"): only_ministry(200),
    ("POST", "/api/admin/models"): only_ministry(201, json={"slug": "matrix-model", "team": "lg", "version": "1",
                                                            "display_name": "행렬 모델", "backend": {"kind": "bank"}}),
    ("PATCH", "/api/admin/models/<model_slug>"): only_ministry(200, json={"active": False}),
    ("POST", "/api/admin/prompts"): only_ministry(200, data={"file": (str(DEMO_DATA / "prompts.jsonl"), "p.jsonl")}),
    ("POST", "/api/admin/bank"): only_ministry(409, data={"file": (str(SMALL_BANK), "bank.jsonl")}),
    ("GET", "/api/admin/roles"): only_ministry(200),
    ("POST", "/api/admin/roles"): only_ministry(200, json={"user": "1", "role": "moderator", "grant": True}),
    ("GET", "/api/admin/audit"): only_ministry(200),
    # voting
    ("POST", "/api/battles/<battle_id>/vote"): owner_only(200, json={"winner": "a"}),
    # sharing (voting/share_routes.py): the battle here is not voted yet, so even its owner cannot share it
    ("POST", "/api/battles/<battle_id>/share"): owner_only(409),
    ("DELETE", "/api/battles/<battle_id>/share"): owner_only(204),
    ("GET", "/s/<token>"): everyone(404),  # an unknown or revoked link (tests/voting/test_shares.py opens real ones)
    ("GET", "/api/leaderboard"): everyone(200),
    ("GET", "/api/leaderboard/matrix"): everyone(200),
    ("GET", "/leaderboard"): everyone(200),
    # snapshots and the public release (voting/snapshot_routes.py); no route changes a snapshot
    # the demo round already has a snapshot (set up below): the new one supersedes it
    ("POST", "/api/admin/snapshots"): only_ministry(201, json={"round": "demo-2026h2"}),
    ("GET", "/api/snapshots"): everyone(200),
    ("GET", "/api/snapshots/<snapshot_id>"): everyone(200),
    ("GET", "/api/snapshots/<snapshot_id>/votes"): everyone(200),
    ("GET", "/api/snapshots/<snapshot_id>/log"): everyone(200),
    ("GET", "/api/snapshots/<snapshot_id>/conversations"): everyone(409),  # its round still runs
    ("GET", "/api/snapshots/<snapshot_id>/board.csv"): everyone(200),
    ("GET", "/api/leaderboard.csv"): everyone(200),
    # vote log (issue 9)
    ("GET", "/api/log/roots"): everyone(200),
    # pages: the ministry's console and the public publications (helper F)
    ("GET", "/admin"): console_page(),
    ("GET", "/admin/teams"): console_page(),
    ("GET", "/admin/models"): console_page(),
    ("GET", "/admin/rounds"): console_page(),
    ("GET", "/admin/rounds/<round_id>"): console_page(),
    ("GET", "/admin/uploads"): console_page(),
    ("GET", "/admin/roles"): console_page(),
    ("GET", "/admin/audit"): console_page(),
    ("GET", "/snapshots"): everyone(200),
    ("GET", "/snapshots/<snapshot_id>"): everyone(200),
    ("GET", "/methodology"): everyone(200),
    # the identity lexicon's versions (anti_abuse/lexicon_routes.py)
    ("GET", "/api/admin/lexicons"): only_ministry(200),
    ("GET", "/api/admin/lexicons/<int:version>"): only_ministry(200),
    ("POST", "/api/admin/lexicons"): only_ministry(201, json={"names": ["새모델", "NewModel"], "note": "추가 공모"}),
    ("POST", "/api/moderation/scan"): expect(401, 403, 403, 200, 200),
    # moderation (issue 10): citizens flag their battles and appeal their votes; moderators or the ministry act
    ("POST", "/api/flags"): logged_in(404, json={"battle_id": "no-such-battle", "reason": "harmful"}),
    ("GET", "/api/me/votes"): logged_in(200),
    ("POST", "/api/me/appeals"): logged_in(404, json={"vote_id": "no-such-vote"}),
    ("GET", "/api/moderation/queue"): expect(401, 403, 403, 200, 200),
    # a restore of an account without moderated votes changes nothing, and is still recorded
    ("POST", "/api/moderation/actions"): expect(401, 403, 403, 200, 200, json={
        "action": "restore_votes", "target": {"user_id": 1}, "reason": "행렬 점검"}),
    ("GET", "/api/moderation/audit"): expect(401, 403, 403, 200, 200),
    # the moderators' pages: anonymous is sent to log in (302), citizens get the 403 page
    ("GET", "/moderation"): expect(302, 403, 403, 200, 200),
    ("GET", "/moderation/audit"): expect(302, 403, 403, 200, 200),
    # the citizen panel (issue 14): the ministry designs it and issues codes; members redeem and work
    ("GET", "/api/admin/panels"): only_ministry(200),
    ("POST", "/api/admin/panels"): only_ministry(201, json={"id": "matrix-panel-2", "round": "demo-2026h2",
                                                            **PANEL_DESIGN}),
    ("GET", "/api/admin/panels/<panel_id>"): only_ministry(200),
    ("POST", "/api/admin/panels/<panel_id>/invitations"): only_ministry(201, json={"count": 1,
                                                                                  "stratum": {"age": "old"}}),
    ("POST", "/api/admin/panels/<panel_id>/invitations/revoke"): only_ministry(404, json={
        "codes": ["0000-0000-0000-0000"]}),
    ("GET", "/api/admin/panels/<panel_id>/report"): only_ministry(200),
    ("GET", "/api/admin/panels/<panel_id>/report.csv"): only_ministry(200),
    ("POST", "/api/panel/redeem"): logged_in(404, json={"code": "0000-0000-0000-0000"}),
    ("GET", "/api/panel/next"): logged_in(404),
    ("POST", "/api/panel/battles"): logged_in(404),
    ("GET", "/panel"): expect(302, 200, 200, 200, 200),
    ("GET", "/api/me/conflicts"): logged_in(200),
    ("PUT", "/api/me/conflicts"): logged_in(200, json={"teams": []}),
    ("GET", "/account/conflicts"): expect(302, 200, 200, 200, 200),
    ("POST", "/account/conflicts"): logged_in(422, data={}),  # neither ties nor "none": asked again
    ("GET", "/admin/panels"): console_page(),
    ("GET", "/admin/panels/<panel_id>"): console_page(),
}

PARAMS = {"filename": "css/app.css", "provider": "local", "round_id": "demo-2026h2", "panel_id": "matrix-panel",
          "team_slug": "lg", "model_slug": "exaone-demo", "version": 3, "token": "no-such-share-token", "notice_id": 1}


def routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def url_for_rule(rule: str, params: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(params[m.group(1)]), rule)


def test_every_route_has_a_row(oidc_app):
    missing = sorted(routes(oidc_app) - set(MATRIX))
    assert not missing, f"add role-matrix rows for: {missing}"
    stale = sorted(set(MATRIX) - routes(oidc_app))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_no_state_change_is_open_to_anonymous():
    """CSRF is only checked for logged-in sessions (app/security.py): that is safe only while this holds."""
    open_to_anonymous = {key for key, row in MATRIX.items()
                         if key[0] in ("POST", "PUT", "PATCH", "DELETE") and row["status"]["anonymous"] != 401}
    # the consent screen is the one step of a login before there is an account: it checks the CSRF token itself
    assert open_to_anonymous == {("POST", "/auth/logout"), ("POST", "/auth/consent")}


def clients_by_role(app, db, login) -> tuple[dict, dict]:
    from contest.demo import seed_demo
    from contest.panels import create_panel
    from contest.queries import current_round
    from voting.snapshots import publish_snapshot

    seed_demo(db, utcnow())
    users = {"citizen": make_user(db, "시민"), "other_citizen": make_user(db, "다른 시민"),
             "moderator": make_user(db, "검토자", roles=("moderator",)),
             "ministry": make_user(db, "부처", roles=("ministry",))}
    battle = make_battle(db, users["citizen"], current_round(db, utcnow()))
    snapshot = publish_snapshot(db, current_round(db, utcnow()), users["ministry"], utcnow(), "test")
    create_panel(db, users["ministry"], {"id": "matrix-panel", "round": "demo-2026h2", **PANEL_DESIGN}, utcnow())
    db.add(Notice(id=1, title_ko="공지", title_en="Notice", body_ko="본문", body_en="Body", posted_by=users["ministry"].id))
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        login.as_user(user, client=clients[role])
    return clients, {**PARAMS, "battle_id": battle.id, "snapshot_id": snapshot.id}


@pytest.mark.parametrize("method,rule", sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)])
def test_role_matrix(oidc_app, db, login, method, rule):
    row = MATRIX[(method, rule)]
    clients, params = clients_by_role(oidc_app, db, login)
    url = url_for_rule(rule, params)
    got = {}
    for role in ROLES:
        resp = clients[role].open(url, method=method, json=row.get("json"), data=row.get("data"),
                                  query_string=row.get("query"))
        got[role] = resp.status_code
        if resp.status_code >= 400 and resp.is_json:
            assert set(resp.get_json()) >= {"error"}, resp.get_json()
        resp.close()
    assert got == row["status"]
