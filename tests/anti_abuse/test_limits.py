"""Layered rate limits against the real Redis, the in-memory fallback, proxy hops and the headers."""
from __future__ import annotations

import signal

import pytest
import redis as redis_lib

from app.limiter import limiter
from app.metrics import LIMITER_FALLBACK
from tests.anti_abuse.servers import probe
from tests.builders import make_battle, make_round, make_test_app, make_user


def vote(client, battle="b1", addr="10.0.0.1", **kw):
    return client.post(f"/_probe/battles/{battle}/vote", environ_base={"REMOTE_ADDR": addr}, **kw)


def logged_in_client(app, db, login, name="시민"):
    client = app.test_client()
    login.as_user(make_user(db, name=name), client=client)
    return client


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    return request.getfixturevalue("redis_url") if request.param == "redis" else ""


def test_n_plus_one_votes_get_429_with_retry_after(sqlite_url, storage, db, login, caplog, probe_app):
    app = probe_app(sqlite_url, vote_account="3 per minute", redis=storage)
    client = logged_in_client(app, db, login)
    assert [vote(client).status_code for _ in range(3)] == [200, 200, 200]
    resp = vote(client, headers={"Accept": "application/json"})
    assert resp.status_code == 429
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    assert resp.get_json()["error"]["code"] == "rate_limited"
    page = vote(client, headers={"Accept": "text/html"})
    assert page.status_code == 429 and "text/html" in page.content_type and page.headers["Retry-After"]
    breaches = [r.fields for r in caplog.records if getattr(r, "fields", {}).get("event") == "rate_limit_breach"]
    assert breaches and breaches[0]["scope"].endswith("vote-account")
    if storage:  # the counters really are in Redis
        assert redis_lib.Redis.from_url(storage).keys("LIMITS*")


def test_retry_after_only_on_429_and_503(sqlite_url, storage, db, login, probe_app, demo):
    """Rate-limit headers on every limited answer, but Retry-After only where a client must wait."""
    app = probe_app(sqlite_url, vote_account="2 per minute", redis=storage)
    client = logged_in_client(app, demo, login)
    ok = vote(client)
    assert ok.status_code == 200 and ok.headers["X-RateLimit-Remaining"] and "Retry-After" not in ok.headers
    created = client.post("/api/battles", json={"prompt_id": "p001"})
    assert created.status_code == 201 and created.headers["X-RateLimit-Limit"]
    assert "Retry-After" not in created.headers
    assert vote(client).status_code == 200
    limited = vote(client)
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60


def test_account_and_address_keys_are_independent(sqlite_url, redis_url, db, login, probe_app):
    app = probe_app(sqlite_url, vote_account="2 per minute", vote_address="100 per minute", redis=redis_url)
    alice, bob = logged_in_client(app, db, login, "앨리스"), logged_in_client(app, db, login, "밥")
    assert [vote(alice, addr=a).status_code for a in ("10.0.0.1", "10.0.0.2", "10.0.0.3")] == [200, 200, 429]
    assert vote(bob, addr="10.0.0.1").status_code == 200  # same address, other account

    app = probe_app(sqlite_url, vote_account="100 per minute", vote_address="2 per minute", redis=redis_url)
    users = [logged_in_client(app, db, login, f"이웃{i}") for i in range(3)]
    assert [vote(u, addr="10.0.9.9").status_code for u in users] == [200, 200, 429]
    assert vote(users[2], addr="10.0.9.10").status_code == 200  # same account, other address


