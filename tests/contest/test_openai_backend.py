"""The OpenAI-compatible backend against a real streaming HTTP server on loopback."""
from __future__ import annotations

import pytest

from contest.backends import BackendError, BackendSettings, openai_backend
from tests.contest.llm_server import WORDS, LoopbackLLM

FULL = "[1] " + "".join(WORDS)
SETTINGS = BackendSettings(system_prompt="공통 시스템 프롬프트", connect_timeout=2, read_timeout=0.5,
                           total_timeout=10, max_tokens=256)


@pytest.fixture
def llm():
    with LoopbackLLM() as server:
        yield server


def backend(llm, kind, **extra):
    config = {"kind": "openai", "base_url": llm.url, "model": kind, "api_key_env": "MODEL_KEY_TEAM", **extra}
    return openai_backend(config, SETTINGS, environ={"MODEL_KEY_TEAM": "sk-test"})


def ask(b, text="안녕"):
    return "".join(b.stream([{"role": "user", "content": text}]))


def test_streams_chunks_with_key_system_prompt_and_max_tokens(llm):
    assert ask(backend(llm, "steady")) == FULL
    sent = llm.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["body"]["stream"] is True and sent["body"]["max_tokens"] == 256
    assert sent["body"]["messages"][0] == {"role": "system", "content": "공통 시스템 프롬프트"}


def test_slow_stream_still_completes(llm):
    assert ask(backend(llm, "slow")) == FULL


def test_per_model_max_tokens_and_timeout_override(llm):
    ask(backend(llm, "steady", max_tokens=16, timeout=3))
    assert llm.requests[0]["body"]["max_tokens"] == 16


@pytest.mark.parametrize("kind, code", [("error500", "http_5xx"), ("cut", "cut_stream"), ("hang", "timeout"),
                                        ("garbage", "bad_response")])
def test_failures_raise_a_code_without_the_raw_text(llm, kind, code):
    with pytest.raises(BackendError) as err:
        ask(backend(llm, kind))
    assert err.value.code == code


def test_total_timeout_cuts_a_slow_answer(llm):
    config = {"kind": "openai", "base_url": llm.url, "model": "slow", "timeout": 0.1}
    with pytest.raises(BackendError) as err:
        ask(openai_backend(config, SETTINGS, environ={}))
    assert err.value.code == "timeout"


def test_connection_refused_and_missing_key():
    dead = {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "x"}
    with pytest.raises(BackendError) as err:
        ask(openai_backend(dead, SETTINGS, environ={}))
    assert err.value.code == "connect_failed"
    with pytest.raises(BackendError) as err:
        openai_backend({**dead, "api_key_env": "MODEL_KEY_MISSING"}, SETTINGS, environ={})
    assert err.value.code == "misconfigured"


def test_a_stored_backend_naming_a_platform_secret_is_never_built():
    """The upload refuses such a name; a row stored before that rule (or edited in SQL) is refused again here,
    so the platform's own secret is never sent to an endpoint as a Bearer token."""
    config = {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "x", "api_key_env": "ARENA_SECRET_KEY"}
    with pytest.raises(BackendError) as err:
        openai_backend(config, SETTINGS, environ={"ARENA_SECRET_KEY": "the-platform-secret"})
    assert err.value.code == "misconfigured" and "the-platform-secret" not in str(err.value)
