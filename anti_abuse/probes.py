"""Identity probes in prompts: a citizen asking the models who they are, or whether they are a named model.

Asking "너 누구야?" or "who made you?" is the cheapest way to unblind a battle: the answer names its
model and the vote stops measuring quality. Such a prompt is still sent (the citizen may be curious),
but the caller stores the vote as excluded with reason `identity_leak` and tells the citizen it will
not count.

Two kinds of finding:
- `identity_probe`: a question about the addressee's identity, name, model or maker ("너 누구야",
  "넌 누구니", "어느 회사 모델이야", "누가 만들었어", "너의 이름은", "who made you", "what model are you").
- `identity_name`: a name from the identity lexicon asked of the addressee ("너 엑사원이야?",
  "LG가 만들었어?", "are you Solar?", "did Upstage train you?").

Decisions:
- The probe needs the MODEL as its addressee: a second person (너/넌/니/당신, you/your) or no subject
  at all. "이 배우 누구야", "한글은 누가 만들었어?", "who made this song?" ask about a third party:
  in Korean a probe phrase must open its sentence (after greetings and fillers like 안녕, 근데, 혹시,
  and the addressee), and in English it must end its sentence with "you"/"your ...".
- A name alone in a prompt is NOT a finding, for companies and models alike: prompts name brands for
  ordinary reasons ("LG전자 냉장고 추천해줘", "solar panel", "클로드 모네", "구글 검색"). A name counts only
  when the prompt asks whether the addressee IS it or was MADE by it. This is the prompt-side twin of
  the answer check in `anti_abuse.identity`, which counts a name only where the answer says it of itself.

Public API (pure: no Flask, no database):
    probe_in_prompt(text, lexicon=LEXICON) -> ProbeFinding | None
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from anti_abuse.identity import LEXICON, IdentityLexicon, find_names, normalise

REASON = "identity_leak"
_WINDOW = 80  # characters around a name that decide whether it is asked of the model

_SENTENCES = re.compile(r"(?<=[.!?？。])\s+|\n+")
_END = r"[\s?？!.~…ㅋㅎㅠ;:)^]*$"
# What may stand before a Korean probe: greetings, fillers, the addressee ("안녕, 근데 너 혹시 ...").
_KO_LEAD = (r"^(?:(?:안녕하세요|안녕|하이|헬로|저기요|저기|근데|그런데|그래서|그럼|그러면|야|혹시|솔직히|진짜|정말|"
            r"도대체|대체|정확히|궁금한데|궁금해서|질문|질문인데|잠깐|아|음|그래|그리고|참|"
            r"너는|넌|너|니가|네가|니는|니|당신은|당신이|당신|그쪽은|그쪽|너희는|너희|너네는|너네)"
            r"[\s,!~.]*)*")
_KO_IS = r"(?:이야|야|이니|니|이냐|냐|이지|지|이에요|예요|에요|이세요|세요|입니까|인가요|인가|이나요|나요|인지|임|이다|이죠|죠|이신가요|신가요|십니까|이십니까|일까|냐고|이냐고)"
_KO_PROBES = [
    # 누구야, 누구세요, 누구예요, 누구신가요
    rf"누구(?:{_KO_IS}|시죠|신지|심)?",
    # 너의 이름은, 이름이 뭐야, 네 이름 뭐니, 모델명이 뭐예요
    rf"(?:너의|너희|네|니|당신의|그쪽)?\s*(?:이름|본명|모델\s*명|모델\s*이름|정체)\s*(?:은|는|이|가|을)?"
    rf"\s*(?:(?:뭐|뭔|무엇|어떻게|뭘까)\s*(?:{_KO_IS}|돼|되니|되나요|되세요|될까)?|밝혀|알려\s*줘|말해\s*줘)?",
    # 어느 회사 모델이야, 무슨 모델이야, 어떤 AI야, 어디 소속이야, 어떤 모델 기반이야
    rf"(?:어느|어떤|무슨|어디)\s*(?:회사|기업|곳|팀|나라|연구소|업체|데|쪽)?\s*(?:의|에서\s*만든|에서\s*나온|꺼|거|제품)?\s*"
    rf"(?:언어\s*모델|모델|AI|에이아이|인공지능|챗봇|LLM|엘엘엠|소속|출신|거|꺼)\s*(?:기반)?\s*(?:{_KO_IS}|써|쓰니|써요)",
    # 누가 만들었어, 어디서 만들었나요, 어느 회사가 개발했어
    r"(?:너를|널|당신을)?\s*(?:누가|누구가|어디서|어디에서|어디가|어느\s*(?:회사|곳|팀|기업)(?:가|이|에서)|"
    r"어떤\s*(?:회사|곳|팀|기업)(?:가|이|에서)|무슨\s*회사(?:가|에서))\s*(?:너를|널|당신을)?\s*"
    r"(?:만들|만든|개발|학습|훈련|제작|설계)[가-힣]{0,6}(?:\s*(?:거|것|건)[가-힣]{0,4})?",
    # 자기소개 해줘 (not 자기소개서, a cover letter)
    r"(?:너|네|당신)?\s*자기\s*소개(?!서)\s*(?:좀)?\s*(?:해|하|부탁)[가-힣]{0,5}",
]
_KO_PROBE = re.compile(_KO_LEAD + r"(?:" + "|".join(_KO_PROBES) + r")" + _END, re.I)
# "너 뭐야?", "넌 도대체 뭐니": what the addressee is; the addressee must be said.
_KO_WHAT_ARE_YOU = re.compile(r"^(?:[^\s]+\s+)?(?:너는|넌|너|니는|당신은|당신)\s*(?:도대체|대체|정체가)?\s*"
                              r"(?:뭐|뭐야|뭐니|뭐냐|뭐예요|뭐에요|뭔데|뭐지|무엇|무엇인가요|무엇입니까)" + _END)
# Anywhere in a sentence: the addressee as the made thing, or the addressee's maker.
_KO_ANYWHERE = re.compile(
    r"(?<![가-힣])(?:너를|널|너|당신을|니를)\s*(?:만든|개발한|학습시킨|훈련시킨|만들어\s*준|학습한|훈련한|설계한)\s*"
    r"(?:회사|곳|사람|팀|기업|개발사|제작사|연구소|개발자|분|이|데)"
    r"|(?<![가-힣])(?:너의|네|니|당신의)\s*(?:개발사|제작사|개발자|창조자|제작자|만든\s*사람|만든\s*회사|원래\s*이름|모델\s*명|기반\s*모델|소속|출신)"
)
_EN_TAIL = r"(?:[\s,]+(?:exactly|really|actually|anyway|then|again|lol|though|tho|originally|now))*[\s?!.:)]*$"
_EN_PROBE = re.compile(
    r"(?:^|[^a-z'])(?:"
    r"who\s+(?:are|r)\s+(?:you|u|ya)"
    r"|who\s+(?:made|created|built|trained|developed|designed|programmed|owns|makes|coded|wrote)\s+(?:you|u)"
    r"|who(?:\s+is|'s|s)\s+(?:your|ur)\s+(?:creator|maker|developer|owner|parent\s+company|company|author|manufacturer|"
    r"team|provider|vendor)"
    r"|(?:what|which)\s+(?:kind\s+of\s+|sort\s+of\s+|type\s+of\s+)?(?:ai\s+|language\s+|large\s+language\s+|base\s+)?"
    r"(?:model|llm|ai|chatbot|bot|version|company|team|lab|system)\s+(?:are|r)\s+(?:you|u)"
    r"(?:\s+(?:based\s+on|built\s+on|from|running|running\s+on|using|made\s+by|trained\s+by))?"
    r"|(?:what|which)\s+(?:company|organi[sz]ation|team|lab|firm|group|people|country)\s+"
    r"(?:made|created|built|trained|developed|designed|owns|makes|is\s+behind)\s+(?:you|u)"
    r"|(?:what(?:\s+is|'s|s)|tell\s+me)\s+(?:your|ur)\s+(?:name|model(?:\s+name)?|real\s+name|true\s+name|base\s+model|"
    r"model\s+version|architecture|origin|identity|creator|maker|developer)"
    r"|what\s+(?:are|r)\s+(?:you|u)(?:\s+(?:based|built|trained)\s+on)?"
    r"|what\s+(?:model|llm|ai)\s+(?:is\s+this|powers\s+you|do\s+you\s+run\s+on|are\s+you\s+running|runs\s+you)"
    r"|(?:please\s+)?introduce\s+yourself|tell\s+me\s+(?:about\s+yourself|who\s+you\s+are|who\s+made\s+you)"
    r"|where\s+(?:do|did)\s+you\s+come\s+from|who\s+do\s+you\s+work\s+for|who\s+(?:do|did)\s+you\s+belong\s+to"
    r")" + _EN_TAIL,
    re.I,
)
# A name asked of the addressee: "너 엑사원이야?", "LG가 만들었어?", "are you Solar?", "did Upstage train you?".
_KO_NAME_LEAD = re.compile(_KO_LEAD + r"$")
_KO_NAME_IS = re.compile(rf"^\s*(?:모델|AI|에이아이|인공지능|챗봇|기반|계열|쪽|거|꺼)?\s*(?:{_KO_IS}|맞지|맞아|맞니|맞나요|맞죠|"
                         rf"맞습니까|맞아요|아니야|아니니|아니에요|아닌가요)\s*(?:맞지|맞아|맞니|맞죠|맞나요)?" + _END, re.I)
_KO_NAME_MADE = re.compile(r"^\s*(?:이|가|에서|팀이|팀에서|사가|측이|쪽에서)?\s*(?:너를|널|당신을)?\s*"
                           r"(?:만들|만든|개발|학습|훈련|제작)[가-힣]{0,6}(?:\s*(?:거|것|건|모델|AI)[가-힣]{0,4})?" + _END)
_KO_NAME_OBJECT = re.compile(r"(?:너를|널|당신을)\s*$")  # "널 LG가 만들었어?" also has the addressee first
_EN_NAME_BEFORE = re.compile(
    r"(?:\b(?:are|r|were)\s+(?:you|u)|\byou\s+are|\byou're|\bur|\bis\s+(?:your|ur)\s+(?:maker|creator|developer|company|"
    r"model|name|base\s+model|owner)|\bwhether\s+you(?:'re|\s+are))"
    r"(?:\s+(?:a|an|the|actually|really|just|secretly|definitely|probably|some|kind\s+of|version\s+of|based\s+on|built\s+on|"
    r"made\s+by|from|powered\s+by|running\s+on|running|trained\s+by|developed\s+by|created\s+by|built\s+by|by|on))*\s+$",
    re.I,
)
# What may follow a name asked of "you": a version, "model", "or Claude", "right?", "by OpenAI", the end.
_EN_NAME_AFTER = re.compile(r"^(?:\s*(?:[\d.\-]+[a-z]?|model|ai|llm|right|too|then|really|actually|or\s.*|by\s.*|from\s.*"
                            r"|,.*)|[\s\-.]*)" + _EN_TAIL, re.I)
_EN_NAME_DID = (re.compile(r"\b(?:did|does|has|had|was\s+it)\s+(?:the\s+)?$", re.I),
                re.compile(r"^(?:\s+(?:team|company|people|folks))?\s+(?:make|train|build|create|develop|design|made|trained|"
                           r"built|created|developed|designed)\s+(?:you|u)\b", re.I))
_EN_NAME_MADE = re.compile(r"^\s+(?:made|trained|built|created|developed|designed)\s+(?:you|u)" + _EN_TAIL, re.I)


@dataclass(frozen=True)
class ProbeFinding:
    """An identity probe in a prompt: its kind, the text that matched, and the name when one was asked."""

    kind: str  # "identity_probe" or "identity_name"
    matched: str
    name: str | None = None
    reason: str = REASON


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(normalise(text).replace("’", "'")) if s.strip()]


def _name_asked(sentence: str, start: int, end: int) -> bool:
    """Whether the name at sentence[start:end] is asked of the addressee (is it / made it)."""
    # Bounded windows: a hostile prompt full of names costs a few short searches per name.
    before, after = sentence[max(0, start - _WINDOW):start], sentence[end:end + _WINDOW]
    if _KO_NAME_IS.match(after) or _KO_NAME_MADE.match(after):
        if (start <= _WINDOW and _KO_NAME_LEAD.match(sentence[:start])) or _KO_NAME_OBJECT.search(before):
            return True
    if _EN_NAME_BEFORE.search(before) and _EN_NAME_AFTER.match(after):
        return True
    return bool(_EN_NAME_DID[0].search(before) and _EN_NAME_DID[1].match(after)) or bool(_EN_NAME_MADE.match(after))


def _name_finding(text: str, lexicon: IdentityLexicon) -> ProbeFinding | None:
    for sentence in _sentences(text):
        for hit in find_names(sentence, lexicon):
            if _name_asked(sentence, hit.start, hit.end):
                return ProbeFinding("identity_name", sentence, hit.matched)
    return None


def _probe_finding(text: str) -> ProbeFinding | None:
    for sentence in _sentences(text):
        for pattern in (_KO_PROBE, _KO_WHAT_ARE_YOU, _KO_ANYWHERE, _EN_PROBE):
            if m := pattern.search(sentence):
                return ProbeFinding("identity_probe", m.group(0).strip(" ,"))
    return None


def probe_in_prompt(text: str, lexicon: IdentityLexicon = LEXICON) -> ProbeFinding | None:
    """The identity probe in a prompt, or None; a named model or maker wins over a plain probe.

    Pass the round's lexicon (`LEXICON.with_names(db names)`) so the contest's own model names count."""
    return _name_finding(text, lexicon) or _probe_finding(text)
