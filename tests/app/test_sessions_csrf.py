"""Server-side sessions (revocation, expiry, cookie flags), CSRF and security headers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.db import utcnow
from app.models import User, WebSession
from app.sessions import revoke_user_sessions, token_id
from tests.builders import make_user


def session_rows(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(WebSession))


def test_cookie_is_a_random_token_and_the_row_id_its_hash(client, login, db):
    user = make_user(db)
    login.as_user(user)
    token = client.get_cookie("arena_session").value
    row = db.get(WebSession, token_id(token))
    assert row is not None and row.user_id == user.id and token not in row.id


def test_session_cookie_flags_on_write(app, client, login, db):
    login.as_user(make_user(db))
    resp = client.get("/api/me")  # the first CSRF token is written to the session
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("arena_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie  # testing: not development


def test_development_cookies_are_not_secure(sqlite_url, make_app):
    app = make_app(sqlite_url, ENV="development")
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_revocation_logs_out_everywhere(app, db, login):
    user = make_user(db)
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        login.as_user(user, client=phone)
        assert phone.get("/api/me").status_code == 200
    assert revoke_user_sessions(db, user.id) == 2
    db.commit()
    assert all(phone.get("/api/me").status_code == 401 for phone in phones)


def test_revoked_session_is_not_written_back(app, db, login):
    """A request in flight when the session is revoked must not resurrect the row."""
    user = make_user(db)
    phone = app.test_client()
    login.as_user(user, client=phone)
    with app.test_request_context(headers={"Cookie": f"arena_session={phone.get_cookie('arena_session').value}"}):
        from flask import session

        assert session["uid"] == user.id
        revoke_user_sessions(db, user.id)
        db.commit()
        session["later"] = 1
        resp = app.response_class()
        app.session_interface.save_session(app, session, resp)
    assert session_rows(db) == 0


def test_suspended_user_is_refused_even_with_a_session(client, login, db):
    user = make_user(db)
    login.as_user(user)
    user.status = "suspended"
    db.commit()
    assert client.get("/api/me").status_code == 401


def test_expired_session_is_ignored(client, login, db):
    login.as_user(make_user(db))
    row = db.scalars(select(WebSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert client.get("/api/me").status_code == 401


def test_logout_deletes_the_row(client, login, db):
    login.as_user(make_user(db))
    resp = client.post("/auth/logout", headers={"Accept": "text/html,*/*;q=0.8"})  # a browser's form
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert session_rows(db) == 0
    assert client.get("/api/me").status_code == 401


def test_logout_answers_a_program_with_204(client, login, db):
    login.as_user(make_user(db))
    assert client.post("/auth/logout").status_code == 204  # no Accept: a program, as with Accept: application/json
    assert session_rows(db) == 0


def test_logout_is_post_only(client):
    assert client.get("/auth/logout").status_code == 405


def test_state_change_without_csrf_token_changes_nothing(raw_client, login, db):
    user = make_user(db, name="원래이름")
    login.as_user(user, client=raw_client)
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        resp = raw_client.patch("/api/me", json={"display_name": "바뀐이름"}, headers=headers)
        assert resp.status_code == 400
        assert resp.get_json()["error"]["code"] == "csrf_failed"
    form = raw_client.post("/account", data={"display_name": "바뀐이름"})
    assert form.status_code == 400 and "text/html" in form.content_type
    assert raw_client.post("/auth/logout").status_code == 400
    db.expire_all()
    assert db.get(User, user.id).display_name == "원래이름"
    assert raw_client.get("/api/me").status_code == 200  # still logged in


def test_a_form_part_without_a_name_is_a_bad_request_not_a_500(client, login, db):
    login.as_user(make_user(db))
    body = b"--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XX--\r\n"
    for url in ("/account", "/api/me"):
        resp = client.open(url, method="POST" if url == "/account" else "PATCH", data=body,
                           content_type="multipart/form-data; boundary=XX", headers={"Accept": "application/json"})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request", resp.data[:200]


def test_csrf_token_from_api_me_is_accepted(raw_client, login, db):
    user = make_user(db)
    login.as_user(user, client=raw_client)
    token = raw_client.get("/api/me").get_json()["csrf_token"]
    resp = raw_client.patch("/api/me", json={"display_name": "토큰있음"}, headers={"X-CSRF-Token": token})
    assert resp.status_code == 200 and resp.get_json()["display_name"] == "토큰있음"


def test_another_sessions_token_is_refused(app, raw_client, login, db):
    user = make_user(db)
    other = app.test_client()
    login.as_user(user, client=other)
    stolen = other.get("/api/me").get_json()["csrf_token"]
    login.as_user(user, client=raw_client)
    resp = raw_client.patch("/api/me", json={"display_name": "훔친토큰"}, headers={"X-CSRF-Token": stolen})
    assert resp.status_code == 400


def test_security_headers_and_nonce(app, client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/api/me").headers["X-Frame-Options"] == "DENY"


def test_csp_nonce_is_per_request_and_in_the_header(app):
    from flask import render_template_string

    nonces = []
    for _ in range(2):
        with app.test_request_context("/"):
            html = render_template_string('<script nonce="{{ csp_nonce() }}"></script>')
            resp = app.process_response(app.make_response(html))
            nonce = html.split('nonce="')[1].split('"')[0]
            assert f"'nonce-{nonce}'" in resp.headers["Content-Security-Policy"]
            nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_anonymous_post_gets_401_not_csrf_error(client):
    resp = client.patch("/api/me", json={"display_name": "익명"})
    assert resp.status_code == 401


def test_purge_deletes_only_expired_sessions(runner, login, db):
    login.as_user(make_user(db))
    login.as_user(make_user(db, name="옛 시민"))
    old = db.scalars(select(WebSession)).first()
    old.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    result = runner.invoke(args=["sessions", "purge"])
    assert result.exit_code == 0 and "1 expired" in result.output
    assert session_rows(db) == 1


def test_sessions_and_login_on_postgresql(pg_url, oidc_app_config, make_app):
    from sqlalchemy.orm import sessionmaker

    from app.db import make_engine
    from tests.oidc_provider import log_in

    app = make_app(pg_url, **oidc_app_config)
    client = app.test_client()
    assert log_in(client, "pg-citizen").status_code == 302
    me = client.get("/api/me").get_json()
    assert client.patch("/api/me", json={"display_name": "포스트그레스"}).status_code == 200
    engine = make_engine(pg_url)
    with sessionmaker(engine)() as pg:
        assert revoke_user_sessions(pg, int(me["id"])) == 1
        pg.commit()
    assert client.get("/api/me").status_code == 401
    engine.dispose()
