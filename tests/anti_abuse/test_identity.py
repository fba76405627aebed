"""Issue 8, item 3: an answer that names its own model, team or maker keeps the vote out of the ranking."""
from __future__ import annotations

import json
import time

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
    "저는 LG AI연구원에서 개발한 엑사원입니다.",
    "I was developed by Upstage.",
    "저는 엑사원 모델이에요.",
    "I am Mi:dm, made by KT.",
    "저는 바르코입니다.",
    "저는 카나나예요.",
    # Signature lines and labels: a team may sign its answers instead of saying "I am".
    "물은 100도에서 끓습니다.\n\n— EXAONE",
    "물은 100도에서 끓습니다. [EXAONE]",
    "EXAONE: 물은 100도에서 끓습니다.",
    "[솔라] 물은 100도에서 끓습니다.",
    "물은 100도에서 끓습니다.\n\n엑사원 드림",
    "Water boils at 100 °C.\n\nSincerely, Claude",
    "Hi! HyperCLOVA X here. Water boils at 100 °C.",
    "물은 100도에서 끓습니다.\n\nEXAONE",
    "물은 100도에서 끓습니다.\n\n— 엑사원 🙂",
    "Water boils at 100 °C.\n\n" + "x" * 300 + ". [EXAONE]",
    "**Solar**: 물은 100도에서 끓습니다.",
    "Water boils at 100 °C. (Kanana)",
    "As an AI developed by Upstage, I try to be accurate.",
    "This is EXAONE. How can I help?",
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
    # Plain facts about AI: public brands are named all the time in answers about AI.
    "ChatGPT와 같은 생성형 AI는 문장을 만들어 냅니다.",
    "OpenAI의 GPT-4는 2023년에 공개되었습니다.",
    "딥마인드의 알파고는 2016년 이세돌 9단을 이겼습니다.",
    "한국의 대표 AI 모델로는 LG의 엑사원, 네이버의 하이퍼클로바X, 업스테이지의 솔라가 있습니다.",
    "OpenAI가 개발한 AI 챗봇 ChatGPT는 출시 두 달 만에 사용자 1억 명을 넘었다.",
    "Claude는 Anthropic이 만든 AI 모델이고, Gemini는 Google DeepMind가 개발했습니다.",
    "Anthropic released Claude 3.5 Sonnet in June 2024, and Google answered with Gemini.",
    "네이버는 HyperCLOVA X를 공개하며 한국어 데이터의 중요성을 강조했다.",
    "업스테이지의 솔라 프로는 단일 GPU에서 돌아가는 모델로 알려져 있습니다.",
    "저는 ChatGPT와 Claude 중에서 용도에 따라 고르시길 추천합니다.",
    "As ChatGPT grew popular, many schools changed their homework rules.",
    "ChatGPT: OpenAI의 대화형 모델\nClaude: Anthropic의 대화형 모델",
    "추천 도구는 다음과 같습니다.\n- ChatGPT\n- Claude\n- Gemini",
    "추천 도구는 다음과 같습니다.\nChatGPT\nGemini",
    "대표적인 한국어 모델은 LG의 엑사원(EXAONE)",
    "| 순위 | 모델 |\n| 1 | ChatGPT |\n| 2 | Gemini",
    "ChatGPT > 설정 > 데이터 제어에서 기록을 끌 수 있습니다.",
    "ChatGPT - 개요\nOpenAI가 2022년에 공개한 챗봇입니다.",
    "This model is from Google.",
    "ChatGPT.",  # a one-word answer to "the best-known chatbot?"
    "The best-known chatbot? It's ChatGPT.",
    "As an AI model, Gemini can summarise long documents, I think.",
]


@pytest.mark.parametrize("text", LEAKS)
def test_self_identifying_answers_are_found(text):
    assert find_identity_leak([text], LEXICON) is not None, text


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_mentions_are_not_leaks(text):
    assert find_identity_leak([text], LEXICON) is None, find_identity_leak([text], LEXICON)


def test_the_lexicon_is_versioned_data_and_takes_names_from_the_database():
    assert LEXICON_VERSION >= 2 and {"EXAONE", "엑사원", "Upstage", "바르코", "카나나"} <= set(LEXICON.names)
    extended = LEXICON.with_names(["Bada-7B", "바다"])
    assert find_identity_leak(["I am Bada-7B."], extended) is not None
    assert find_identity_leak(["Bada-7B scored 80 on the benchmark."], extended) is None  # a fact, not a self
    assert find_identity_leak(["바다가 보이는 집"], extended) is None
    assert find_identity_leak(["저는 바다입니다."], extended) is not None
    assert isinstance(extended, IdentityLexicon)


DB_NAMES = ["VARCO 2.0", "Kanana 1.5", "Mi:dm", "nc-varco-8b-instruct", "Bada v1.5 7B Chat Preview",
            "kakao-kanana-demo", "Model 1"]


@pytest.mark.parametrize("text", ["I am VARCO.", "I am Kanana.", "I'm Midm.", "I am MI-DM.", "I am Bada.",
                                  "저는 VARCO예요.", "I am kanana, your assistant."])
def test_database_names_count_without_their_version_suffix(text):
    assert find_identity_leak([text], LEXICON.with_names(DB_NAMES)) is not None, text


@pytest.mark.parametrize("text", ["I am a model.", "This is a demo.", "I can chat with you.",
                                  "I am 8B parameters big.", "저는 모델입니다."])
def test_generic_pieces_of_database_names_are_not_names(text):
    assert find_identity_leak([text], LEXICON.with_names(DB_NAMES)) is None, text


def test_a_hostile_answer_is_checked_quickly():
    names = LEXICON.with_names(DB_NAMES)
    hostile = ("ChatGPT Claude 엑사원 솔라 LG의 카나나 " * 800)[:20_000]
    began = time.perf_counter()
    assert find_identity_leak([hostile, hostile.replace(" ", "")], names) is None
    assert time.perf_counter() - began < 0.5


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
