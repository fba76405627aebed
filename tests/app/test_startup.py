"""Production refuses a bad configuration with its one-line reason, not a traceback (item 16).

Real subprocesses: `flask --app wsgi ...` and `gunicorn wsgi:app` (which reads ./gunicorn.conf.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.config import ROOT

GOOD = {"ARENA_ENV": "production", "ARENA_SECRET_KEY": "k" * 40,
        "ARENA_DATABASE_URL": "postgresql+psycopg://arena@127.0.0.1:1/arena", "ARENA_REDIS_URL": "redis://127.0.0.1:1/0"}
BAD = {
    "no secret key": ({k: v for k, v in GOOD.items() if k != "ARENA_SECRET_KEY"}, "ARENA_SECRET_KEY"),
    "loopback provider": ({**GOOD, "ARENA_OIDC_PROVIDERS": json.dumps(
        [{"name": "corp", "issuer": "https://127.1", "client_id": "c", "client_secret": "s"}])}, "public host"),
}
COMMANDS = {
    "flask": [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"],
    "gunicorn -c": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0", "wsgi:app"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize("environ,reason", BAD.values(), ids=BAD.keys())
def test_bad_production_config_prints_one_line_and_exits_non_zero(command, environ, reason):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environ}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("arena: cannot start:") and reason in lines[0]


def test_a_reason_found_only_in_the_worker_stops_gunicorn_without_a_traceback():
    """A bad rate limit is found when the app is built: the worker exits 'failed to boot', no respawn loop."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **GOOD,
           "ARENA_LIMIT_VOTE_ACCOUNT": "garbage", "GUNICORN_WORKERS": "1"}
    done = subprocess.run(COMMANDS["gunicorn"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "arena: cannot start: ARENA_LIMIT_VOTE_ACCOUNT" in done.stderr and "Traceback" not in done.stderr


def test_production_without_a_code_version_refuses_to_start():
    """No git checkout (a container image) and no ARENA_CODE_VERSION: snapshots could not name their code."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **GOOD, "GIT_DIR": "/nonexistent",
           "GUNICORN_WORKERS": "1"}
    done = subprocess.run(COMMANDS["flask"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and done.stderr.strip().splitlines() == [
        "arena: cannot start: production needs ARENA_CODE_VERSION (git could not name the commit here): every "
        "published snapshot names the code that computed it"]
    done = subprocess.run(COMMANDS["gunicorn"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "arena: cannot start: production needs ARENA_CODE_VERSION" in done.stderr and "Traceback" not in done.stderr
    env["ARENA_CODE_VERSION"] = "release-2026.12"
    done = subprocess.run(COMMANDS["flask"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "ARENA_CODE_VERSION" not in done.stderr
