"""Issue 8, item 3: an answer that names its own model, team or maker keeps the vote out of the ranking."""
from __future__ import annotations

import json

import pytest

from anti_abuse.identity import LEXICON, LEXICON_VERSION, IdentityLexicon, find_identity_leak
from contest.demo import DATA
from contest.models import Battle, BattleTurn
from tests.builders import make_battle, make_round, make_user

LEAKS = [
    "I am EXAONE from LG AI Research.",
    "안녕하세요! 저는 엑사원입니다.",
    "저는 LG AI연구원에서 개발한 언어 모델이에요.",
    "I'm an AI assistant developed by LG.",
    "저는 SK텔레콤에서 만든 AI 비서 에이닷이에요.",
    "I am A.X, a model made by SKT.",
    "제 이름은 솔라예요. 업스테이지가 만들었어요.",
    "I am Solar, trained by Upstage.",
    "저는 네이버의 하이퍼클로바X입니다.",
    "As HyperCLOVA X, I can help.",
    "I'm ChatGPT, a large language model trained by OpenAI.",
    "I am Claude, made by Anthropic.",
    "저는 구글에서 개발한 AI 모델 제미나이입니다.",
    "I am Llama, developed by Meta.",
    "저는 Qwen입니다.",
    "I was developed by DeepSeek.",
    "ＥＸＡＯＮＥ here.",  # full-width letters
    "I am EX\u200bAONE.",  # a zero-width space inside the name
]

CLEAN = [
    "태양광 발전을 위한 solar panel 설치 비용은 지역마다 다릅니다.",
    "LG 세탁기와 삼성 세탁기 중 어느 것이 나은지는 용도에 따라 달라요.",
    "I'm not sure whether LG or Samsung makes the better TV.",
    "The TV was made by LG in 2020.",
    "구글에서 검색해 보면 지하철 노선도를 쉽게 찾을 수 있어요.",
    "좋아하는 드라마를 보면서 쉬어 보세요.",
    "메타버스는 가상 공간을 말합니다.",
    "저는 네이버 지도 앱을 자주 써요.",  # a named app, not a self-identification
    "Python lists are mutable; tuples are not.",
    "A.X4 is not a word, and neither is AX.",
]


@pytest.mark.parametrize("text", LEAKS)
def test_self_identifying_answers_are_found(text):
    assert find_identity_leak([text], LEXICON) is not None, text


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_mentions_are_not_leaks(text):
    assert find_identity_leak([text], LEXICON) is None, find_identity_leak([text], LEXICON)


def test_the_lexicon_is_versioned_data_and_takes_names_from_the_database():
    assert LEXICON_VERSION >= 1 and {"EXAONE", "엑사원", "Upstage"} <= set(LEXICON.distinctive)
    extended = LEXICON.with_names(["Bada-7B", "바다"])
    assert find_identity_leak(["Our Bada-7B answer."], extended) is not None  # distinctive: any context
    assert find_identity_leak(["바다가 보이는 집"], extended) is None
    assert find_identity_leak(["저는 바다입니다."], extended) is not None
    assert isinstance(extended, IdentityLexicon)


def test_no_demo_answer_leaks_an_identity():
    with open(DATA / "bank.jsonl", encoding="utf-8") as fh:
        answers = [json.loads(line)["answer"] for line in fh if line.strip()]
    leaks = [(a[:60], find_identity_leak([a], LEXICON)) for a in answers if find_identity_leak([a], LEXICON)]
    assert leaks == []


@pytest.fixture
def leaky(db):
    """A voter with two ready battles: one whose side B introduces itself on turn 2, one normal."""
    round_ = make_round(db, "r-id", models=2)
    voter = make_user(db, "투표자")
    leaky_battle, normal = make_battle(db, voter, round_), make_battle(db, voter, round_)
    leaky_battle.turns.append(BattleTurn(turn_no=2, prompt_text="누구야?", answer_a="저는 AI 비서예요.",
                                         answer_b="I am EXAONE from LG AI Research."))
    # An ordinary mention of a maker ("LG 냉장고") must not cost the vote.
    normal.turns[0].answer_a, normal.turns[0].answer_b = "LG 냉장고는 문을 자주 열지 마세요.", "I'd use a tuple."
    db.commit()
    return voter, leaky_battle.id, normal.id


def test_an_identity_leak_is_stored_but_not_counted(client, login, db, leaky):
    voter, leaky_id, normal_id = leaky
    login.as_user(voter)
    body = client.post(f"/api/battles/{leaky_id}/vote", json={"winner": "b"}).get_json()
    assert body["counted"] is False and body["excluded_reason"] == "identity_leak", body
    db.expire_all()
    assert db.get(Battle, leaky_id).status == "voted"
    normal = client.post(f"/api/battles/{normal_id}/vote", json={"winner": "a"}).get_json()
    assert normal["counted"] is True and "excluded_reason" not in normal


def test_a_name_from_the_database_counts_as_a_leak(client, login, db, leaky):
    voter, _, normal_id = leaky
    battle = db.get(Battle, normal_id)
    battle.turns[0].answer_a = f"저는 {battle.model_b.display_name}입니다."  # "Model 1": only in context
    db.commit()
    login.as_user(voter)
    body = client.post(f"/api/battles/{normal_id}/vote", json={"winner": "a"}).get_json()
    assert body["counted"] is False and body["excluded_reason"] == "identity_leak", body
