"""Configuration: class defaults, then ARENA_* environment variables, then test overrides."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PREFIX = "ARENA_"
TRUE_WORDS = ("1", "true", "yes", "on")
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run (missing secret, bad value)."""


def is_true(value: Any) -> bool:
    """Whether a setting reads as on: True or one of TRUE_WORDS, in any case."""
    return str(value).lower() in TRUE_WORDS


class Defaults:
    """Embedded-default settings. Secrets have no default here on purpose."""

    ENV = "development"  # development | production | testing
    DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'arena.db'}"
    REDIS_URL = ""  # empty: in-process stream and in-memory limiter
    REDIS_SOCKET_TIMEOUT = 0.5  # seconds; a frozen Redis must not hang requests
    REDIS_CONNECT_TIMEOUT = 0.5
    SECRET_KEY = ""
    LOG_LEVEL = "INFO"
    LOG_JSON = True
    TRUSTED_PROXY_HOPS = 0
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_LIFETIME_HOURS = 24 * 14
    MAX_TURNS = 5
    MAX_PROMPT_CHARS = 2000
    BANK_MIN_SAMPLES = 3  # bank answers wanted per (prompt, model); `bank import` reports pairs below it
    OIDC_PROVIDERS = ""  # JSON list; see README
    LOGIN_PROVIDER_DEADLINE = 10.0  # seconds for all provider calls of one login request together
    WORKER_IN_PROCESS = True
    METRICS_TOKEN = ""  # bearer token a Prometheus scraper sends; empty: /metrics answers 404
    BOARD_MAX_AGE_S = 1.0  # the public board is recomputed at most this often per scope, never served older


# Settings that must come from the environment in production.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
SECRETS = ("SECRET_KEY", "METRICS_TOKEN")
MIN_METRICS_TOKEN_CHARS = 24


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if is_true(raw):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"expected a boolean, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (list, dict)):
        return json.loads(raw)
    return raw


def load_config(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the config dict: class defaults, ARENA_* environment, then overrides."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {k: getattr(Defaults, k) for k in dir(Defaults) if k.isupper()}
    for key, raw in environ.items():
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX):]
        try:
            config[name] = _coerce(config[name], raw) if name in config else raw
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"{key}: {exc}") from exc
    config.update(overrides or {})
    validate(config, environ)
    return config


def validate(config: dict[str, Any], environ: dict[str, str]) -> None:
    """Refuse to start in production without secrets and service URLs from the environment."""
    if config["ENV"] not in ("development", "production", "testing"):
        raise ConfigError(f"{PREFIX}ENV must be development, production or testing, not {config['ENV']!r}")
    if config["ENV"] != "production":
        if not config["SECRET_KEY"]:
            # Development only: a per-process random key (sessions end at restart).
            config["SECRET_KEY"] = os.urandom(32).hex()
        return
    for name in REQUIRED_IN_PRODUCTION:
        if not environ.get(PREFIX + name):
            raise ConfigError(f"production needs {PREFIX}{name} set in the environment")
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 32 characters")
    if config["METRICS_TOKEN"] and len(config["METRICS_TOKEN"]) < MIN_METRICS_TOKEN_CHARS:
        raise ConfigError(f"{PREFIX}METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} characters")
    if config["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError(f"production needs PostgreSQL in {PREFIX}DATABASE_URL, not SQLite")
    secure = config.get("COOKIE_SECURE")
    if secure not in (None, "") and not is_true(secure):
        raise ConfigError(f"{PREFIX}COOKIE_SECURE cannot be off in production (session cookies only over https)")
