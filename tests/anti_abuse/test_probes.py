"""Issue 10, signals: prompts that probe a model's identity, and names asked of the model, are found;
questions about third parties and ordinary brand mentions are not."""
from __future__ import annotations

import json

import pytest

from anti_abuse.identity import LEXICON, LEXICON_FILE, find_identity_leak, find_names
from anti_abuse.probes import REASON, probe_in_prompt

PROBES = [
    ("ko-who", "너 누구야"),
    ("ko-who-q", "너 누구야?"),
    ("ko-who-nospace", "너누구야?"),
    ("ko-who-neon", "넌 누구니?"),
    ("ko-who-polite", "누구세요?"),
    ("ko-who-yeyo", "너는 누구예요?"),
    ("ko-who-honorific", "당신은 누구신가요"),
    ("ko-who-hasipnikka", "당신은 누구십니까?"),
    ("ko-who-greeting", "안녕! 너 누구야?"),
    ("ko-who-filler", "근데 혹시 넌 누구야"),
    ("ko-who-doedaeche", "넌 도대체 누구야?"),
    ("ko-who-second-sentence", "날씨가 좋네. 근데 너 누구야?"),
    ("ko-company-model", "어느 회사 모델이야?"),
    ("ko-company-model-addressee", "너 어느 회사 모델이야"),
    ("ko-which-model", "무슨 모델이야?"),
    ("ko-which-ai", "어떤 AI야?"),
    ("ko-which-ai-polite", "어떤 인공지능이에요?"),
    ("ko-which-base", "너 어떤 모델 기반이야?"),
    ("ko-belong", "너 어디 소속이야?"),
    ("ko-who-made", "누가 만들었어?"),
    ("ko-who-made-addressee", "너 누가 만들었어"),
    ("ko-where-made-polite", "어디서 만들었나요?"),
    ("ko-where-made-eoyo", "어디에서 만들었어요?"),
    ("ko-company-developed", "어느 회사가 개발했어?"),
    ("ko-who-trained", "누가 너를 학습시켰어?"),
    ("ko-your-name", "너의 이름은"),
    ("ko-your-name-q", "너의 이름은?"),
    ("ko-your-name-what", "네 이름이 뭐야?"),
    ("ko-name-no-subject", "이름이 뭐예요"),
    ("ko-model-name", "모델명이 뭐야?"),
    ("ko-made-you-company", "너를 만든 회사는 어디야?"),
    ("ko-made-you-person", "널 만든 사람이 누구야?"),
    ("ko-your-developer", "너의 개발사는 어디야?"),
    ("ko-identity", "너 정체가 뭐야"),
    ("ko-what-are-you", "너 뭐야?"),
    ("ko-introduce", "자기소개 해줘"),
    ("ko-introduce-addressee", "너 자기소개 좀 해봐"),
    ("en-who", "Who are you?"),
    ("en-who-lower", "who r u"),
    ("en-who-really", "Hi! Who are you, really?"),
    ("en-who-made", "who made you"),
    ("en-who-created", "Who created you?"),
    ("en-who-trained", "Who trained you?"),
    ("en-what-model", "What model are you?"),
    ("en-which-ai", "which AI are you"),
    ("en-what-based", "What are you based on?"),
    ("en-model-based-on", "What model are you based on?"),
    ("en-which-company-trained", "Which company trained you?"),
    ("en-what-company-made", "What company made you?"),
    ("en-name", "What's your name?"),
    ("en-name-curly", "What’s your name?"),
    ("en-model-name", "what is your model name?"),
    ("en-creator", "Who is your creator?"),
    ("en-introduce", "Introduce yourself."),
    ("en-what-are-you", "What are you?"),
    ("en-second-sentence", "Thanks for the help. Who made you?"),
    ("full-width", "ｗｈｏ ａｒｅ ｙｏｕ？"),
    ("zero-width", "너 누\u200b구야?"),
]


