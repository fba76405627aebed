"""Whether a name found in an answer is said of the speaker itself: "I am X", "made by X",
"저는 X입니다", "X에서 개발한 AI 모델". Names that are also ordinary words count only then."""
from __future__ import annotations

import re

# A self-reference sits next to the name; bounded windows also keep a hostile answer (one endless
# sentence full of names) from making the check slow.
CONTEXT_CHARS = 160

_WORDS = re.compile(r"[a-z][a-z'-]*")
_EN_CUES = (("i", "am"), ("i'm",), ("my", "name", "is"), ("call", "me"), ("i", "was"), ("i've", "been"),
            ("i", "have", "been"))
_MAKERS = frozenset("made developed built trained created designed powered produced programmed fine-tuned "
                    "finetuned".split())
# Words that may stand between "I am" and the name: "I am [an AI assistant developed by] X".
_EN_FILLER = _MAKERS | frozenset("a an the your called named known as ai assistant model language large "
                                 "chatbot llm from by of helpful friendly virtual korean version here".split())
_SELF_NOUNS = frozenset("i i'm i've me model assistant ai chatbot llm bot".split())
_AUX = frozenset("was am is been have".split())
_FIRST_PERSON = frozenset("i i'm i've me my".split())
_TEAM_AT = (frozenset("team researchers engineers people".split()), frozenset("at of from".split()))

_KO_SELF = re.compile(r"(?<![가-힣])(?:저는|저도|저를|제가|나는|난|전|제\s*이름은|저의\s*이름은|내\s*이름은)(?![가-힣])")
_KO_COPULA = re.compile(r"\s*(?:입니다|이에요|예요|이야|야|이고|이며|랍니다|이랍니다|라고|이라고|임)")
_KO_SELF_NOUN = r"(?:AI|인공지능|언어\s*모델|모델|어시스턴트|챗봇|비서|에이전트|LLM)"
_KO_MAKER = re.compile(r"\s*(?:에서|이|가|의|팀이|팀에서)?\s*(?:개발|만든|만들|학습|훈련|제작|설계|출시)"
                       rf"[^.!?\n]{{0,15}}?{_KO_SELF_NOUN}", re.I)
_KO_OF = re.compile(rf"\s*(?:의|에서\s*나온|에서\s*온)\s*{_KO_SELF_NOUN}", re.I)
_KO_TOPIC = re.compile(r"[가-힣A-Za-z0-9](?:은|는)\s")  # "제미나이는 구글이 만든 AI": about another model
_GREETING_ONLY = re.compile(r"^[\W_]*(?:(?:안녕하세요|안녕|반갑습니다|hi|hello)[\W_]*)?$", re.I)


def _english(before: str) -> bool:
    """'I am [fillers] X' or '[I / the model] was trained by [the team at] X' from someone saying 'I'."""
    words = _WORDS.findall(before.lower().replace("’", "'"))[-16:]
    i = len(words)
    while i and words[i - 1] in _EN_FILLER:
        i -= 1
    if any(tuple(words[max(0, i - len(cue)):i]) == cue for cue in _EN_CUES):
        return True
    w = words
    if len(w) >= 2 and w[-2] in _TEAM_AT[0] and w[-1] in _TEAM_AT[1]:
        w = w[:-2]
    if w and w[-1] == "the":
        w = w[:-1]
    if len(w) < 3 or w[-1] != "by" or w[-2] not in _MAKERS:
        return False
    j = len(w) - 2
    while j and w[j - 1] in _AUX:
        j -= 1
    return j > 0 and w[j - 1] in _SELF_NOUNS and not _FIRST_PERSON.isdisjoint(words)


def _korean(before: str, after: str) -> bool:
    """'저는 X입니다', '저는 X의 AI', 'X에서 개발한 AI 모델' (not '제미나이는 X가 만든 AI')."""
    if _KO_COPULA.match(after):
        return bool(_KO_SELF.search(before) or _GREETING_ONLY.match(before))
    if _KO_OF.match(after) and _KO_SELF.search(before):
        return True
    return bool(_KO_MAKER.match(after)) and (bool(_KO_SELF.search(before)) or not _KO_TOPIC.search(before))


def self_identifying(sentence: str, start: int, end: int) -> bool:
    """Whether the name at sentence[start:end] is said of the speaker itself."""
    before, after = sentence[max(0, start - CONTEXT_CHARS):start], sentence[end:end + CONTEXT_CHARS]
    return _english(before) or _korean(before, after)
