"""The JSON Lines bank and prompt imports: whole-file validation with line numbers."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from contest.bank import ImportRejected, import_bank, import_prompts
from app.models import AuditEntry
from contest.models import BankAnswer, Prompt, Round
from tests.builders import make_round


def lines(*objs) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs) + "\n"


@pytest.fixture
def pool(db):
    make_round(db, models=2).status = "draft"  # a round not yet open: its bank may still change
    import_prompts(db, io.StringIO(lines({"id": "q1", "language": "ko", "category": "daily", "text": "안녕?"},
                                         {"id": "q2", "language": "en", "category": "daily", "text": "Hi?"})))
    db.commit()
    return db


def test_good_bank_imports_and_reimport_updates(pool):
    data = lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "하나"},
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "둘"})
    report = import_bank(pool, io.StringIO(data))
    pool.commit()
    assert (report.created, report.updated) == (2, 0)
    report = import_bank(pool, io.StringIO(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "새 답"})))
    pool.commit()
    assert (report.created, report.updated) == (0, 1)
    assert pool.scalar(select(func.count()).select_from(BankAnswer)) == 2


def test_malformed_bank_is_rejected_with_line_numbers_and_nothing_imported(pool):
    data = lines(
        {"prompt_id": "q1", "model": "r-test-m0", "answer": "좋은 줄"},
        "{not json",
        {"prompt_id": "zz", "model": "r-test-m0", "answer": "x"},
        {"prompt_id": "q2", "model": "nobody", "answer": "x"},
        {"prompt_id": "q2", "model": "r-test-m1", "answer": ""},
        {"prompt_id": "q1", "model": "r-test-m0", "answer": "again"},
        "[1, 2]",
        {"prompt_id": "q2", "model": "r-test-m1", "answer": "x", "extra": 1},
    )
    with pytest.raises(ImportRejected) as caught:
        import_bank(pool, io.StringIO(data))
    pool.rollback()
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in (2, 3, 4, 5, 6, 7, 8)]
    assert "duplicate of line 1" in errors[4]
    assert pool.scalar(select(func.count()).select_from(BankAnswer)) == 0


def test_prompt_file_rejects_bad_language_and_duplicates(db):
    data = lines({"id": "a", "language": "fr", "category": "daily", "text": "x"},
                 {"id": "b", "language": "ko", "category": "daily", "text": "x"},
                 {"id": "b", "language": "ko", "category": "daily", "text": "y"},
                 {"id": "c", "language": "ko", "category": "daily"})
    with pytest.raises(ImportRejected) as caught:
        import_prompts(db, io.StringIO(data))
    assert [e.split(":")[0] for e in caught.value.errors] == ["line 1", "line 3", "line 4"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Prompt)) == 0


def test_cli_reports_bad_lines_and_exits_nonzero(pool, runner, tmp_path):
    bad = tmp_path / "bank.jsonl"
    bad.write_text(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "ok"}, "oops"), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 2: not valid JSON" in result.output and "nothing imported" in result.output
    assert pool.scalar(select(func.count()).select_from(BankAnswer)) == 0


def test_cli_imports_a_good_file(pool, runner, tmp_path):
    good = tmp_path / "bank.jsonl"
    good.write_text(lines({"prompt_id": "q2", "model": "r-test-m1", "answer": "Hello"}), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output


def test_cli_rejects_non_utf8(pool, runner, tmp_path):
    bad = tmp_path / "bank.jsonl"
    bad.write_bytes("안녕".encode("euc-kr"))
    result = runner.invoke(args=["bank", "import", str(bad)])
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_bank_holds_several_samples_per_pair_and_reports_pairs_below_the_minimum(pool):
    data = lines(*[{"prompt_id": "q1", "model": "r-test-m0", "answer": f"답 {n}", "sample": n} for n in (1, 2, 3)],
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "하나뿐"},  # sample defaults to 1
                 {"prompt_id": "q2", "model": "r-test-m1", "answer": "one", "sample": 2})
    report = import_bank(pool, io.StringIO(data), min_samples=3)
    pool.commit()
    assert (report.created, report.updated) == (5, 0)
    stored = {(a.prompt_id, a.sample, a.text) for a in pool.scalars(select(BankAnswer))}
    assert ("q1", 3, "답 3") in stored and ("q1", 1, "하나뿐") in stored
    # Reported, not rejected: every (prompt, model) pair of the pool with too few samples, zero included.
    assert report.short == [("q1", "r-test-m1", 1), ("q2", "r-test-m0", 0), ("q2", "r-test-m1", 1)]
    again = import_bank(pool, io.StringIO(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "새 2",
                                                 "sample": 2})), min_samples=3)
    assert (again.created, again.updated) == (0, 1)


def test_bad_samples_and_duplicate_samples_reject_the_file(pool):
    data = lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "a", "sample": 1},
                 {"prompt_id": "q1", "model": "r-test-m0", "answer": "b", "sample": 2},
                 {"prompt_id": "q1", "model": "r-test-m0", "answer": "c", "sample": 2},
                 {"prompt_id": "q1", "model": "r-test-m0", "answer": "d"},
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "e", "sample": 0},
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "f", "sample": "2"},
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "g", "sample": True},
                 {"prompt_id": "q1", "model": "r-test-m1", "answer": "h", "sample": 1.5})
    with pytest.raises(ImportRejected) as caught:
        import_bank(pool, io.StringIO(data))
    pool.rollback()
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8)]
    assert "duplicate of line 2" in errors[0] and "duplicate of line 1" in errors[1]
    assert all("positive integer" in e for e in errors[2:])
    assert pool.scalar(select(func.count()).select_from(BankAnswer)) == 0


def test_cli_prints_pairs_with_too_few_samples(pool, runner, tmp_path, app):
    app.config["BANK_MIN_SAMPLES"] = 2
    good = tmp_path / "bank.jsonl"
    good.write_text(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "a"},
                          {"prompt_id": "q1", "model": "r-test-m0", "answer": "b", "sample": 2}), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert "q1 r-test-m1: 0 of 2 samples" in result.output and "q1 r-test-m0" not in result.output
    assert "q2 r-test-m0: 0 of 2 samples" in result.output


def test_demo_bank_meets_its_own_minimum(db):
    from contest.bank import import_bank
    from contest.demo import DATA, seed_demo
    from app.db import utcnow

    seed_demo(db, utcnow())
    with open(DATA / "bank.jsonl", encoding="utf-8") as fh:
        report = import_bank(db, fh, demo=True, min_samples=3)
    assert report.short == [] and report.created == 0 and report.updated == 0
    texts = list(db.scalars(select(BankAnswer.text)))
    assert len(texts) == len(set(texts))  # every sample is a different text


def test_migration_0002_keeps_existing_answers_as_sample_1(any_db_url):
    from alembic import command
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from app.cli import alembic_config

    cfg = alembic_config(any_db_url)
    command.downgrade(cfg, "0001")
    engine = create_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (id, slug, name_ko, name_en, created_at) "
                              "VALUES (1, 't', '팀', 'Team', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO models (id, slug, team_id, display_name, version, backend, active, "
                              "created_at) VALUES (1, 'm', 1, 'M', '1', '{\"kind\": \"bank\"}', true, "
                              "CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO prompts (id, language, category, text, active, created_at) "
                              "VALUES ('q1', 'ko', 'daily', '안녕?', true, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO bank_answers (prompt_id, model_id, text, is_demo, imported_at) "
                              "VALUES ('q1', 1, '예전 답', false, CURRENT_TIMESTAMP)"))
        command.upgrade(cfg, "head")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT sample, text FROM bank_answers")).all() == [(1, "예전 답")]
            conn.execute(text("INSERT INTO bank_answers (prompt_id, model_id, sample, text, is_demo, imported_at) "
                              "VALUES ('q1', 1, 2, '두 번째', false, CURRENT_TIMESTAMP)"))
        for sample in (2, 0):  # a duplicate sample, a sample below 1
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text("INSERT INTO bank_answers (prompt_id, model_id, sample, text, is_demo, imported_at) "
                                  f"VALUES ('q1', 1, {sample}, 'x', false, CURRENT_TIMESTAMP)"))
        command.downgrade(cfg, "0001")  # back to one answer per pair: sample 1 stays
        with engine.begin() as conn:
            assert conn.execute(text("SELECT text FROM bank_answers")).scalars().all() == ["예전 답"]
    finally:
        engine.dispose()


def test_cli_import_is_audited_and_keeps_an_open_rounds_answers_frozen(pool, runner, tmp_path):
    """The CLI goes through the console's upload service: an audit entry naming the operator, and the
    answers of a model on an open round's roster cannot change from the command line either."""
    good = tmp_path / "bank.jsonl"
    good.write_text(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "처음"}), encoding="utf-8")
    assert runner.invoke(args=["bank", "import", str(good)]).exit_code == 0
    pool.rollback()
    entry = pool.scalars(select(AuditEntry).where(AuditEntry.action == "bank.upload")).one()
    assert entry.actor.startswith("cli:") and entry.after["created_keys"] == ["q1/r-test-m0/1"]

    pool.get(Round, "r-test").status = "open"
    pool.commit()
    changed = tmp_path / "changed.jsonl"
    changed.write_text(lines({"prompt_id": "q1", "model": "r-test-m0", "answer": "바꾼 답"}), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(changed)])
    assert result.exit_code != 0 and "nothing imported" in result.output, result.output
    pool.rollback()
    assert [a.text for a in pool.scalars(select(BankAnswer))] == ["처음"]
    assert pool.scalar(select(func.count()).select_from(AuditEntry)) == 1
