"""Whether a name found in an answer is said of the speaker itself ("I am X", "as X, I", "made by X",
"저는 X입니다", "X에서 개발한 AI 모델이에요") or signs the answer ("— X", "[X]", "X:" opening it)."""
from __future__ import annotations

import re

# A self-reference sits next to the name; bounded windows also keep a hostile answer (one endless
# sentence full of names) from making the check slow.
CONTEXT_CHARS = 160

_WORDS = re.compile(r"[a-z][a-z'-]*")
_EN_CUES = frozenset({("i", "am"), ("i'm",), ("my", "name", "is"), ("call", "me"), ("i", "was"), ("i've", "been"),
                      ("i", "have", "been")})
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
_KO_IS = r"(?:입니다|이에요|예요|이야|야(?![가-힣])|이고|이며|랍니다|이랍니다|라고|이라고|임(?![가-힣])|로서|으로서)"
_KO_SELF_NOUN = r"(?:AI|인공지능|언어\s*모델|모델|어시스턴트|챗봇|비서|에이전트|LLM)"
# "X입니다", "X 모델이에요": the name, perhaps a noun for what it is, then "is".
_KO_COPULA = re.compile(rf"(?:\s*(?:{_KO_SELF_NOUN}|기반))*\s*{_KO_IS}", re.I)
# "...AI 모델이에요", "...AI 비서 에이닷이에요": what the speaker is, perhaps its name, then "is"; a
# sentence going on about something else ("...AI 챗봇 ChatGPT는 출시...") is a fact, not a self.
_KO_SELF_IS = rf"(?:\s*{_KO_SELF_NOUN})+(?:\s*[^\s.!?,]{{1,20}}?)?{_KO_IS}"
_KO_MAKER = re.compile(r"\s*(?:에서|이|가|의|팀이|팀에서)?\s*(?:개발|만든|만들|학습|훈련|제작|설계|출시)"
                       rf"[^.!?\n]{{0,15}}?{_KO_SELF_IS}", re.I)
_KO_OF = re.compile(rf"\s*(?:의|에서\s*나온|에서\s*온){_KO_SELF_IS}", re.I)
_KO_TOPIC = re.compile(r"[가-힣A-Za-z0-9](?:은|는)\s")  # "제미나이는 구글이 만든 AI": about another model
_GREETING_ONLY = re.compile(r"^[\W_]*(?:(?:안녕하세요|안녕|반갑습니다|hi|hello|hey)[\W_]*)?$", re.I)
_THIS_IS = re.compile(r"(?:^|[^\w])(?:this\s+is|이쪽은|여기는)\s*$", re.I)
_HERE = re.compile(r"\s*(?:here|speaking)?\s*(?:[.!,:~]|$)", re.I)
_GREETED = re.compile(r"\s*(?:here|speaking)\s*(?:[.!,:~]|$)", re.I)
# "This answer was written by X", "이 답변은 X가 작성했습니다": the answer credits its author.
_THIS_ANSWER = re.compile(r"(?:this|the\s+above|my)\s+(?:answer|response|reply|text)\s+(?:was|is|has\s+been)\s+"
                          r"(?:generated|written|produced|provided|created|prepared)\s+by\s*$", re.I)
_KO_THIS_ANSWER = re.compile(r"(?:이|위|본)\s*(?:답변|응답|글)[은는]\s*$")
_KO_AUTHORED = re.compile(r"\s*(?:이|가|에서|에\s*의해)?\s*(?:작성|생성|제공)(?:했|하였|됐|되었)[가-힣]{0,4}\s*[.!]?\s*$")
# "As X, I ...", "As X (a model by Y), my ...", "Developed by X, I ...": the speaker takes the name as its own.
_AS_I = re.compile(r"\s*(?:\([^()]{0,60}\)|,[^,.!?]{0,60})?,\s*(?:i|i'm|i've|i'd|i'll|my|me)\b", re.I)

