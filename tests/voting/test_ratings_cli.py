"""`python -m voting.ratings`: no web stack, the app's defaults, the same board as compute_rows, clear failures."""
from __future__ import annotations

import io
import json
import os
import pty
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voting import arena_format
from voting.arena_format import BadLine, read_battles, scan_battles
from voting.board import BoardSettings, compute_rows

ROOT = Path(__file__).resolve().parents[2]
# contest.protocol (stdlib only: the method's name and defaults) is the one part of contest it may read.
WEB_STACK = ("flask", "sqlalchemy", "werkzeug", "redis", "click", "tqdm", "app", "anti_abuse")
# Runs the entry point with the web stack made unimportable: it must need nothing but numpy and the stdlib.
RUN_WITHOUT_WEB_STACK = ("import runpy, sys\n"
                         f"for name in {WEB_STACK!r}: sys.modules[name] = None\n"
                         "sys.argv = ['voting.ratings'] + sys.argv[1:]\n"
                         "runpy.run_module('voting.ratings', run_name='__main__')")
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


def run_module(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT_WEB_STACK, *args], cwd=ROOT, capture_output=True,
                          input=stdin, timeout=120)


def battles_file(tmp_path: Path, lines: list[bytes], name: str = "battles.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def arena_line(a: str, b: str, winner: str, **extra) -> bytes:
    return json.dumps({"model_a": a, "model_b": b, "winner": winner, **extra}).encode()


def synthetic_lines(n: int, n_models: int, seed: int, prefix: str = "모델-") -> list[bytes]:
    """Votes from known strengths, in the three-field layout json.dumps writes (Korean names are escaped)."""
    rng = np.random.default_rng(seed)
    names = [f"{prefix}{i}" for i in range(n_models)]
    strength = rng.normal(0, 1, n_models)
    a = rng.integers(0, n_models, n)
    b = (a + rng.integers(1, n_models, n)) % n_models
    u = rng.random(n)
    p = 1 / (1 + np.exp(strength[b] - strength[a]))
    outcome = np.where(u < 0.1, 2 + (u < 0.03), np.where(u < 0.1 + 0.9 * p, 0, 1))
    return [arena_line(names[i], names[j], WINNERS[o]) for i, j, o in zip(a.tolist(), b.tolist(), outcome.tolist())]


def test_the_entry_point_needs_no_web_stack(tmp_path):
    path = battles_file(tmp_path, synthetic_lines(300, 4, seed=1))
    done = run_module(str(path), "--rounds", "20")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["votes"] == 300
    probe = subprocess.run([sys.executable, "-c", "import sys, voting.ratings; print(sorted(sys.modules))"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    modules = eval(probe.stdout)  # a list of module names
    loaded = {name.split(".")[0] for name in modules}
    assert not loaded & set(WEB_STACK), loaded & set(WEB_STACK)
    assert {name for name in modules if name.split(".")[0] == "contest"} <= {"contest", "contest.protocol"}


def test_defaults_are_the_applications():
    from voting.runtime import RATING_DEFAULTS, board_settings

    assert BoardSettings() == board_settings(dict(RATING_DEFAULTS))


def test_same_board_as_compute_rows_on_the_same_votes(tmp_path):
    lines = synthetic_lines(20_000, 8, seed=3)
    lines[5:5] = [b"{not json", arena_line("x", "x", "tie"), arena_line("모델-1", "모델-2", "tie", counted=False)]
    path = battles_file(tmp_path, lines)
    done = run_module(str(path), "--rounds", "200", "--seed", "7")
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout)
    with path.open("rb") as f:
        names, t = read_battles(f, lambda _: None)
    settings = BoardSettings(rounds=200, seed=7)
    rows = compute_rows(t, settings)
    assert [m["name"] for m in out["models"]] == [names[r.index] for r in rows]
    for model, row in zip(out["models"], rows):
        assert abs(model["rating"] - row.rating) <= 0.01
        assert all(abs(x - y) <= 0.01 for x, y in zip(model["ci"], row.ci))
        assert (model["rank"], model["battles"]) == (row.rank, row.battles)
        assert abs(model["win_rate"] - row.win_rate) <= 1e-4
    assert (out["votes"], out["skipped_lines"], out["params"]) == (t.total, 2, settings.describe())
    assert "line 6: not JSON" in done.stderr.decode() and "line 7: model_a and model_b are the same" in \
        done.stderr.decode()


@pytest.mark.parametrize("content, says", [
    (b"", "the file is empty"),
    (b"\n{broken\n" + arena_line("x", "x", "tie") + b"\n", "none of the 3 line(s) is a counted vote (2 bad)"),
    (arena_line("x", "y", "tie", counted=False) + b"\n", "none of the 1 line(s) is a counted vote (0 bad)"),
])
def test_no_counted_vote_is_an_error_not_an_empty_board(tmp_path, content, says):
    path = tmp_path / "battles.jsonl"
    path.write_bytes(content)
    done = run_module(str(path))
    assert done.returncode == 1 and done.stdout == b""
    assert says in done.stderr.decode() and "순위표를 만들 수 없습니다" in done.stderr.decode()


def test_strict_names_the_first_bad_line_and_stops(tmp_path):
    lines = synthetic_lines(50, 3, seed=2)
    lines[9] = arena_line("a", "b", "draw")
    lines[30] = b"{broken"
    done = run_module(str(battles_file(tmp_path, lines)), "--strict")
    assert done.returncode == 1 and done.stdout == b""
    err = done.stderr.decode()
    assert "line 10 is bad: winner must be one of" in err and "10번째 줄" in err and "line 31" not in err


def test_many_bad_lines_are_summarised(tmp_path):
    lines = synthetic_lines(100, 3, seed=2) + [b"{broken"] * 30 + [arena_line("a", "a", "tie")] * 5
    done = run_module(str(battles_file(tmp_path, lines)), "--rounds", "10")
    assert done.returncode == 0
    err = done.stderr.decode()
    assert err.count("line ") == 20 and "and 15 more" in err and "skipped 35 bad line(s)" in err
    assert "model_a and model_b are the same model: 5" in err and json.loads(done.stdout)["skipped_lines"] == 35


def test_reads_standard_input_and_shows_no_progress_off_a_terminal():
    done = run_module("-", "--rounds", "10", stdin=b"\n".join(synthetic_lines(200, 3, seed=4)))
    assert done.returncode == 0 and done.stderr == b"" and json.loads(done.stdout)["votes"] == 200


def test_progress_on_a_terminal(tmp_path):
    path = battles_file(tmp_path, synthetic_lines(200, 3, seed=4))
    parent, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "voting.ratings", str(path), "--rounds", "10"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=child, timeout=60)
        os.close(child)
        child = -1
        shown = os.read(parent, 10_000).decode()
    finally:
        os.close(parent)
        if child >= 0:
            os.close(child)
    assert done.returncode == 0 and "reading" in shown and "(100%)" in shown


def mixed_lines(rng: random.Random, n: int) -> list[bytes]:
    """Every kind of line: both json.dumps layouts, escapes, extra fields, CRLF, BOM, blanks, every bad reason."""
    names = ["x", "y", "모델", "zé", "a" * 300, "tab\there", 'q"uote', "back\\slash"]
    kinds = [
        lambda a, b, w: arena_line(a, b, w),
        lambda a, b, w: json.dumps({"model_a": a, "model_b": b, "winner": w}, ensure_ascii=False).encode(),
        lambda a, b, w: json.dumps({"model_a": a, "model_b": b, "winner": w}, separators=(",", ":"),
                                   ensure_ascii=False).encode(),
        lambda a, b, w: arena_line(a, a, w),
        lambda a, b, w: arena_line(a, b, w, counted=rng.random() < 0.5),
        lambda a, b, w: json.dumps({"model_b": b, "model_a": a, "winner": w}).encode(),
        lambda a, b, w: arena_line(a, b, w) + b"\r",
        lambda a, b, w: b"\xef\xbb\xbf" + arena_line(a, b, w),
        lambda a, b, w: json.dumps({"model_a": a, "model_b": b, "winner": w}, ensure_ascii=False).encode()
        .replace("é".encode(), b"\xff"),
        lambda a, b, w: arena_line(a, b, "draw"),
        lambda a, b, w: arena_line("", b, w),
        lambda a, b, w: json.dumps({"model_a": a, "model_b": b, "winner": w}, ensure_ascii=False).encode()
        .replace(b"\\t", b"\t"),
        lambda a, b, w: b"{broken",
        lambda a, b, w: b"   ",
        lambda a, b, w: b"[1, 2]",
        # Twelve quotes, but escaped ones: the quotes are not where the three-field layout has them.
        lambda a, b, w: b'{"model_a": "p\\", "model_b": "q\\", "winner": "model_a"}',
        lambda a, b, w: b'{"model_a": "p\\\\", "model_b": "q", "winner": "tie"}',
    ]
    return [rng.choice(kinds)(*rng.sample(names, 2), rng.choice(WINNERS)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(12))
def test_streaming_parser_reads_every_line_as_the_line_parser_does(seed):
    rng = random.Random(seed)
    data = b"\n".join(mixed_lines(rng, rng.randint(0, 600))) + rng.choice([b"", b"\n"])
    expected_bad: list[BadLine] = []
    names, t = read_battles(io.BytesIO(data).readlines(), expected_bad.append)
    for block in (1, 7, 64, 4096, 1 << 20):
        bad: list[BadLine] = []
        got_names, got, lines = scan_battles(io.BytesIO(data), bad.append, block_bytes=block)
        assert (got_names, bad) == (names, expected_bad)
        assert np.array_equal(got.counts, t.counts) and np.array_equal(got.weights, t.weights)
        assert lines == data.count(b"\n") + (not data.endswith(b"\n") and bool(data))


@pytest.mark.parametrize("seed", range(6))
def test_blocks_of_twelve_quote_lines_read_as_the_line_parser_does(seed):
    """Blocks where every line has twelve quotes (the path that finds lines from the quotes alone), with lines
    that only look right: other spacing, an unknown winner, one model twice, an empty name, bad UTF-8."""
    rng = random.Random(seed)
    good = synthetic_lines(400, 6, seed, prefix="model-")  # no backslash in the block
    odd = [b'{"model_a":  "x", "model_b": "y", "winner": "tie"}', arena_line("x", "y", "draw"),
           arena_line("x", "x", "tie"), arena_line("", "y", "tie"),
           b'{"model_a": "\xff", "model_b": "y", "winner": "tie"}',
           b'{"model_a": "x", "model_b": "y", "winner": "tie"} ', b' {"model_a": "x", "model_b": "y", "winner": "tie"}',
           b'{"model_a": "x", "model_b": "y", "loser": "tie"}', b'{"model_a": "x", "model_b": "y", "winner": "tie"]']
    lines = [rng.choice(odd) if rng.random() < 0.05 else line for line in good]
    data = b"\n".join(lines) + b"\n"
    expected_bad: list[BadLine] = []
    names, t = read_battles(io.BytesIO(data).readlines(), expected_bad.append)
    for block in (500, 3000, 1 << 20):
        bad: list[BadLine] = []
        got_names, got, _ = scan_battles(io.BytesIO(data), bad.append, block_bytes=block)
        assert (got_names, bad, got.counts.tolist()) == (names, expected_bad, t.counts.tolist())


def test_streaming_parser_is_exact_when_names_share_hash_slots(monkeypatch):
    """A one-bit slot table puts different names in one slot: the exact fallback must still separate them."""
    monkeypatch.setattr(arena_format, "_SLOT_BITS", 1)
    data = b"\n".join(synthetic_lines(2_000, 12, seed=5))
    names, t = read_battles(io.BytesIO(data).readlines(), lambda _: None)
    got_names, got, _ = scan_battles(io.BytesIO(data), lambda _: None, block_bytes=10_000)
    assert got_names == names and np.array_equal(got.counts, t.counts)


def test_strict_stops_at_the_first_bad_line_of_a_stream():
    lines = synthetic_lines(1_000, 4, seed=6)
    lines[400] = b"{broken"
    lines[700] = b"{broken"
    seen: list[int] = []

    def stop(line: BadLine) -> None:
        seen.append(line.number)
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        scan_battles(io.BytesIO(b"\n".join(lines)), stop, block_bytes=2_000)
    assert seen == [401]


def test_flask_command_is_the_same_board(runner, tmp_path):
    path = battles_file(tmp_path, synthetic_lines(2_000, 5, seed=8))
    result = runner.invoke(args=["ratings", "compute", str(path), "--rounds", "50"])
    assert result.exit_code == 0, result.output
    done = run_module(str(path), "--rounds", "50")
    assert json.loads(result.stdout) == json.loads(done.stdout)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    failed = runner.invoke(args=["ratings", "compute", str(empty)])
    assert failed.exit_code == 1 and "the file is empty" in failed.stderr


def test_a_disconnected_board_says_so_in_the_document_and_on_stderr(tmp_path):
    lines = [arena_line(a, b, "model_a") for _ in range(40) for a, b in (("a", "b"), ("b", "a"), ("c", "d"), ("d", "c"))]
    done = run_module(str(battles_file(tmp_path, lines)))
    assert done.returncode == 0, done.stderr.decode()
    document = json.loads(done.stdout)
    assert document["components"] == [["a", "b"], ["c", "d"]] and document["warnings"] == ["disconnected"]
    assert "ranks compare only within a group" in done.stderr.decode()


def test_a_name_that_is_no_text_is_a_bad_line_not_a_crash(tmp_path):
    """JSON accepts "\\ud800" (a lone surrogate), but no output can hold it: the line is refused, on both paths."""
    good = [arena_line("a", "b", w) for w in ("model_a", "model_b")] * 20
    lines = good + [b'{"model_a": "\\ud800", "model_b": "b", "winner": "model_a"}',
                    b'{"model_a": "b", "winner": "model_a", "model_b": "\\udc00x"}']
    done = run_module(str(battles_file(tmp_path, lines)))
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["skipped_lines"] == 2
    assert done.stderr.decode().count("must be valid Unicode text") >= 2