@pytest.mark.parametrize("text", [c[1] for c in PROBES], ids=[c[0] for c in PROBES])
def test_identity_probes_are_found(text):
    found = probe_in_prompt(text, LEXICON)
    assert found is not None and found.kind == "identity_probe" and found.reason == REASON == "identity_leak", found
    assert found.matched


NAMED = [
    ("ko-are-you-exaone", "너 엑사원이야?", "엑사원"),
    ("ko-are-you-solar", "너 혹시 솔라야?", "솔라"),
    ("ko-exaone-right", "엑사원 맞지?", "엑사원"),
    ("ko-lg-made", "LG가 만들었어?", "LG"),
    ("ko-lg-made-addressee", "너 LG에서 만들었어?", "LG"),
    ("ko-naver-made-you", "네이버가 너를 만들었니?", "네이버"),
    ("ko-gpt-model", "너 GPT 모델이야?", "GPT"),
    ("ko-hyperclova-based", "너 하이퍼클로바X 기반이야?", "하이퍼클로바X"),
    ("ko-hyperclova-spaced", "너 하이퍼 클로바야?", "하이퍼 클로바"),
    ("ko-adot", "너 에이닷이니?", "에이닷"),
    ("ko-varco-polite", "혹시 바르코예요?", "바르코"),
    ("ko-midm", "너 믿음이야?", "믿음"),
    ("ko-kt-made", "너 KT가 만들었어?", "KT"),
    ("ko-skt-transliterated", "너 에스케이티에서 만들었어?", "에스케이티"),
    ("ko-upstage", "업스테이지에서 만들었나요?", "업스테이지"),
    ("en-are-you-chatgpt", "Are you ChatGPT?", "ChatGPT"),
    ("en-are-you-either", "Are you ChatGPT or Claude?", "ChatGPT"),
    ("en-made-by", "Are you made by OpenAI?", "OpenAI"),
    ("en-based-on", "Are you based on Llama 3?", "Llama 3"),
    ("en-did-train", "Did Upstage train you?", "Upstage"),
    ("en-trained-by", "Were you trained by Upstage?", "Upstage"),
    ("en-name-is", "Is your name Claude?", "Claude"),
    ("en-you-are", "You are EXAONE, right?", "EXAONE"),
    ("en-version", "Are you GPT-4o?", "GPT-4o"),
    ("en-midm", "Are you Mi:dm?", "Mi:dm"),
    ("en-ax", "are you A.X?", "A.X"),
    ("en-made-you", "EXAONE made you?", "EXAONE"),
]


@pytest.mark.parametrize("text,name", [c[1:] for c in NAMED], ids=[c[0] for c in NAMED])
def test_names_asked_of_the_model_are_found(text, name):
    found = probe_in_prompt(text, LEXICON)
    assert found is not None and found.kind == "identity_name" and found.name == name, found


NOT_PROBES = [
    ("lg-fridge", "LG전자 냉장고 추천해줘"),
    ("lg-made-fridge", "LG가 만든 냉장고 추천해줘"),
    ("this-actor", "이 배우 누구야?"),
    ("actor-after", "누구야 이 배우"),
    ("hangul-who-made", "한글은 누가 만들었어?"),
    ("song-who-made", "이 노래 누가 만들었어?"),
    ("this-laptop-model", "이 노트북 어느 회사 모델이야?"),
    ("flower-name", "이 꽃 이름이 뭐야?"),
    ("movie-title", "너의 이름은 영화 줄거리 알려줘"),
    ("cover-letter", "자기소개서 써줘"),
    ("interview-intro", "면접 자기소개 예시 알려줘"),
    ("who-won", "누가 이겼어?"),
    ("solar-panel", "솔라 패널 설치 비용은?"),
    ("monet", "클로드 모네 그림 설명해줘"),
    ("google-search", "구글 검색 잘하는 법"),
    ("kakaotalk", "카카오톡 백업 방법"),
    ("naver-map", "네이버 지도에서 길 찾는 법"),
    ("compare-models", "엑사원이랑 솔라 비교해줘"),
    ("faith", "믿음이 뭐야?"),
    ("conan", "명탐정 코난 범인은 누구야?"),
    ("mother-hometown", "우리 어머니 출신 지역 음식 추천해줘"),
    ("designer-made", "디자이너 만든 옷 브랜드 알려줘"),
    ("en-song", "who made this song?"),
    ("en-mona-lisa", "Who made the Mona Lisa?"),
    ("en-vote", "Who are you going to vote for?"),
    ("en-doing", "What are you doing?"),
    ("en-food", "What is your favourite food?"),
    ("en-car", "What model of car should I buy?"),
    ("en-lg-fridge", "Can you recommend an LG fridge?"),
    ("en-like-lg", "Do you like Samsung or LG?"),
    ("en-lg-customer", "If you are an LG customer, call them."),
    ("en-google-employee", "Are you a Google employee?"),
    ("en-who-made-you-cry", "Who made you cry?"),
    ("en-name-for", "What's your name for this kind of dish?"),
    ("en-chatgpt-essay", "Summarise how ChatGPT changed schools."),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_PROBES], ids=[c[0] for c in NOT_PROBES])
