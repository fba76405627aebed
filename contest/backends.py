"""Model backends: the curated response bank and any OpenAI-compatible chat-completions endpoint.

A backend turns a conversation into a stream of text chunks, or raises `BackendError` with a
short code. The code is stored and counted; the raw error text is logged, never shown.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Protocol

import requests

log = logging.getLogger("arena.backends")
# A team's API key lives in a variable of its own namespace (checked on upload and again here).
KEY_ENV_PREFIX = "MODEL_KEY_"

Messages = list[dict[str, str]]


class BackendError(Exception):
    """A model could not answer; `code` is what is stored and counted (no raw text)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class Backend(Protocol):
    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield the answer's text in chunks; raise BackendError on failure."""


@dataclass(frozen=True)
class BackendSettings:
    """Deployment-wide backend settings (per-model values in Model.backend win)."""

    system_prompt: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_tokens: int = 1024


@dataclass
class BankBackend:
    """A curated answer from the response bank, released in small chunks like a live model."""

    text: str
    chunk_chars: int = 24

    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield the stored answer in chunks (the conversation is already fixed by the prompt)."""
        for start in range(0, len(self.text), self.chunk_chars):
            yield self.text[start:start + self.chunk_chars]


@dataclass
class OpenAIBackend:
    """A streamed chat-completions call (`data:` lines of JSON, then `data: [DONE]`)."""

    base_url: str
    model: str
    api_key: str
    settings: BackendSettings
    clock: Callable[[], float] = time.monotonic

    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield content deltas; any HTTP error, timeout, bad line or missing [DONE] raises."""
        deadline = self.clock() + self.settings.total_timeout
        body: dict[str, Any] = {"model": self.model, "stream": True, "max_tokens": self.settings.max_tokens,
                                "messages": self._with_system(messages)}
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "text/event-stream"}
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            with requests.post(url, json=body, headers=headers, stream=True,
                               timeout=(self.settings.connect_timeout, self.settings.read_timeout)) as resp:
                if resp.status_code != 200:
                    raise BackendError(f"http_{resp.status_code // 100}xx", f"status {resp.status_code}")
                yield from self._chunks(resp, deadline)
        except requests.RequestException as exc:
            raise BackendError(_failure_code(exc), str(exc)) from exc

    def _with_system(self, messages: Messages) -> Messages:
        if not self.settings.system_prompt:
            return list(messages)
        return [{"role": "system", "content": self.settings.system_prompt}, *messages]

    def _chunks(self, resp: requests.Response, deadline: float) -> Iterator[str]:
        for raw in resp.iter_lines(decode_unicode=False):
            if self.clock() > deadline:
                raise BackendError("timeout", "total timeout")
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:"):
                continue  # blank separators, comments, `event:` lines
            data = line[len("data:"):].strip()
            if data == "[DONE]":
                return
            text = _delta_text(data)
            if text:
                yield text
        raise BackendError("cut_stream", "stream ended without [DONE]")


def _failure_code(exc: requests.RequestException) -> str:
    """A short, stable code for a transport failure."""
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "cut_stream"
    if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connect_failed"
    return "request_failed"


def _delta_text(data: str) -> str:
    try:
        chunk = json.loads(data)
        choices = chunk.get("choices") or []
        if not choices:
            return ""
        return (choices[0].get("delta") or {}).get("content") or ""
    except (ValueError, AttributeError, TypeError) as exc:
        raise BackendError("bad_response", f"unreadable chunk: {data[:80]!r}") from exc


def is_bank(config: Mapping[str, Any]) -> bool:
    """True when the model answers from the curated response bank."""
    return (config or {}).get("kind", "bank") == "bank"


def openai_backend(config: Mapping[str, Any], settings: BackendSettings, environ: Mapping[str, str] | None = None,
                   clock: Callable[[], float] = time.monotonic) -> OpenAIBackend:
    """Build the HTTP backend from Model.backend; the API key comes from the named variable."""
    environ = os.environ if environ is None else environ
    key_var = config.get("api_key_env") or ""
    if key_var and not key_var.startswith(KEY_ENV_PREFIX):  # never hand another secret (ARENA_SECRET_KEY...) to an endpoint
        raise BackendError("misconfigured", f"api_key_env must start with {KEY_ENV_PREFIX}")
    api_key = environ.get(key_var, "") if key_var else ""
    if not config.get("base_url") or not config.get("model") or (key_var and not api_key):
        raise BackendError("misconfigured", f"base_url/model/api key ({key_var}) missing")
    timeout = float(config.get("timeout") or settings.total_timeout)
    merged = BackendSettings(system_prompt=settings.system_prompt, connect_timeout=settings.connect_timeout,
                             read_timeout=min(settings.read_timeout, timeout), total_timeout=timeout,
                             max_tokens=int(config.get("max_tokens") or settings.max_tokens))
    return OpenAIBackend(base_url=config["base_url"], model=config["model"], api_key=api_key,
                         settings=merged, clock=clock)