# Signatures and labels: a name opening the first line as a label ("EXAONE:", "[EXAONE]", "EXAONE here")
# or closing the last one as a signature ("— EXAONE", "... [EXAONE]", "엑사원 드림"). A bracket counts
# only after a sentence, not glued to a word ("엑사원(EXAONE)" glosses a name).
_OPEN = re.compile(r"[\s*_#\[(【「]*")
_LABEL_END = re.compile(r"[*_\s]*(?:[:：\]）)】」]|\s+(?:here|speaking)\b)", re.I)
_SIGN_BEFORE = re.compile(r"(?:^[\[(【「]?|[.!?。]\s+[\[(【「]|[—–―~]|--|(?:^|[.!?]\s+)(?:sincerely|regards|best|cheers|"
                          r"thanks|yours)\s*,)[\s*_]*$", re.I)
_BARE = re.compile(r"^[\s*_]*$")
_SIGN_AFTER = re.compile(r"[\W_]*(?:드림|올림|씀)?[\W_]*$")  # closing brackets, dots, an emoji
_LIST_ITEM = re.compile(r"[\s*_#>\-–•·\d.)]*")
# Cheap gates in C before the word-by-word rules: every English rule needs the speaker ("I", "me",
# "my") or "as"/"this is" before the name, every Korean one an "is" after it. A hostile answer full
# of names then costs a regex search per name, not a Python walk.
_EN_GATE = re.compile(r"(?<![a-z])(?:i|me|my|as|this|by)(?![a-z])", re.I)
_KO_GATE = re.compile(_KO_IS)


def _english(before: str) -> bool:
    """'I am [fillers] X' or '[I / the model] was trained by [the team at] X' from someone saying 'I'."""
    words = _WORDS.findall(before.lower().replace("’", "'"))[-16:]
    i = len(words)
    while i and words[i - 1] in _EN_FILLER:
        i -= 1
    if any(tuple(words[max(0, i - n):i]) in _EN_CUES for n in (1, 2, 3)):
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


def _introduced(before: str, after: str) -> bool:
    """'This is X.', 'As X, I can help.', 'As an AI made by X, I ...'."""
    if _HERE.match(after) and _THIS_IS.search(before):
        return True
    if _THIS_ANSWER.search(before):
        return True
    words = _WORDS.findall(before.lower())[-6:]
    if "as" in words:
        words = words[len(words) - words[::-1].index("as"):]
    elif not (words[-2:-1] and words[-2] in _MAKERS and words[-1] == "by"
              and len(words) == len(_WORDS.findall(before.lower()))):
        return False  # "by" only as the sentence's opening phrase: "Trained by X, I ..."
    return set(words) <= _EN_FILLER and bool(_AS_I.match(after))


def self_identifying(sentence: str, start: int, end: int) -> bool:
    """Whether the name at sentence[start:end] is said of the speaker itself."""
    before, after = sentence[max(0, start - CONTEXT_CHARS):start], sentence[end:end + CONTEXT_CHARS]
    if _GREETED.match(after) and _GREETING_ONLY.match(before):  # "Hi! X here.", "EXAONE speaking"
        return True
    if _KO_AUTHORED.match(after) and _KO_THIS_ANSWER.search(before):
        return True
    if _EN_GATE.search(before) and (_english(before) or _introduced(before, after)):
        return True
    return bool(_KO_GATE.search(after)) and _korean(before, after)


def signed(text: str, names: re.Pattern) -> str | None:
    """A name labelling the answer's first line or signing its last; in a list of names, one per line,
    a bare name or a 'name:' label is an item, not a signature."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    listed = sum(1 for line in lines if names.match(line, _LIST_ITEM.match(line).end())) > 1
    first, last = lines[0], lines[-1]
    hit = names.match(first, _OPEN.match(first).end())
    if hit and (end := _LABEL_END.match(first, hit.end())) and not (listed and ":" in end.group(0)):
        return hit.group(0)
    for hit in names.finditer(last, max(0, len(last) - CONTEXT_CHARS)):
        # A signature mark sits right before the name; a short window keeps a long last line cheap.
        if _SIGN_AFTER.match(last, hit.end()) and _SIGN_BEFORE.search(last, max(0, hit.start() - 40), hit.start()):
            # A bare name is a signature only under other lines, and never as the last item of a list.
            if not ((listed or len(lines) == 1) and _BARE.match(last, 0, hit.start())):
                return hit.group(0)
    return None
