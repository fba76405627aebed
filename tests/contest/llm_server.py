"""A real OpenAI-compatible chat-completions server on loopback, speaking the streaming protocol.

The `model` field of the request picks the behaviour: "steady" (a few chunks, then [DONE]),
"slow" (the same with pauses), "error500", "cut" (chunks, then the connection closes without
[DONE]), "hang" (headers, then silence longer than any test read timeout), "garbage", and
"paced@<name>": `pacing[name] = (tokens, seconds between tokens)`, set by the test (it may set it
after the battle is drawn, since the server reads it when the request arrives).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ["답변은 ", "여러 ", "조각으로 ", "나뉘어 ", "도착합니다."]


def chunk(text: str) -> bytes:
    body = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        kind = body["model"].split("@")[0]  # "steady@any-model-id"
        if kind == "error500":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": "secret internal detail"}')
            return
        if kind == "paced":
            self._paced(*self.server.pacing[body["model"].split("@", 1)[1]])
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if kind == "hang":
            time.sleep(self.server.hang_seconds)
            return
        if kind == "garbage":
            self.wfile.write(b"data: {not json\n\n")
            return
        turns = sum(1 for m in body["messages"] if m["role"] == "user")
        for i, word in enumerate([f"[{turns}] "] + WORDS):
            if kind == "cut" and i == 3:
                return  # the connection closes mid-answer, no [DONE]
            self.wfile.write(chunk(word))
            self.wfile.flush()
            if kind == "slow":
                time.sleep(0.05)
        self.wfile.write(b"data: [DONE]\n\n")

    def _paced(self, tokens: int, interval: float) -> None:
        # HTTP/1.1 chunked framing, as real inference servers send: the client then gets each
        # token as it is written (a close-delimited body is read in 512-byte blocks).
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for i in range(tokens):
            if i:
                time.sleep(interval)
            self._http_chunk(chunk(f"{i}번 "))
        self._http_chunk(b"data: [DONE]\n\n")
        self._http_chunk(b"")

    def _http_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


class LoopbackLLM:
    """The server in a thread; `url` is its base URL (…/v1)."""

    def __init__(self, hang_seconds: float = 3.0):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.requests = []
        self.server.hang_seconds = hang_seconds
        self.server.pacing = {}
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def pacing(self) -> dict[str, tuple[int, float]]:
        return self.server.pacing

    @property
    def requests(self) -> list[dict]:
        return self.server.requests

    def __enter__(self) -> LoopbackLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