@pytest.mark.parametrize("hops,expected", [(0, [200, 200, 429]), (1, [200, 200, 200])])
def test_client_address_only_from_trusted_proxy_hops(sqlite_url, db, login, hops, expected, make_app):
    app = make_app(sqlite_url, LIMIT_VOTE_ADDRESS="2 per minute", TRUSTED_PROXY_HOPS=hops)
    app.register_blueprint(probe)
    users = [logged_in_client(app, db, login, f"프록시{i}") for i in range(3)]
    codes = [vote(u, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i, u in enumerate(users)]
    assert codes == expected  # without trusted hops a forged X-Forwarded-For changes nothing


def test_real_vote_route_limits(sqlite_url, redis_url, db, login, make_app):
    app = make_app(sqlite_url, REDIS_URL=redis_url, LIMIT_VOTE_ACCOUNT="2 per minute")
    user = make_user(db)
    round_ = make_round(db)
    battles = [make_battle(db, user, round_).id for _ in range(3)]
    client = app.test_client()
    login.as_user(user, client=client)
    codes = [client.post(f"/api/battles/{b}/vote", json={"winner": "a"}).status_code for b in battles]
    assert codes == [200, 200, 429]
    me = client.get("/api/me").get_json()
    assert me["votes_today"] == 2


def test_redis_down_falls_back_to_memory_and_votes_go_on(sqlite_url, private_redis, db, login, caplog, probe_app):
    app = probe_app(sqlite_url, vote_account="3 per minute", redis=private_redis.url)
    client = logged_in_client(app, db, login)
    assert [vote(client).status_code for _ in range(2)] == [200, 200]
    assert redis_lib.Redis(port=private_redis.port).keys("LIMITS*")
    before = LIMITER_FALLBACK._value.get()
    private_redis.stop()
    codes = [vote(client).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # counted afresh in memory, still limited
    assert limiter.using_fallback()
    assert LIMITER_FALLBACK._value.get() >= before + 4
    assert any(getattr(r, "fields", {}).get("event") == "limiter_fallback" for r in caplog.records)


def test_real_votes_succeed_while_redis_is_down(sqlite_url, private_redis, db, login, make_app):
    """The account limit counts in memory; the daily cap, counted in SQL, holds as ever."""
    app = make_app(sqlite_url, REDIS_URL=private_redis.url, LIMIT_VOTE_ACCOUNT="3 per minute",
                   LIMIT_VOTE_DAILY_CAP="2 per day")
    user = make_user(db)
    round_ = make_round(db)
    battles = [make_battle(db, user, round_).id for _ in range(4)]
    client = app.test_client()
    login.as_user(user, client=client)
    private_redis.stop()
    answers = [client.post(f"/api/battles/{b}/vote", json={"winner": "b"}) for b in battles]
    codes = [(r.status_code, (r.get_json().get("error") or {}).get("code")) for r in answers]
    assert codes == [(200, None), (200, None), (429, "daily_cap"), (429, "rate_limited")]
    assert client.get("/api/me").get_json()["votes_today"] == 2


def test_frozen_redis_does_not_hang_requests(sqlite_url, second_private_redis, db, login, probe_app):
    """SIGSTOP leaves the port open but silent: the socket timeouts let the fallback take over."""
    server = second_private_redis
    try:
        app = probe_app(sqlite_url, vote_account="2 per minute", redis=server.url)
        client = logged_in_client(app, db, login)
        assert vote(client).status_code == 200
        server.proc.send_signal(signal.SIGSTOP)
        assert [vote(client).status_code for _ in range(3)] == [200, 200, 429]
        assert limiter.using_fallback()
    finally:
        server.proc.send_signal(signal.SIGCONT)


@pytest.mark.parametrize("raw", ["lots", "3 per fortnight", "", "10 per minute;"])
def test_unparseable_limit_is_refused_at_start(sqlite_url, raw):
    """Flask-Limiter would skip a limit it cannot parse, leaving the route unlimited."""
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="ARENA_LIMIT_VOTE_ACCOUNT"):
        make_test_app(sqlite_url, LIMIT_VOTE_ACCOUNT=raw)
    with pytest.raises(ConfigError, match="ARENA_LIMIT_VOTE_DAILY_CAP"):
        make_test_app(sqlite_url, LIMIT_VOTE_DAILY_CAP=raw)


# The named limits are anti_abuse's, attached to the real endpoints when it is initialised.

@pytest.mark.parametrize("method, path, limit, logged_in", [
    ("post", "/api/battles/nope/vote", "VOTE_ACCOUNT", True),
    ("post", "/api/battles", "BATTLE_ACCOUNT", True),
    ("post", "/api/battles/nope/turns", "BATTLE_ACCOUNT", True),
    ("get", "/auth/login/nope", "LOGIN_ADDRESS", False),
    ("get", "/auth/callback/nope", "LOGIN_ADDRESS", False),
], ids=["vote", "battle", "turn", "login", "callback"])
def test_each_protected_route_is_limited_once_per_request_however_many_apps_were_built(
        sqlite_url, make_app, db, login, method, path, limit, logged_in):
    for _ in range(3):  # earlier apps must not make a request count several times
        make_app(sqlite_url, **{f"LIMIT_{limit}": "3 per minute"})
    app = make_app(sqlite_url, **{f"LIMIT_{limit}": "3 per minute"})
    client = app.test_client()
    if logged_in:
        login.as_user(make_user(db, name="한도"), client=client)
    statuses = [getattr(client, method)(path, json={}, environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code
                for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429, statuses


def test_a_limit_naming_an_endpoint_the_app_lacks_stops_the_start(sqlite_url, make_app):
    from anti_abuse.limits import protect, vote_limits
    from app.config import ConfigError

    app = make_app(sqlite_url)
    with pytest.raises(ConfigError, match="contest.no_such_view"):
        protect(app, {"contest.no_such_view": vote_limits})


def test_anonymous_requests_do_not_use_up_the_global_vote_limit(sqlite_url, make_app, db, login):
    """The address tier still limits them; the shared global tier is left to logged-in citizens."""
    app = make_app(sqlite_url, LIMIT_VOTE_GLOBAL="5 per minute")
    anonymous = app.test_client()
    for n in range(8):
        assert anonymous.post("/api/battles/x/vote", json={}, environ_base={"REMOTE_ADDR": f"10.8.0.{n}"}).status_code == 401
    citizen = app.test_client()
    login.as_user(make_user(db, name="투표자"), client=citizen)
    statuses = [citizen.post("/api/battles/x/vote", json={"winner": "a"},
                             environ_base={"REMOTE_ADDR": "10.8.1.1"}).status_code for _ in range(6)]
    assert 429 not in statuses[:5] and statuses[5] == 429, statuses