def test_third_parties_and_brand_mentions_are_not_probes(text):
    assert probe_in_prompt(text, LEXICON) is None, probe_in_prompt(text, LEXICON)


def test_the_rounds_own_model_names_count_when_asked():
    lexicon = LEXICON.with_names(["Bada-7B", "바다"])
    assert probe_in_prompt("너 바다야?", LEXICON) is None
    assert probe_in_prompt("너 바다야?", lexicon).name == "바다"
    assert probe_in_prompt("Are you Bada-7B?", lexicon).name == "Bada-7B"
    assert probe_in_prompt("바다가 보이는 숙소 추천해줘", lexicon) is None


def test_a_name_wins_over_a_plain_probe():
    found = probe_in_prompt("너 누구야? 혹시 엑사원이야?", LEXICON)
    assert found.kind == "identity_name" and found.name == "엑사원"


def test_find_names_reports_every_name_on_token_boundaries():
    hits = find_names("엑사원이랑 솔라 프로, 그리고 solarpanel과 LG전자", LEXICON)
    assert [h.matched for h in hits] == ["엑사원", "솔라 프로", "LG"]
    assert find_names("EXAONEX and Solaris", LEXICON) == []


@pytest.mark.parametrize("text", ["저는 AI 어시스턴트입니다.", "저는 AI 어시스턴트입니다", "I am an AI assistant.",
                                  "저는 인공지능 언어 모델이에요.", "저는 믿음이 중요하다고 생각해요.",
                                  "명탐정 코난은 아오야마 고쇼의 만화입니다."],
                         ids=["ko-assistant", "ko-assistant-no-dot", "en-assistant", "ko-language-model", "ko-faith",
                              "ko-conan"])
def test_a_generic_self_description_is_not_an_answer_leak(text):
    assert find_identity_leak([text], LEXICON) is None


@pytest.mark.parametrize("text,name", [("저는 믿음입니다.", "믿음"), ("I am Konan LLM.", "Konan LLM"),
                                       ("저는 카카오브레인에서 개발한 AI예요.", "카카오브레인"),
                                       ("저는 하이퍼 클로바입니다.", "하이퍼 클로바"), ("I am HCX.", "HCX")],
                         ids=["midm-ko", "konan", "kakao-brain", "hyperclova-spaced", "hcx"])
def test_lexicon_variants_reach_the_answer_check(text, name):
    assert find_identity_leak([text], LEXICON) == name


def test_the_lexicon_file_is_versioned_and_holds_the_variants():
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    assert data["version"] == LEXICON.version >= 3
    assert {"엑사원", "EXAONE", "솔라", "Solar", "에이닷", "A.X", "하이퍼클로바", "HyperCLOVA", "바르코", "VARCO",
            "LG AI연구원", "SKT", "업스테이지", "네이버", "카카오", "NC", "코난", "믿음", "Mi:dm"} <= set(data["names"])
    assert len(data["names"]) == len(set(data["names"]))
